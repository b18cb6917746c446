"""`SageClient` against ledgerd in process: refresh on an expired token, X-Business, paging over `$next`,
`idempotency_id`, and Sage's error arrays raised by status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.app import build_runtime, create_app
from ledgerd.auth.models import App
from ledgerd.client.api import SageClient, new_idempotency_id
from ledgerd.client.errors import Forbidden, NotFound, OAuthError, RateLimited, Unauthorized, Unprocessable
from ledgerd.client.oauth import Endpoints, OAuthClient, TokenSet
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import Business, User
from tests.conftest import PUBLIC_URL, TEST_SCRYPT_N
from tests.support.factories import Factory

CALLBACK = "http://localhost:8080/callback"


class Account:
    """A user with a business, an app and a client holding a token pair of theirs."""

    def __init__(self, client: TestClient, factory: Factory, scope: str = "full_access") -> None:
        self.factory = factory
        self.user: User = factory.user()
        self.business: Business = factory.business(self.user)
        self.app: App
        self.app, secret = factory.app(self.user, [CALLBACK])
        self.oauth = OAuthClient(self.app.client_id, secret, CALLBACK, endpoints=Endpoints.under(PUBLIC_URL),
                                 http=client)
        self.stored: list[TokenSet] = []
        self.api = SageClient(self.tokens(scope), self.oauth, on_tokens=self.stored.append)

    def tokens(self, scope: str = "full_access") -> TokenSet:
        return TokenSet.from_response(self.factory.token(self.user, self.app, scope=scope))


def contact(name: str) -> dict[str, Any]:
    return {"contact": {"name": name, "contact_type_ids": ["CUSTOMER"]}}


def test_an_expired_access_token_is_refreshed_once_and_the_new_pair_kept(client: TestClient, factory: Factory,
                                                                         frozen: Clock) -> None:
    account = Account(client, factory)
    before = account.api.tokens
    frozen.advance(timedelta(minutes=6))
    assert account.api.get("/user")["email"] == account.user.email
    assert account.api.tokens.refresh_token != before.refresh_token
    assert account.stored == [account.api.tokens]
    # The rotated-out refresh token is dead: the client kept the one that works.
    with pytest.raises(OAuthError):
        account.oauth.refresh(before.refresh_token)


def test_an_expired_refresh_token_asks_for_reauthorization(client: TestClient, factory: Factory,
                                                          frozen: Clock) -> None:
    account = Account(client, factory)
    frozen.advance(timedelta(days=32))
    with pytest.raises(OAuthError) as refused:
        account.api.get("/user")
    assert refused.value.error == "invalid_grant"

    asked: list[TokenSet] = []

    def reauthorize() -> TokenSet:
        asked.append(account.tokens())
        return asked[-1]

    account.api.reauthorize = reauthorize
    assert account.api.get("/user")["email"] == account.user.email
    assert account.api.tokens == asked[0] and account.stored == asked


def test_a_401_that_refreshing_does_not_cure_is_raised(client: TestClient, factory: Factory) -> None:
    account = Account(client, factory)
    static = SageClient(TokenSet.from_response({"access_token": "not-a-token"}), api_url=f"{PUBLIC_URL}/v3.1",
                        http=client)
    with pytest.raises(Unauthorized) as refused:
        static.get("/user")
    assert refused.value.status == 401 and refused.value.code == "AuthorizationFailure"
    assert refused.value.request_id

    account.oauth.revoke(account.api.tokens.refresh_token)
    with pytest.raises(OAuthError):  # revoked: the access token is refused, and so is its refresh token
        account.api.get("/user")


def test_x_business(client: TestClient, factory: Factory) -> None:
    account = Account(client, factory)
    second = factory.business(account.user, name="Second Ltd")
    made = account.api.post("/contacts", contact("Only in the second"), business=second.id)
    assert account.api.request("GET", "/contacts").headers["X-Business"] == account.business.id
    account.api.business = second.id
    response = account.api.request("GET", f"/contacts/{made['id']}")
    assert response.headers["X-Business"] == second.id
    with pytest.raises(NotFound):
        account.api.get(f"/contacts/{made['id']}", business=account.business.id)


def test_paging_follows_next(client: TestClient, factory: Factory) -> None:
    account = Account(client, factory)
    account.api.business = account.business.id
    made = {account.api.post("/contacts", contact(f"Customer {n}"))["id"] for n in range(5)}
    pages = list(account.api.pages("/contacts", {"items_per_page": 2, "search": "Customer"}))
    assert [page["$page"] for page in pages] == [1, 2, 3] and [page["$total"] for page in pages] == [5, 5, 5]
    assert pages[0]["$next"].startswith("/contacts?page=2&items_per_page=2") and pages[-1]["$next"] is None
    found = [item["id"] for item in account.api.items("/contacts", {"items_per_page": 2, "search": "Customer"})]
    assert len(found) == 5 and set(found) == made


def test_idempotency_id_makes_a_repeated_post_one_record(client: TestClient, factory: Factory) -> None:
    account = Account(client, factory)
    key = new_idempotency_id()
    assert len(key) == 32 and "-" not in key
    first = account.api.post("/contacts", contact("Once"), idempotency_id=key)
    again = account.api.post("/contacts", contact("Once"), idempotency_id=key)
    assert again["id"] == first["id"]
    assert [c["id"] for c in account.api.items("/contacts", {"search": "Once"})] == [first["id"]]
    with pytest.raises(ValueError, match="idempotency_id"):
        account.api.post("/contacts", contact("Unsafe"), retries=2)


def test_errors_are_raised_by_status_with_sages_array(client: TestClient, factory: Factory) -> None:
    account = Account(client, factory)
    with pytest.raises(NotFound) as missing:
        account.api.get("/contacts/0123456789abcdef0123456789abcdef")
    assert missing.value.status == 404 and missing.value.problems[0].severity == "error"

    with pytest.raises(Unprocessable) as invalid:
        account.api.post("/contacts", {"contact": {"contact_type_ids": ["CUSTOMER"]}})
    assert invalid.value.status == 422 and any(p.source.endswith("name") for p in invalid.value.problems)

    reader = SageClient(account.tokens(scope="readonly"), account.oauth)
    with pytest.raises(Forbidden) as refused:
        reader.post("/contacts", contact("Read only"))
    assert refused.value.status == 403 and refused.value.code


@pytest.fixture
def limited(database_url: str) -> Iterator[Runtime]:
    clock = Clock()
    clock.freeze(datetime(2026, 1, 1, 12, 0, 10, tzinfo=UTC))
    runtime = build_runtime(Settings(database_url=database_url, env="test", password_scrypt_n=TEST_SCRYPT_N,
                                     public_url=PUBLIC_URL, rate_limit=2, rate_limit_window=60), clock)
    yield runtime
    runtime.engine.dispose()


def test_429_with_retry_after_and_retries_that_wait_for_it(limited: Runtime) -> None:
    factory = Factory(limited)
    with TestClient(create_app(runtime=limited), base_url=PUBLIC_URL) as client:
        account = Account(client, factory)
        account.api.get("/user")
        account.api.get("/user")
        with pytest.raises(RateLimited) as limited_error:
            account.api.get("/user")
        assert limited_error.value.retry_after == 50.0 and limited_error.value.code == "TooManyRequests"

        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            limited.clock.advance(timedelta(seconds=seconds))

        patient = SageClient(account.api.tokens, account.oauth, sleep=sleep)
        assert patient.request("GET", "/user", retries=1).status_code == 200
        assert waits == [50.0]
