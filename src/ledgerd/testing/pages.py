"""A person at ledgerd's pages, for the kit: sign up, sign in, register an app, allow an authorization request.

What a browser would do, over plain HTTP: each form is read from the page (its action, hidden fields such as
the CSRF token) and sent back filled in, following the server's redirects like a browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx


class PageError(Exception):
    """A page did not answer as a person would expect (wrong password, a refusal, an unexpected page)."""


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    """The forms of a page with their hidden and pre-filled fields, and the text of `<code id=…>` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.codes: dict[str, str] = {}
        self._code: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(values.get("action", ""), values.get("method", "get").lower()))
        elif tag == "input" and self.forms and values.get("name") and values.get("type") != "submit":
            self.forms[-1].fields[values["name"]] = values.get("value", "")
        elif tag == "code" and values.get("id"):
            self._code = values["id"]
            self.codes[self._code] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._code = None

    def handle_data(self, data: str) -> None:
        if self._code is not None:
            self.codes[self._code] += data


def parse(page: httpx.Response) -> _Forms:
    forms = _Forms()
    forms.feed(page.text)
    return forms


def form(page: httpx.Response, action: str) -> Form:
    """The page's form posting to `action` (a path, or the start of one)."""
    for candidate in parse(page).forms:
        if urlsplit(candidate.action).path.startswith(action):
            return candidate
    raise PageError(f"no form for {action} on {page.url} (status {page.status_code}): {page.text[:300]}")


def submit(browser: httpx.Client, page: httpx.Response, action: str, values: dict[str, str]) -> httpx.Response:
    """Fill the form of `page` posting to `action` with `values` and send it, without following a redirect."""
    found = form(page, action)
    return browser.post(urljoin(str(page.url), found.action), data={**found.fields, **values},
                        follow_redirects=False)


def follow(browser: httpx.Client, response: httpx.Response, stop_at: str | None = None) -> httpx.Response:
    """Follow redirects like a browser, stopping before leaving for `stop_at` (the app's callback URL)."""
    for _ in range(10):
        location = response.headers.get("Location")
        if response.status_code not in (301, 302, 303, 307, 308) or not location:
            return response
        target = urljoin(str(response.url), location)
        if stop_at and target.startswith(stop_at):
            return response
        response = browser.get(target, follow_redirects=False)
    raise PageError(f"too many redirects from {response.url}")


def sign_in(browser: httpx.Client, base_url: str, email: str, password: str, next_path: str = "/developer") -> None:
    """Sign in with an e-mail address and password; the browser keeps the session cookie."""
    page = browser.get(f"{base_url}/login", params={"next": next_path})
    answer = submit(browser, page, "/login", {"email": email, "password": password, "next": next_path})
    if answer.status_code != 303:
        raise PageError(f"sign-in as {email} refused ({answer.status_code})")


def sign_up(browser: httpx.Client, base_url: str, *, email: str, password: str, business_name: str,
            country: str, first_name: str = "Kit", last_name: str = "Tester") -> None:
    """Open an account with its first business, as the sign-up page does; the browser is then signed in."""
    page = browser.get(f"{base_url}/signup", params={"next": "/developer"})
    answer = submit(browser, page, "/signup", {
        "email": email, "password": password, "first_name": first_name, "last_name": last_name,
        "business_name": business_name, "country": country, "next": "/developer"})
    if answer.status_code != 303:
        raise PageError(f"sign-up of {email} refused ({answer.status_code}): {answer.text[:300]}")


def register_app(browser: httpx.Client, base_url: str, name: str, redirect_uri: str) -> tuple[str, str]:
    """Register an app in the developer portal (signed in); its client id and secret."""
    page = browser.get(f"{base_url}/developer")
    created = submit(browser, page, "/developer/apps", {"name": name, "redirect_uris": redirect_uri})
    codes = parse(created).codes
    if created.status_code != 201 or "client-id" not in codes or "client-secret" not in codes:
        raise PageError(f"registering app {name} failed ({created.status_code})")
    return codes["client-id"].strip(), codes["client-secret"].strip()


def allow(browser: httpx.Client, authorization_url: str, email: str, password: str) -> str:
    """Go to an authorization URL, sign in if asked, allow access on the consent page; the callback URL the
    server sends the browser to (with `code` and `state`, or `error`)."""
    start = browser.get(authorization_url, follow_redirects=False)
    redirect_uri = _redirect_uri(authorization_url)
    page = follow(browser, start, stop_at=redirect_uri)
    if urlsplit(str(page.url)).path == "/login":
        answer = submit(browser, page, "/login", {"email": email, "password": password})
        if answer.status_code != 303:
            raise PageError(f"sign-in as {email} refused ({answer.status_code})")
        page = follow(browser, answer, stop_at=redirect_uri)
    if page.status_code == 302:
        return urljoin(str(page.url), page.headers["Location"])  # refused straight back to the app
    if page.status_code != 200:
        raise PageError(f"the authorization page answered {page.status_code}: {page.text[:300]}")
    decided = submit(browser, page, urlsplit(authorization_url).path, {"decision": "allow"})
    if decided.status_code != 302:
        raise PageError(f"allowing access answered {decided.status_code}: {decided.text[:300]}")
    return urljoin(str(decided.url), decided.headers["Location"])


def _redirect_uri(authorization_url: str) -> str:
    redirect_uri: str | None = httpx.URL(authorization_url).params.get("redirect_uri")
    if not redirect_uri:
        raise PageError("the authorization URL has no redirect_uri")
    return redirect_uri
