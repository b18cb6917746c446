"""The authorization flow in a real browser: headless Chromium (system binary) driven by Playwright."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, Route

from tests.support.live import LiveServer

CALLBACK = "http://localhost:8080/callback"
PASSWORD = "browser-password-1"
APP_NAME = "Browser App"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


class Account:
    def __init__(self, email: str, client_id: str, client_secret: str, app_href: str) -> None:
        self.email = email
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_href = app_href


pytestmark = pytest.mark.usefixtures("chromium_present")


@pytest.fixture(scope="module")
def account(server: LiveServer) -> Account:
    """Sign up (user + GB business) and register an app through the pages, as a developer would."""
    session = requests.Session()
    email = f"browser-{secrets.token_hex(4)}@example.com"
    page = session.get(f"{server.url}/signup")
    signed_up = session.post(f"{server.url}/signup", data={
        "csrf": _csrf(page.text), "email": email, "password": PASSWORD, "first_name": "Bea",
        "last_name": "Browser", "business_name": "Browser Ltd", "country": "GB", "next": "/developer"})
    assert signed_up.status_code == 200 and "Your apps" in signed_up.text
    created = session.post(f"{server.url}/developer/apps", data={
        "csrf": _csrf(signed_up.text), "name": APP_NAME, "redirect_uris": CALLBACK})
    assert created.status_code == 201
    client_id = re.search(r'<code id="client-id"[^>]*>([^<]+)</code>', created.text)
    secret = re.search(r'<code id="client-secret"[^>]*>([^<]+)</code>', created.text)
    href = re.search(r'action="(/developer/apps/[^"/]+)/secret"', created.text)
    assert client_id and secret and href
    return Account(email, html.unescape(client_id.group(1)), html.unescape(secret.group(1)), href.group(1))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()  # fresh cookies for every test
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def unlabelled_inputs(page: Page) -> list[str]:
    """Every visible form control must have an associated <label> (not just a placeholder)."""
    missing: list[str] = []
    for control in page.locator("input:not([type=hidden]), select, textarea").all():
        if control.evaluate("el => el.labels ? el.labels.length : 0") == 0:
            missing.append(control.evaluate("el => el.outerHTML"))
    return missing


def basic_accessibility(page: Page) -> None:
    assert unlabelled_inputs(page) == [], page.url
    assert page.locator("html").get_attribute("lang")
    assert page.locator("h1").count() == 1, page.url
    assert page.locator("main").count() == 1
    for button in page.locator("button").all():
        assert (button.inner_text().strip() or button.get_attribute("aria-label")), button.evaluate(
            "el => el.outerHTML")


@pytest.mark.browser
def test_authorization_code_flow_in_chromium(server: LiveServer, account: Account, page: Page,
                                             tmp_path: Path) -> None:
    state = secrets.token_urlsafe(12)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize_url = f"{server.url}/oauth2/auth/central?" + urlencode({
        "filter": "apiv3.1", "response_type": "code", "client_id": account.client_id, "redirect_uri": CALLBACK,
        "scope": "full_access", "state": state, "code_challenge": challenge, "code_challenge_method": "S256"})

    # The country ("flag") page.
    page.goto(authorize_url)
    assert page.locator("a[data-country]").count() == 7
    page.click('a[data-country="GB"]')

    # Not signed in yet: the login page, which returns to the authorization request.
    page.wait_for_url(re.compile(r"/login\?next="))
    basic_accessibility(page)
    page.fill("#email", account.email)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")

    # The consent page.
    page.wait_for_url(re.compile(r"/oauth2/auth/central\?.*country=GB"))
    heading = page.locator("h1").inner_text()
    assert APP_NAME in heading
    assert "Browser Ltd" in page.locator("main").inner_text()
    basic_accessibility(page)
    screenshot = tmp_path / "consent.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Allow: the browser goes to the client's callback, which we answer ourselves.
    page.route("http://localhost:8080/**", lambda route: route.fulfill(status=200, body="ok"))
    page.click("#allow")
    page.wait_for_url(f"{CALLBACK}?**")
    assert "code=GB%2F" in page.url
    assert page.locator("body").inner_text().strip() == "ok"
    params = parse_qs(urlsplit(page.url).query)
    assert params["country"] == ["GB"] and params["state"] == [state]
    code = params["code"][0]
    assert code.startswith("GB/")

    # The code works at the token endpoint (and only once).
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier,
            "client_id": account.client_id, "client_secret": account.client_secret}
    token = requests.post(f"{server.url}/token", data=form, headers={"Accept": "application/json"}, timeout=10)
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]
    me = requests.get(f"{server.url}/v3.1/user", headers={"Authorization": f"Bearer {access}"}, timeout=10)
    assert me.status_code == 200 and me.json()["email"] == account.email
    again = requests.post(f"{server.url}/token", data=form, timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


@pytest.mark.browser
def test_deny_in_chromium(server: LiveServer, account: Account, page: Page) -> None:
    seen: list[str] = []

    def callback(route: Route) -> None:
        seen.append(route.request.url)
        route.fulfill(status=200, body="denied")

    page.route("http://localhost:8080/**", callback)
    page.goto(f"{server.url}/oauth2/auth?" + urlencode({
        "response_type": "code", "client_id": account.client_id, "redirect_uri": CALLBACK, "state": "s-1",
        "country": "gb"}))
    page.fill("#email", account.email)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#deny")
    page.click("#deny")
    page.wait_for_url(f"{CALLBACK}?**")
    params = parse_qs(urlsplit(page.url).query)
    assert params["error"] == ["access_denied"] and params["state"] == ["s-1"] and "code" not in params
    assert len(seen) == 1


@pytest.mark.browser
def test_pages_have_labelled_controls(server: LiveServer, account: Account, page: Page) -> None:
    page.goto(f"{server.url}/signup")
    basic_accessibility(page)
    page.goto(f"{server.url}/login?next=/developer")
    page.fill("#email", account.email)
    page.fill("#password", "wrong password")
    page.click("#login-submit")
    assert page.locator("#login-error").inner_text()
    assert page.locator("#email").get_attribute("aria-describedby") == "login-error"
    basic_accessibility(page)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{server.url}/developer")
    basic_accessibility(page)
    page.goto(server.url + account.app_href)
    basic_accessibility(page)
    assert page.locator("#client-id").inner_text() == account.client_id
    assert page.locator("#client-secret").count() == 0


@pytest.mark.browser
def test_pages_keep_their_style_under_their_policy_and_cannot_be_framed(server: LiveServer, page: Page) -> None:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{server.url}/login")
    # The inline style is allowed by the page's nonce: the button wears the brand colour (light or dark scheme).
    colour = page.locator("#login-submit").evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour in ("rgb(0, 104, 74)", "rgb(61, 220, 151)"), colour
    assert refused == []

    # A page framing the sign-in page (even one of the same site) gets nothing to show: no clickjacking.
    framer = f"{server.url}/framer-test"
    page.route(framer, lambda route: route.fulfill(content_type="text/html",
                                                   body=f'<iframe id="f" src="{server.url}/login"></iframe>'))
    page.goto(framer)
    page.wait_for_timeout(500)
    assert page.frame_locator("#f").locator("#login-submit").count() == 0
    assert [frame.url for frame in page.frames[1:]] == ["chrome-error://chromewebdata/"]
