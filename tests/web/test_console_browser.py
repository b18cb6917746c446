"""The console in a real browser: headless Chromium (the system's) driven by Playwright, against `ledgerd serve`.

Every console page is visited at desktop and phone widths (screenshots under test-artifacts/screenshots/), with no
console errors, every link on it answering 200, and no serious or critical axe-core violation. The flows: filters,
drill-down from a VAT box to its documents, switching business, and the sandbox controls.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledgerd.app import build_runtime
from ledgerd.artefacts.models import Artefact
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.tenancy.models import User
from tests.support.factories import PASSWORD, Factory
from tests.support.live import LiveServer
from tests.web.conftest import demo_books_with_draft

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@dataclass
class Books:
    server: LiveServer
    email: str
    business_id: str
    second_id: str
    draft_id: str
    invoice_id: str

    @property
    def home(self) -> str:
        return f"{self.server.url}/console/{self.business_id}"


pytestmark = pytest.mark.usefixtures("chromium_present")


@pytest.fixture(scope="module")
def books(fresh_database: Any) -> Iterator[Books]:
    """An administrator owning the demo books (with a draft VAT return) and a second, empty business."""
    url = fresh_database("sqlite")
    runtime = build_runtime(Settings(database_url=url, env="test", password_scrypt_n=256, journal=False), Clock())
    factory = Factory(runtime)
    owner = factory.user(first_name="Connie")
    business = factory.business(owner, name="Console Ltd")
    second = factory.business(owner, name="Second Ltd")

    def seed(db: Session) -> tuple[str, str]:
        db.execute(update(User).where(User.id == owner.id).values(is_admin=True))
        draft_id = demo_books_with_draft(db, runtime.clock, business.id)
        paid = db.scalar(select(Artefact.id).where(Artefact.kind == "SALES_INVOICE", Artefact.status_id == "PAID"))
        assert paid is not None
        return draft_id, paid

    draft_id, invoice_id = factory.tx(seed)
    runtime.engine.dispose()
    server = LiveServer(url)
    yield Books(server, owner.email, business.id, second.id, draft_id, invoice_id)
    server.stop()


@pytest.fixture
def page(browser: Browser, books: Books) -> Iterator[Page]:
    context = browser.new_context(viewport=SIZES["desktop"])
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(f"{books.server.url}/login?next=/console")
    tab.fill("#email", books.email)
    tab.fill("#password", PASSWORD)
    tab.click("#login-submit")
    tab.wait_for_url(re.compile(r"/console/[0-9a-f]{32}$"))
    yield tab
    context.close()
    assert errors == []


_axe = Axe()


def check(page: Page, name: str) -> None:
    """The page's checks: one h1, no serious or critical axe-core violation, every console link answers 200 (with the
    page's cookies), and screenshots at both widths."""
    assert page.locator("h1").count() == 1, page.url
    results = _axe.run(page)
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], (page.url, bad)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    for href in set(page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")):
        if href.startswith("#"):
            continue
        target = urljoin(page.url, href)
        if urlsplit(target).netloc != urlsplit(page.url).netloc:
            continue
        assert requests.get(target, cookies=cookies, timeout=10).status_code == 200, (page.url, href)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


@pytest.mark.browser
def test_every_section_in_the_browser(page: Page, books: Books) -> None:
    check(page, "overview")
    assert page.locator("svg.chart").count() == 2  # P&L by month, bank balance
    for section, name in (("Contacts", "contacts"), ("Sales", "sales"), ("Purchases", "purchases"),
                          ("Ledger", "ledger"), ("Journals", "journals"), ("Reports", "reports"),
                          ("VAT returns", "vat")):
        page.get_by_role("navigation", name="Console").get_by_role("link", name=section, exact=True).click()
        page.wait_for_load_state()
        assert page.get_by_role("link", name=section, exact=True).get_attribute("aria-current") == "page"
        check(page, name)

    page.goto(books.home + "/contacts")
    page.fill("#search", "acme")
    page.click("#search-submit")
    assert page.locator("#contacts tbody tr").count() == 1
    page.click("text=Acme Retail Ltd")
    assert page.locator("h1").inner_text() == "Acme Retail Ltd"
    check(page, "contact")

    page.goto(books.home + "/sales")
    page.select_option("#status", "PAID")
    page.click("#filter")
    assert page.locator("#documents tbody tr").count() == 1
    page.locator("#documents tbody a").first.click()
    assert page.locator("#doc-status").inner_text() == "Paid"
    check(page, "document")
    page.click("#transaction-link")
    check(page, "transaction")
    page.locator(".entries a").first.click()
    check(page, "account")

    for report in ("Trial balance", "Profit and loss", "Balance sheet", "Aged debtors", "Aged creditors"):
        page.goto(books.home + "/reports")
        page.get_by_role("link", name=report).click()
        assert page.locator("h1").inner_text() == report
        if report.startswith("Aged"):
            assert page.locator("#plot-aged svg.chart").count() == 1
        check(page, report.lower().replace(" ", "-"))


@pytest.mark.browser
def test_vat_box_drill_down_and_switching_business(page: Page, books: Books) -> None:
    page.goto(books.home + "/vat")
    page.locator("#drafts a").first.click()
    check(page, "vat-return")
    page.click("#box_1")
    check(page, "vat-box")
    documents = page.locator("#box-transactions tbody a")
    assert documents.count() >= 1
    documents.first.click()
    assert "/sales/" in page.url
    page.select_option("#switch-business", books.second_id)
    page.click("#switch")
    page.wait_for_url(f"**/console/{books.second_id}")
    assert page.locator("h1").inner_text() == "Second Ltd"


@pytest.mark.browser
def test_sandbox_controls(page: Page, books: Books) -> None:
    # A call for the journal: an API request without a token (401).
    assert requests.get(f"{books.server.url}/v3.1/contacts", timeout=10).status_code == 401
    page.goto(f"{books.server.url}/console/sandbox?business={books.business_id}")
    check(page, "sandbox")

    page.fill("#snapshot-name", "browser-before")
    page.click("#take-snapshot")
    assert "Snapshot browser-before taken." in page.locator("#done").inner_text()
    page.get_by_role("button", name="Restore browser-before").click()
    assert "Restored browser-before." in page.locator("#done").inner_text()

    page.fill("#freeze-at", "2024-06-15T12:00:00Z")
    page.click("#freeze")
    assert "2024-06-15T12:00:00Z (frozen" in page.locator("#clock-now").inner_text()
    page.click("#resume")
    assert "(the wall clock)" in page.locator("#clock-now").inner_text()

    page.fill("#fault-status", "503")
    page.fill("#fault-path", "/v3.1/bank_accounts*")
    page.click("#add-fault")
    assert page.locator("#faults li").count() == 1
    check(page, "sandbox-fault")
    page.click("#clear-faults")
    assert page.locator("#no-faults").is_visible()

    page.goto(f"{books.server.url}/console/sandbox/journal")
    page.fill("#j-status", "401")
    page.click("#journal-filter")
    check(page, "journal")
    page.locator("#journal tbody a").first.click()
    assert page.locator("#entry-status").inner_text() == "401"
    assert "$message" in page.locator("#response-body").inner_text()
    check(page, "journal-entry")
