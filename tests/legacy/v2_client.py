"""A v2 client for tests: a v2 token and signing secret of one app on a business's books, each call signed as
Sage's signers did (auth-and-legacy §7.2)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.testclient import TestClient

from ledgerd.api.legacy import signing
from ledgerd.auth.models import App
from tests.support.books import Books

FORM = "application/x-www-form-urlencoded"


@dataclass
class V2:
    books: Books
    app: App
    token: str
    signing_secret: str
    base: str = "http://testserver"

    @classmethod
    def open(cls, books: Books) -> V2:
        app = books.factory.app(books.owner)[0]
        issued = books.factory.legacy_credentials(app, "v2")
        token = books.factory.legacy_token(books.owner, books.business, api="v2", app=app)["access_token"]
        assert issued.signing_secret is not None
        return cls(books, app, token, issued.signing_secret)

    def renew(self) -> None:
        """A new access token of the same app (the old one expires after 60 minutes)."""
        self.token = self.books.factory.legacy_token(self.books.owner, self.books.business, api="v2",
                                                     app=self.app)["access_token"]

    @property
    def client(self) -> TestClient:
        return self.books.client

    def headers(self, method: str, path: str, params: list[tuple[str, str]], nonce: str | None = None,
                token: str | None = None) -> dict[str, str]:
        nonce = nonce or secrets.token_hex(16)
        base = signing.base_string(method, self.base + path, params, nonce)
        key = signing.signing_key(self.signing_secret, token or self.token)
        return {"Authorization": f"Bearer {token or self.token}", "X-Nonce": nonce,
                "X-Signature": signing.signature(key, base) + "\n", "Accept": "*/*", "User-Agent": "v2 tests"}

    def call(self, method: str, path: str, form: list[tuple[str, str]] | None = None,
             query: list[tuple[str, str]] | None = None, *, nonce: str | None = None,
             headers: dict[str, str] | None = None) -> httpx.Response:
        query, form = query or [], form or []
        signed = self.headers(method, path, [*query, *form], nonce)
        signed.update(headers or {})
        url = path + ("?" + urlencode(query) if query else "")
        content = urlencode(form).encode() if form else None
        if content is not None:
            signed["Content-Type"] = FORM
        return self.client.request(method, url, content=content, headers=signed)

    def get(self, path: str, **query: Any) -> httpx.Response:
        return self.call("GET", path, query=[(k, str(v)) for k, v in query.items()])

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json;vnd.sage=sdata"
        return response.json()


def diagnoses(response: Any, status: int) -> list[dict[str, str]]:
    """v2's error answer (`{"$diagnoses": [...]}`, auth-and-legacy §7.3) with the expected status; its problems."""
    assert response.status_code == status, response.text
    found: list[dict[str, str]] = response.json()["$diagnoses"]
    assert all(list(p) == ["$severity", "$dataCode", "$message", "$source"] for p in found)
    return found
