"""The documentation site in headless Chromium (the system binary, driven by Playwright): navigation, search as one
types, no console errors, no broken links, axe-core's accessibility rules, and screenshots of each kind of page at
a desktop and a phone size (test-artifacts/screenshots/, not committed). Reference pages are sampled here; the
server-side tests (test_docs.py) cover every operation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium_present")]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
SAMPLE = 15  # operation pages given the browser's checks


class Links(HTMLParser):
    """The hrefs and element ids of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.hrefs.append(str(found["href"]))
        if found.get("id"):
            self.ids.add(str(found["id"]))



class Tab:
    """A page of its own context, recording console errors and uncaught exceptions."""

    def __init__(self, browser: Browser, size: tuple[int, int]) -> None:
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    opened = Tab(browser, SIZES["desktop"])
    yield opened
    opened.context.close()


def _operation_urls(server: LiveServer) -> list[str]:
    index = requests.get(f"{server.url}/docs/reference", timeout=30).text
    return sorted(set(re.findall(r'href="(/docs/reference/[^/"]+/[^/"]+)"', index)))


def sample(server: LiveServer) -> list[str]:
    """Operation pages spread over the reference (every nth), with the first and the last."""
    urls = _operation_urls(server)
    step = max(1, len(urls) // (SAMPLE - 1))
    return sorted({*urls[::step][:SAMPLE - 1], urls[-1]})


def test_navigate_the_guides_and_the_reference(server: LiveServer, tab: Tab) -> None:
    page = tab.page
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Documentation").click()
    assert page.locator("h1").inner_text() == "ledgerd documentation"
    page.get_by_role("navigation", name="Documentation").get_by_role("link", name="OAuth 2.0").click()
    assert page.locator("h1").inner_text() == "OAuth 2.0"
    assert page.get_by_role("link", name="OAuth 2.0").get_attribute("aria-current") == "page"
    page.get_by_role("link", name="All operations").click()
    assert page.locator("h1").inner_text() == "API reference"
    page.locator("main h2 a", has_text="Contacts").first.click()
    assert page.locator("h1").inner_text() == "Contacts"
    page.get_by_role("link", name="Creates a Contact").click()
    assert page.url.endswith("/docs/reference/contacts/postContacts")
    assert page.locator("#example + h3 + pre").inner_text().startswith("curl -X POST ")
    assert not tab.errors, tab.errors


def test_search_suggests_as_one_types_and_answers_without_script(server: LiveServer, tab: Tab,
                                                               browser: Browser) -> None:
    page = tab.page
    page.goto(f"{server.url}/docs")
    page.locator("#docs-q").fill("release sales invoices")
    first = page.locator("#docs-suggestions li a").first
    first.wait_for()
    assert page.locator("#docs-status").inner_text().endswith("match") or "matches" in page.locator(
        "#docs-status").inner_text()
    first.click()
    assert page.url.endswith("/docs/reference/sales-invoices/postSalesInvoicesKeyRelease")
    page.locator("#docs-q").fill("refresh token")
    page.locator("#docs-q").press("Enter")  # the form's own answer, from the server
    assert "/docs/search?q=refresh+token" in page.url
    assert page.locator("#results li").count() > 0
    assert not tab.errors, tab.errors
    # Without JavaScript the same form still searches.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{server.url}/docs")
    plain.locator("#docs-q").fill("X-Business")
    plain.locator("#docs-q").press("Enter")
    assert plain.locator("#results li a").first.inner_text()
    context.close()


def test_no_broken_links(server: LiveServer) -> None:
    """Every page of the site reached from /docs, every link on them (to the site's other pages too) answers 200,
    and every #fragment names an element of its page."""
    session = requests.Session()
    seen: dict[str, Links] = {}
    pending, checked = [f"{server.url}/docs"], set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        response = session.get(url, timeout=30)
        assert response.status_code == 200, url
        links = Links()
        links.feed(response.text)
        seen[url] = links
        for href in links.hrefs:
            target = urljoin(url, href)
            assert urlsplit(target).netloc == urlsplit(server.url).netloc, f"{url} links away: {href}"
            page_url = urldefrag(target).url
            if urlsplit(page_url).path.startswith("/docs"):
                pending.append(page_url)
            elif page_url not in checked:
                assert session.get(page_url, timeout=30).status_code == 200, f"{url} → {href}"
                checked.add(page_url)
    for url, links in seen.items():
        for href in links.hrefs:
            target, fragment = urldefrag(urljoin(url, href))
            if fragment:
                assert fragment in seen[target].ids, f"{url} → {href}: no element with that id"
    assert len([u for u in seen if "/docs/reference/" in u]) > 300  # every tag and operation page was reached


def _kinds(server: LiveServer) -> dict[str, str]:
    return {"home": "/docs", "guide": "/docs/guides/quick-start", "reference": "/docs/reference",
            "tag": "/docs/reference/sales-invoices", "operation": "/docs/reference/sales-invoices/postSalesInvoices",
            "search": "/docs/search?q=invoice"}


def _serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("size", list(SIZES))
def test_each_kind_of_page_is_accessible_and_screenshotted(server: LiveServer, browser: Browser,
                                                           size: str) -> None:
    opened = Tab(browser, SIZES[size])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for kind, path in _kinds(server).items():
            opened.page.goto(f"{server.url}{path}")
            assert not _serious(opened.page), (path, _serious(opened.page))
            width, height = SIZES[size]
            opened.page.screenshot(path=SCREENSHOTS / f"docs-{kind}-{width}x{height}.png", full_page=False)
        assert not opened.errors, opened.errors
    finally:
        opened.context.close()


def test_sampled_reference_pages_are_accessible_without_console_errors(server: LiveServer, tab: Tab) -> None:
    """Operation pages differ by their tables and examples; guides share one renderer, whose code blocks and
    tables the quick start (above) holds."""
    for path in sample(server):
        tab.page.goto(f"{server.url}{path}")
        assert tab.page.locator("h1").count() == 1, path
        assert not _serious(tab.page), (path, _serious(tab.page))
    assert not tab.errors, tab.errors
