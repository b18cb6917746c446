"""The sign-up, login and developer-portal pages, in process over TestClient."""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.auth.models import App, TokenFamily
from ledgerd.tenancy.models import User
from ledgerd.tenancy.service import find_user
from tests.support.factories import PASSWORD, Factory

CALLBACK = "http://localhost:8080/callback"


# ---- helpers ----------------------------------------------------------------------------------------

def csrf(client: TestClient) -> str:
    if "ledgerd_csrf" not in client.cookies:
        assert client.get("/login").status_code == 200
    return client.cookies["ledgerd_csrf"]


def signup(client: TestClient, *, email: str | None = None, password: str = PASSWORD, business: str = "Portal Ltd",
           country: str = "GB", nxt: str = "/developer") -> Response:
    assert client.get("/signup").status_code == 200
    return client.post("/signup", data={
        "csrf": csrf(client), "email": email or f"portal-{secrets.token_hex(6)}@example.com", "password": password,
        "first_name": "Pat", "last_name": "Portal", "business_name": business, "country": country, "next": nxt},
        follow_redirects=False)


def login(client: TestClient, email: str, password: str = PASSWORD, nxt: str = "/developer") -> Response:
    return client.post("/login", data={"csrf": csrf(client), "email": email, "password": password, "next": nxt},
                       follow_redirects=False)


def logged_in(client: TestClient, factory: Factory) -> User:
    user = factory.user()
    factory.business(user)
    assert login(client, user.email).status_code == 303
    return user


@dataclass
class Registered:
    href: str
    client_id: str
    secret: str


def code_text(page: str, element_id: str) -> str | None:
    match = re.search(rf'<code id="{element_id}"[^>]*>([^<]+)</code>', page)
    return html.unescape(match.group(1)) if match else None


def register_app(client: TestClient, name: str = "Portal App", uris: str = CALLBACK) -> Registered:
    response = client.post("/developer/apps", data={"csrf": csrf(client), "name": name, "redirect_uris": uris},
                           follow_redirects=False)
    assert response.status_code == 201, response.text
    href = re.search(r'<form method="post" action="(/developer/apps/[^"/]+)/secret">', response.text)
    client_id, secret = code_text(response.text, "client-id"), code_text(response.text, "client-secret")
    assert href and client_id and secret
    return Registered(href.group(1), client_id, secret)


def app_post(client: TestClient, href: str, action: str, **data: str) -> Response:
    return client.post(f"{href}/{action}", data={"csrf": csrf(client), **data}, follow_redirects=False)


def callbacks_on(page: str) -> list[str]:
    return [html.unescape(u) for u in re.findall(r'<input type="hidden" name="uri" value="([^"]*)">', page)]


