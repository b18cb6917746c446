"""The old APIs' callers: a v3 caller (a user's business, an app with v3 subscription keys and a v3 token given for
that business) and the `v2` fixture (a v2 caller, tests/legacy/v2_client.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.auth.models import App
from ledgerd.tenancy.models import Business, User
from tests.legacy.v2_client import V2
from tests.support.books import Books
from tests.support.factories import Factory

REGION = {"GB": "uki", "IE": "uki", "US": "us", "CA": "ca", "DE": "de", "ES": "es", "FR": "fr"}


@dataclass
class V3:
    client: TestClient
    factory: Factory
    user: User
    business: Business
    app: App
    keys: dict[str, str]
    token: str
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return REGION[self.business.country_id]

    def headers(self, **changes: str | None) -> dict[str, str]:
        """v3's headers (auth-and-legacy §6.4); a change of None leaves that header out."""
        base: dict[str, str | None] = {"Authorization": f"Bearer {self.token}",
                                       "Ocp-Apim-Subscription-Key": self.keys["primary"],
                                       "X-Site": self.business.id, **self.extra, **changes}
        return {name: value for name, value in base.items() if value is not None}

    def request(self, method: str, rest: str, *, json: Any = None, params: dict[str, str] | None = None,
                headers: dict[str, str | None] | None = None, region: str | None = None, api: str = "accounts") -> Any:
        url = f"/{region or self.region}/sageone/{api}/v3{rest}"
        return self.client.request(method, url, json=json, params=params, headers=self.headers(**(headers or {})))

    def get(self, rest: str, **kwargs: Any) -> Any:
        return self.request("GET", rest, **kwargs)

    def v31(self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None) -> Any:
        """The same call through v3.1, as the same user in the same business."""
        headers = self.factory.headers(self.user, business=self.business.id)
        return self.client.request(method, f"/v3.1{path}", json=json, params=params, headers=headers)


def v3_caller(client: TestClient, factory: Factory, country: str = "GB", *, user: User | None = None,
              business: Business | None = None) -> V3:
    user = user or factory.user()
    business = business or factory.business(user, name=f"V3 {country}", country=country)
    app, _ = factory.app(user)
    keys = factory.subscription_keys(app)
    token = factory.legacy_token(user, business, api="v3", app=app)["access_token"]
    return V3(client, factory, user, business, app, keys, token)


@pytest.fixture
def v3(client: TestClient, factory: Factory) -> V3:
    return v3_caller(client, factory)


@pytest.fixture
def v2(client: TestClient, factory: Factory) -> V2:
    """A v2 caller (tests/legacy/v2_client.py) on a fresh business's books."""
    return V2.open(Books.open(client, factory))
