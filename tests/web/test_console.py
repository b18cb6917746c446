"""The console (`/console`) in process over TestClient: who may see what, and that its figures are the domain's.

The books are the demo books (sandbox/demo.py), posted through the real services: two customers, a supplier,
three sales invoices (one paid, one part paid, one open), a purchase invoice, two customer receipts.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.artefacts.models import Artefact
from ledgerd.db.records import bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.settings import service as settings
from ledgerd.tax_returns import service as tax_returns
from ledgerd.tax_returns.models import DraftTaxReturn
from ledgerd.tenancy.models import Business, Membership, Role, User
from tests.support.factories import Factory
from tests.web.conftest import demo_books_with_draft
from tests.web.test_pages import csrf, login

D = Decimal


@dataclass
class Demo:
    owner: User
    business: Business
    draft_id: str
    invoices: dict[str, str]  # status → a sales invoice's id

    @property
    def home(self) -> str:
        return f"/console/{self.business.id}"


@pytest.fixture
def demo(factory: Factory) -> Demo:
    owner = factory.user()
    business = factory.business(owner, name="Console Ltd")
    runtime = factory.runtime

    def seed(db: Session) -> tuple[str, dict[str, str]]:
        draft_id = demo_books_with_draft(db, runtime.clock, business.id)
        rows = db.execute(select(Artefact.status_id, Artefact.id).where(Artefact.kind == "SALES_INVOICE")).all()
        return draft_id, {status: artefact_id for status, artefact_id in rows}

    draft_id, invoices = factory.tx(seed)
    return Demo(owner, business, draft_id, invoices)


def signed_in(client: TestClient, user: User) -> None:
    assert login(client, user.email, nxt="/console").status_code == 303


def money(text: str, element_id: str) -> Decimal:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]+)<', text)
    assert match, element_id
    return D(html.unescape(match.group(1)).split()[0].replace(",", ""))


def links(text: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="(/console[^"]*)"', text)]


def test_anonymous_is_sent_to_sign_in(client: TestClient, demo: Demo) -> None:
    for path in ("/console", demo.home + "/sales", "/console/sandbox"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=%2Fconsole")


def test_home_opens_the_lead_business_and_every_linked_page_answers(client: TestClient, demo: Demo) -> None:
    signed_in(client, demo.owner)
    home = client.get("/console", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == demo.home
    seen: set[str] = set()
    kinds: set[str] = set()  # one page of each kind: a page per record of 150 accounts adds nothing
    todo = [demo.home]
    while todo and len(seen) < 200:  # breadth first: every section of the navigation before the records' pages
        path = todo.pop(0)
        kind = re.sub(r"/[0-9a-f]{32}", "/{id}", path.split("?")[0])
        if path in seen or (kind in kinds and kind != path):
            continue
        seen.add(path)
        kinds.add(kind)
        page = client.get(path)
        assert page.status_code == 200, path
        assert "default-src 'none'" in page.headers["content-security-policy"]
        todo.extend(link for link in links(page.text) if link not in seen and "/sandbox" not in link)
    # Every section was reached: documents of both sides, a contact, an account, a transaction, a VAT box.
    for part in ("/sales/", "/purchases/", "/contacts/", "/ledger/", "/transactions/", "/vat/draft/",
                 "/reports/aged/debtors", "/reports/balance-sheet"):
        assert any(part in path for path in seen), part


def test_documents_filter_by_status_and_contact(client: TestClient, demo: Demo) -> None:
    signed_in(client, demo.owner)
    # The demo's three invoices: one paid in full, one part paid, one open.
    everything = client.get(demo.home + "/sales", params={"kind": "SALES_INVOICE"}).text
    assert everything.count('href="' + demo.home + "/sales/") == 3
    paid = client.get(demo.home + "/sales", params={"kind": "SALES_INVOICE", "status": "PAID"}).text
    assert paid.count('href="' + demo.home + "/sales/") == 1 and demo.invoices["PAID"] in paid
    none = client.get(demo.home + "/sales", params={"status": "PAID", "to_date": "2000-01-01"}).text
    assert "No documents." in none
    assert client.get(demo.home + "/sales", params={"from_date": "yesterday"}).status_code == 422


def test_document_shows_its_posting_and_payment(client: TestClient, demo: Demo) -> None:
    signed_in(client, demo.owner)
    page = client.get(f"{demo.home}/sales/{demo.invoices['PAID']}").text
    # 2 days of consulting at 450.00 = 900.00 net, VAT at 20% = 180.00, total 1,080.00, paid in full (demo.py).
    assert money(page, "doc-total") == D("1080.00")
    assert "GB_STANDARD" in page and "900.00" in page and "180.00" in page
    assert re.search(r"<td>Payment</td><td class=\"num\">1,080.00</td>", page)
    # The ledger transaction: debtors debited 1,080.00; sales 900.00 and VAT 180.00 credited.
    entries = re.findall(r'<td class="num">([\d,.]+)</td><td class="num">([\d,.]+)</td></tr>', page.split(
        "Ledger transaction")[1])
    assert sorted(entries) == [("0.00", "180.00"), ("0.00", "900.00"), ("1,080.00", "0.00")]


def test_trial_balance_balances_and_matches_the_ledger(client: TestClient, demo: Demo) -> None:
    signed_in(client, demo.owner)
    page = client.get(demo.home + "/reports/trial-balance").text
    assert money(page, "tb-debits") == money(page, "tb-credits") > 0
    # The demo's sales, all within the last 40 days: 2 x 450.00 + (10 x 12.50 + 15.00) + 99.00 = 1,139.00 net;
    # its bill 84.00. Net profit = 1,139.00 - 84.00 = 1,055.00.
    today = date.today()
    pl = client.get(demo.home + "/reports/profit-and-loss", params={
        "from_date": date.fromordinal(today.toordinal() - 60).isoformat(), "to_date": today.isoformat()}).text
    assert money(pl, "net-profit") == D("1055.00")
    bs = client.get(demo.home + "/reports/balance-sheet").text
    assert money(bs, "total-assets") == money(bs, "total-le")


def test_a_vat_box_lists_the_transactions_it_adds_up(client: TestClient, demo: Demo) -> None:
    signed_in(client, demo.owner)
    draft = client.get(f"{demo.home}/vat/draft/{demo.draft_id}").text
    assert 'id="box_1"' in draft and 'id="box_2"' not in draft  # box 2 takes no entries: no drill-down
    for box in ("box_1", "box_4", "box_6"):
        page = client.get(f"{demo.home}/vat/draft/{demo.draft_id}/{box}").text
        rows = re.findall(r'<td class="num">(-?[\d,.]+)</td></tr>', page.split('id="box-transactions"')[1])
        total = sum((D(r.replace(",", "")) for r in rows), D(0))
        # Box 6 is whole pounds (pence dropped, HMRC); boxes 1 and 4 are exact.
        expected = money(page, "box-value")
        assert (total.to_integral_value("ROUND_DOWN") if box == "box_6" else total) == expected, box
    assert client.get(f"{demo.home}/vat/draft/{demo.draft_id}/box_99").status_code == 404


def test_a_filed_returns_box_lists_the_transactions_it_took(client: TestClient, factory: Factory,
                                                            demo: Demo) -> None:
    def file(db: Session) -> str:
        bind_business(db, demo.business.id)
        bind_clock(db, factory.runtime.clock)
        draft = db.get(DraftTaxReturn, demo.draft_id)
        assert draft is not None
        now = datetime.combine(draft.period_end_date + timedelta(days=1), time(9), UTC)
        settings.save_document(db, now, "financial", {"tax_number": "123456789"})
        return tax_returns.submit(db, draft, "GB", now).id

    filed = factory.tx(file)
    signed_in(client, demo.owner)
    assert f"/vat/filed/{filed}" in client.get(demo.home + "/vat").text
    for box in ("box_1", "box_4"):
        page = client.get(f"{demo.home}/vat/filed/{filed}/{box}").text
        rows = re.findall(r'<td class="num">(-?[\d,.]+)</td></tr>', page.split('id="box-transactions"')[1])
        # What the return took adds up to what it filed; the filing's own VAT transfer is no part of it.
        assert sum((D(r.replace(",", "")) for r in rows), D(0)) == money(page, "box-value"), box
        assert "VAT Return" not in page


def _restrict(factory: Factory, business: Business, user: User, **areas: str) -> None:
    factory.member(business, user, Role.FULL_ACCESS)
    factory.tx(lambda db: db.execute(update(Membership).where(Membership.user_id == user.id,
                                                              Membership.business_id == business.id)
                                     .values(area_roles=areas)))


def test_a_member_without_sales_access_sees_no_sales(client: TestClient, factory: Factory, demo: Demo) -> None:
    clerk = factory.user(first_name="Carl")
    _restrict(factory, demo.business, clerk, sales="no_access")
    signed_in(client, clerk)
    home = client.get(demo.home).text
    assert demo.home + "/purchases" in home and demo.home + "/sales" not in home
    assert client.get(demo.home + "/sales").status_code == 403
    assert client.get(f"{demo.home}/sales/{demo.invoices['PAID']}").status_code == 403
    # The customer's page lists no sales documents either; the supplier's lists the bill.
    contacts = client.get(demo.home + "/contacts").text
    assert "/sales/" not in contacts
    for href in links(contacts):
        if "/contacts/" in href:
            assert "/sales/" not in client.get(href).text


def test_another_users_business_is_not_found(client: TestClient, factory: Factory, demo: Demo) -> None:
    stranger = factory.user()
    factory.business(stranger, name="Elsewhere Ltd")
    signed_in(client, stranger)
    assert client.get(demo.home).status_code == 404
    assert client.get(demo.home + "/contacts").status_code == 404
    assert client.get("/console/switch", params={"business": demo.business.id}).status_code == 404


def test_switching_business(client: TestClient, factory: Factory, demo: Demo) -> None:
    other = factory.business(demo.owner, name="Second Ltd")
    signed_in(client, demo.owner)
    assert 'id="switch-business"' in client.get(demo.home).text
    answer = client.get("/console/switch", params={"business": other.id}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/console/{other.id}"
    assert "<h1>Second Ltd</h1>" in client.get(answer.headers["location"]).text


def test_sandbox_pages_are_for_administrators(client: TestClient, factory: Factory, demo: Demo) -> None:
    signed_in(client, demo.owner)
    assert client.get("/console/sandbox").status_code == 403
    assert client.get("/console/sandbox/journal").status_code == 403
    refused = client.post("/console/sandbox/clock", data={"csrf": csrf(client), "action": "freeze"})
    assert refused.status_code == 403
    assert 'href="/console/sandbox"' not in client.get(demo.home).text


def test_an_administrator_snapshots_restores_and_freezes(client: TestClient, factory: Factory, demo: Demo) -> None:
    factory.tx(lambda db: db.execute(update(User).where(User.id == demo.owner.id).values(is_admin=True)))
    signed_in(client, demo.owner)
    assert client.post("/console/sandbox/clock", data={"action": "freeze"}).status_code == 403  # no CSRF token
    frozen = client.post("/console/sandbox/clock", data={"csrf": csrf(client), "action": "freeze",
                                                         "at": "2024-06-15T12:00:00Z"})
    assert frozen.status_code == 200 and "2024-06-15T12:00:00Z (frozen" in frozen.text
    taken = client.post("/console/sandbox/snapshot", data={"csrf": csrf(client), "business": demo.business.id,
                                                           "name": "before"})
    assert taken.status_code == 200 and "Snapshot before taken." in taken.text
    factory.tx(lambda db: (bind_business(db, demo.business.id),
                           db.execute(update(Artefact).values(reference="changed"))))
    restored = client.post("/console/sandbox/restore", data={"csrf": csrf(client), "business": demo.business.id,
                                                             "name": "before"})
    assert restored.status_code == 200 and "Restored before." in restored.text
    assert factory.tx(lambda db: db.scalar(select(Artefact.reference).where(
        Artefact.business_id == demo.business.id, Artefact.reference == "changed"))) is None
    bad = client.post("/console/sandbox/faults", data={"csrf": csrf(client), "status": "999"})
    assert bad.status_code == 422 and "not valid" in bad.text
    resumed = client.post("/console/sandbox/clock", data={"csrf": csrf(client), "action": "resume"})
    assert "(the wall clock)" in resumed.text
    assert date.today().isoformat() in resumed.text