def refresh_with(client: TestClient, client_id: str, secret: str, refresh_token: str) -> Response:
    return client.post("/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                       "client_id": client_id, "client_secret": secret})


def app_row(factory: Factory, client_id: str) -> App:
    def run(db: Session) -> App:
        row = db.scalars(select(App).where(App.client_id == client_id)).one()
        row.redirect_uris  # noqa: B018 - load before the session closes
        return row

    return factory.tx(run)


# ---- sign-up ------------------------------------------------------------------------------------------

def test_signup_creates_user_and_business(client: TestClient, factory: Factory) -> None:
    email = f"New.User-{secrets.token_hex(4)}@Example.com"
    response = signup(client, email=email, business="Signup Ltd", country="IE")
    assert response.status_code == 303 and response.headers["location"] == "/developer"
    assert "ledgerd_session" in client.cookies
    portal = client.get("/developer")
    assert portal.status_code == 200 and "Your apps" in portal.text
    assert email.lower() in portal.text  # e-mail addresses are stored lower-cased

    user = factory.tx(lambda db: find_user(db, email))
    assert user is not None and user.first_name == "Pat" and user.locale == "en-IE"
    headers = factory.headers(user)
    listing = client.get("/v3.1/businesses", headers=headers)
    assert listing.status_code == 200
    assert [b["displayed_as"] for b in listing.json()["$items"]] == ["Signup Ltd"]
    business = client.get("/v3.1/businesses/lead", headers=headers).json()
    assert business["name"] == "Signup Ltd"
    me = client.get("/v3.1/user", headers=headers).json()
    assert me["email"] == email.lower()


def test_signup_page_preselects_the_authorization_country(client: TestClient) -> None:
    page = client.get("/signup", params={"next": "/oauth2/auth/central?client_id=x&country=ca"})
    assert page.status_code == 200
    assert '<option value="CA" selected>' in page.text


def test_signup_duplicate_email_is_refused(client: TestClient, factory: Factory) -> None:
    existing = factory.user()
    response = signup(client, email=existing.email.upper())
    assert response.status_code == 422
    assert "already exists" in response.text
    assert 'role="alert"' in response.text
    assert "ledgerd_session" not in client.cookies
    # The form keeps what was typed, except the password.
    assert f'value="{existing.email.upper()}"' in response.text
    assert PASSWORD not in response.text


def test_signup_short_password_is_refused(client: TestClient, factory: Factory) -> None:
    email = f"short-{secrets.token_hex(4)}@example.com"
    response = signup(client, email=email, password="1234567")
    assert response.status_code == 422
    assert "at least 8 characters" in response.text
    assert factory.tx(lambda db: find_user(db, email)) is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "not-an-email", "not a valid e-mail address"),
    ("country", "XX", "not served"),
])
def test_signup_invalid_fields(client: TestClient, factory: Factory, field: str, value: str, message: str) -> None:
    kwargs = {"email": value} if field == "email" else {"country": value}
    response = signup(client, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 422 and message in response.text
    assert "ledgerd_session" not in client.cookies


def test_failed_business_rolls_back_the_user(client: TestClient, factory: Factory) -> None:
    email = f"rollback-{secrets.token_hex(4)}@example.com"
    assert signup(client, email=email, country="XX").status_code == 422
    assert factory.tx(lambda db: find_user(db, email)) is None
    assert signup(client, email=email).status_code == 303


def test_signup_without_csrf_is_refused(client: TestClient) -> None:
    client.get("/signup")
    response = client.post("/signup", data={"email": "nocsrf@example.com", "password": PASSWORD,
                                            "business_name": "X", "country": "GB"}, follow_redirects=False)
    assert response.status_code == 403


# ---- login and logout ---------------------------------------------------------------------------------

def test_login_wrong_password(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    response = login(client, user.email, "wrong password!")
    assert response.status_code == 401
    assert "The e-mail address or password is wrong." in response.text
    assert "ledgerd_session" not in client.cookies
    # Unknown accounts get the very same answer.
    unknown = login(client, "nobody-" + user.email)
    assert unknown.status_code == 401 and "The e-mail address or password is wrong." in unknown.text
    malformed = login(client, "not an email")
    assert malformed.status_code == 401


def test_login_is_case_insensitive_on_email(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    assert login(client, user.email.upper()).status_code == 303


def test_login_without_csrf_is_refused(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403 and "ledgerd_session" not in client.cookies
    forged = client.post("/login", data={"csrf": "forged", "email": user.email, "password": PASSWORD},
                         follow_redirects=False)
    assert forged.status_code == 403


def test_session_cookie_flags(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    response = login(client, user.email)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "ledgerd_session" in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


def test_logout_clears_the_session(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    assert client.get("/developer", follow_redirects=False).status_code == 200
    response = client.post("/logout", data={"csrf": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "ledgerd_session" not in client.cookies
    assert client.get("/developer", follow_redirects=False).status_code == 303


def test_logout_needs_csrf(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/developer", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("nxt", ["https://evil.example", "https://evil.example/developer", "//evil.example/x",
                                 "/\\evil.example", "/\t/evil.example", "http:/evil.example", "javascript:alert(1)",
                                 "", "developer"])
def test_next_cannot_leave_the_site(client: TestClient, factory: Factory, nxt: str) -> None:
    user = factory.user()
    page = client.get("/login", params={"next": nxt})
    assert 'name="next" value="/developer"' in page.text or nxt.startswith("/\\")
    response = login(client, user.email, nxt=nxt)
    assert response.status_code == 303
    location = response.headers["location"]
    if nxt.startswith("/\\"):
        # A same-site path as far as the server is concerned; browsers treat "\" like "/", so it
        # must at least not name another host once normalised.
        assert not urlsplit(location.replace("\\", "/")).netloc, location
    else:
        assert location == "/developer"


def test_next_same_site_path_is_followed(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    response = login(client, user.email, nxt="/oauth2/auth/central?client_id=a&state=b")
    assert response.headers["location"] == "/oauth2/auth/central?client_id=a&state=b"


def test_signup_next_cannot_leave_the_site(client: TestClient) -> None:
    response = signup(client, nxt="https://evil.example")
    assert response.status_code == 303 and response.headers["location"] == "/developer"


# ---- the developer portal -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/developer", "/developer/apps/whatever"])
def test_portal_requires_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login" and parse_qs(location.query)["next"] == [path]


def test_portal_posts_require_login(client: TestClient) -> None:
    response = client.post("/developer/apps", data={"csrf": csrf(client), "name": "x", "redirect_uris": CALLBACK},
                           follow_redirects=False)
    assert response.status_code == 303 and urlsplit(response.headers["location"]).path == "/login"


def test_register_app_shows_the_secret_once(client: TestClient, factory: Factory) -> None:
    user = logged_in(client, factory)
    registered = register_app(client, "My <Integration>", f"{CALLBACK}\n\nhttps://app.example.com/cb\n")
    assert re.fullmatch(r"[0-9a-f-]{36}/[0-9a-f-]{36}", registered.client_id)
    assert len(registered.secret) >= 20

    page = client.get(registered.href)
    assert page.status_code == 200
    assert "My &lt;Integration&gt;" in page.text and "<Integration>" not in page.text
    assert code_text(page.text, "client-id") == registered.client_id
    assert 'id="client-secret"' not in page.text and registered.secret not in page.text
    assert callbacks_on(page.text) == [CALLBACK, "https://app.example.com/cb"]

    listing = client.get("/developer")
    assert registered.client_id in listing.text and registered.secret not in listing.text
    row = app_row(factory, registered.client_id)
    assert row.owner_id == user.id and row.client_secret_hash != registered.secret


@pytest.mark.parametrize(("name", "uris", "message"), [
    ("", CALLBACK, "name is required"),
    ("App", "", "at least one callback"),
    ("App", "http://example.com/cb", "must use https"),
    ("App", "https://example.com/cb#frag", "fragment"),
    ("App", "ftp://example.com/cb", "absolute http(s) URL"),
])
def test_register_app_errors(client: TestClient, factory: Factory, name: str, uris: str, message: str) -> None:
    logged_in(client, factory)
    response = client.post("/developer/apps", data={"csrf": csrf(client), "name": name, "redirect_uris": uris},
                           follow_redirects=False)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert 'id="client-secret"' not in response.text


def test_a_refused_registration_keeps_what_was_typed(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    blank = client.get("/developer")
    assert 'name="name" value=""' in blank.text and "></textarea>" in blank.text
    uris = "https://example.com/cb\nhttp://example.com/insecure"  # the second is refused: https only
    response = client.post("/developer/apps", data={"csrf": csrf(client), "name": "Kept <App>", "redirect_uris": uris},
                           follow_redirects=False)
    assert response.status_code == 422 and "must use https" in html.unescape(response.text)
    assert 'name="name" value="Kept &lt;App&gt;"' in response.text  # the value again, escaped
    textarea = re.search(r'<textarea id="redirect-uris"[^>]*>([^<]*)</textarea>', response.text)
    assert textarea and html.unescape(textarea.group(1)) == uris


def test_register_app_with_101_callbacks_is_refused(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    uris = "\n".join(f"https://app.example.com/cb/{i}" for i in range(101))
    response = client.post("/developer/apps", data={"csrf": csrf(client), "name": "Many", "redirect_uris": uris},
                           follow_redirects=False)
    assert response.status_code == 422 and "at most 100" in response.text


def test_add_callback_https_required_except_localhost(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    registered = register_app(client)

    refused = app_post(client, registered.href, "callbacks", uri="http://app.example.com/callback")
    assert refused.status_code == 422
    assert "must use https" in html.unescape(refused.text)
    assert "http://app.example.com/callback" not in callbacks_on(refused.text)

    for uri in ("http://localhost:3000/cb", "http://127.0.0.1:9999/cb", "https://app.example.com/callback"):
        added = app_post(client, registered.href, "callbacks", uri=uri)
        assert added.status_code == 200 and "Callback URL added." in added.text
        assert uri in callbacks_on(added.text)

    duplicate = app_post(client, registered.href, "callbacks", uri=CALLBACK)
    assert duplicate.status_code == 422 and "already registered" in duplicate.text
    assert callbacks_on(client.get(registered.href).text) == [
        CALLBACK, "http://localhost:3000/cb", "http://127.0.0.1:9999/cb", "https://app.example.com/callback"]


def test_remove_callback_but_never_the_last(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    registered = register_app(client, uris=f"{CALLBACK}\nhttps://app.example.com/cb")

    removed = app_post(client, registered.href, "callbacks/delete", uri=CALLBACK)
    assert removed.status_code == 200 and "Callback URL removed." in removed.text
    assert callbacks_on(removed.text) == ["https://app.example.com/cb"]

    last = app_post(client, registered.href, "callbacks/delete", uri="https://app.example.com/cb")
    assert last.status_code == 422 and "at least one callback URL" in last.text
    assert callbacks_on(last.text) == ["https://app.example.com/cb"]

    unknown = app_post(client, registered.href, "callbacks/delete", uri="https://nope.example/cb")
    assert unknown.status_code == 422 and "not registered" in unknown.text

    # A removed callback can no longer be used to authorize.
    response = client.get("/oauth2/auth/central", params={"client_id": registered.client_id, "response_type": "code",
                                                          "redirect_uri": CALLBACK, "country": "GB"},
                          follow_redirects=False)
    assert response.status_code == 400 and "location" not in response.headers


def test_callback_limit_is_100(client: TestClient, factory: Factory) -> None:
    user = logged_in(client, factory)
    app, _ = factory.app(user, [f"https://app.example.com/cb/{i}" for i in range(99)])
    href = f"/developer/apps/{app.id}"
    page = client.get(href)
    assert len(callbacks_on(page.text)) == 99

    hundredth = app_post(client, href, "callbacks", uri="https://app.example.com/cb/99")
    assert hundredth.status_code == 200 and len(callbacks_on(hundredth.text)) == 100
    refused = app_post(client, href, "callbacks", uri="https://app.example.com/cb/100")
    assert refused.status_code == 422 and "at most 100" in refused.text
    assert len(callbacks_on(client.get(href).text)) == 100
    assert client.get("/developer").text.count('<td class="num">100</td>') == 1


def test_rotate_secret(client: TestClient, factory: Factory) -> None:
    user = logged_in(client, factory)
    registered = register_app(client)
    token = factory.token(user, app_row(factory, registered.client_id))

    rotated = app_post(client, registered.href, "secret")
    assert rotated.status_code == 200 and "the old one no longer works" in rotated.text
    new_secret = code_text(rotated.text, "client-secret")
    assert new_secret and new_secret != registered.secret
    assert 'id="client-secret"' not in client.get(registered.href).text

    old = refresh_with(client, registered.client_id, registered.secret, token["refresh_token"])
    assert old.status_code in (400, 401) and old.json()["error"] == "invalid_client"
    new = refresh_with(client, registered.client_id, new_secret, token["refresh_token"])
    assert new.status_code == 200, new.text


def test_delete_app(client: TestClient, factory: Factory) -> None:
    user = logged_in(client, factory)
    registered = register_app(client)
    token = factory.token(user, app_row(factory, registered.client_id))

    response = app_post(client, registered.href, "delete")
    assert response.status_code == 303 and response.headers["location"] == "/developer"
    assert client.get(registered.href).status_code == 404
    assert registered.client_id not in client.get("/developer").text

    # The app's credentials and every token issued to it are gone.
    gone = refresh_with(client, registered.client_id, registered.secret, token["refresh_token"])
    assert gone.status_code in (400, 401) and gone.json()["error"] == "invalid_client"
    assert client.get("/v3.1/user", headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 401
    families = factory.tx(lambda db: db.scalars(select(TokenFamily).where(TokenFamily.user_id == user.id)).all())
    assert families == []
    authorize = client.get("/oauth2/auth/central", params={"client_id": registered.client_id,
                                                           "redirect_uri": CALLBACK}, follow_redirects=False)
    assert authorize.status_code == 400 and "Unknown application" in authorize.text


@pytest.mark.parametrize("action", ["", "callbacks", "callbacks/delete", "secret", "delete"])
def test_other_users_cannot_see_or_change_my_app(client: TestClient, factory: Factory, action: str) -> None:
    logged_in(client, factory)
    registered = register_app(client)
    client.post("/logout", data={"csrf": csrf(client)})
    logged_in(client, factory)

    if action:
        response = app_post(client, registered.href, action, uri="https://intruder.example/cb")
    else:
        response = client.get(registered.href)
    assert response.status_code == 404
    assert "No such app." in response.text
    assert registered.client_id not in response.text and 'id="client-secret"' not in response.text
    assert registered.client_id not in client.get("/developer").text

    row = app_row(factory, registered.client_id)
    assert row.callback_urls == [CALLBACK]  # unchanged, and not deleted


def test_unknown_app_is_404(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    assert client.get("/developer/apps/does-not-exist").status_code == 404
    assert app_post(client, "/developer/apps/does-not-exist", "secret").status_code == 404


def test_unknown_action_changes_nothing(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    registered = register_app(client)
    response = app_post(client, registered.href, "frobnicate")
    assert response.status_code == 404
    assert 'id="client-secret"' not in response.text
    assert refresh_with(client, registered.client_id, registered.secret, "x").json()["error"] == "invalid_grant"


def test_portal_forms_need_csrf(client: TestClient, factory: Factory) -> None:
    logged_in(client, factory)
    registered = register_app(client)
    for action in ("secret", "delete", "callbacks"):
        response = client.post(f"{registered.href}/{action}", data={"uri": "https://x.example/cb"},
                               follow_redirects=False)
        assert response.status_code == 403
    assert client.post("/developer/apps", data={"name": "x", "redirect_uris": CALLBACK}).status_code == 403
    assert client.get(registered.href).status_code == 200


def test_portal_lists_only_my_apps(client: TestClient, factory: Factory) -> None:
    other = factory.user()
    other_app, _ = factory.app(other)
    logged_in(client, factory)
    mine = register_app(client, "Mine")
    listing = client.get("/developer").text
    assert mine.client_id in listing and other_app.client_id not in listing
