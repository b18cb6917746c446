"""Sales and purchase quick entries over HTTP: wire shape, ledger effect, payments, edits and voids.

Every scenario runs on SQLite and PostgreSQL and ends by checking the books' invariants (Σ debits = Σ credits,
daily balances = entries, each contact's control balance = what its open documents still owe).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support import invariants, reference
from tests.support.books import Books, D, problem
from tests.support.factories import Factory

# Conditional keys, as for documents: left out unless asked for (payments_allocations) or never shown.
CONDITIONAL = {"deleted_at", "analysis_type_categories", "payments_allocations"}
SALES, PURCHASES = "/sales_quick_entries", "/purchase_quick_entries"


@pytest.fixture
def books(factory: Factory, client: TestClient) -> Iterator[Books]:
    opened = Books.open(client, factory)
    yield opened
    opened.check()


def keys(definition: str, *, payments: bool = False) -> list[str]:
    """The swagger definition's properties in order, less the conditional ones."""
    shown = CONDITIONAL - ({"payments_allocations"} if payments else set())
    return [k for k in reference.definitions()[definition]["properties"] if k not in shown]


def entry(books: Books, contact: str, *, sales: bool = True, type_id: str = "INVOICE", **extra: Any) -> dict[str, Any]:
    """A 100.00 net entry at 20% (tax 20.00), posted to sales (4000) or cost of sales (5000)."""
    attrs = {"quick_entry_type_id": type_id, "contact_id": contact, "date": "2024-03-01", "reference": "QE-1",
             "ledger_account_id": books.accounts[4000 if sales else 5000], "details": "Consulting",
             "net_amount": "100.00", "tax_rate_id": "GB_STANDARD", "tax_amount": "20.00", **extra}
    return books.created(SALES if sales else PURCHASES, "sales_quick_entry" if sales else "purchase_quick_entry",
                         attrs)


def entries(books: Books, transaction_id: str) -> list[tuple[int, Any, Any]]:
    return books.transaction(transaction_id)[1]


def receipt(books: Books, contact: str, total: str, *allocs: tuple[str, str], kind: str = "CUSTOMER_RECEIPT") -> Any:
    return books.created("/contact_payments", "contact_payment", {
        "transaction_type_id": kind, "contact_id": contact, "bank_account_id": books.bank(), "date": "2024-03-10",
        "total_amount": total, "allocated_artefacts": [{"artefact_id": a, "amount": amount} for a, amount in allocs]})


def test_wire_order_follows_the_swagger(books: Books) -> None:
    customer, supplier = books.contact("CUSTOMER", name="Ada"), books.contact("VENDOR", name="Bolt")
    sale = entry(books, customer)
    assert list(sale) == keys("QuickEntry")
    shown = books.get(f"{SALES}/{sale['id']}", show_payments_allocations="true").json()
    assert list(shown) == keys("QuickEntry", payments=True) and shown["payments_allocations"] == []
    bill = entry(books, supplier, sales=False)
    assert list(bill) == keys("PurchaseQuickEntry")
    assert (bill["gst_amount"], bill["pst_amount"], bill["tax_recoverable"]) == (None, None, None)
    assert sale["quick_entry_type"] == {"id": "INVOICE", "displayed_as": "Invoice",
                                        "$path": "/quick_entry_types/INVOICE"}
    assert sale["transaction_type"] == {"id": "SALES_QUICK_ENTRY_INVOICE", "displayed_as": "Sales QE Invoice",
                                        "$path": "/transaction_types/SALES_QUICK_ENTRY_INVOICE"}
    assert (sale["displayed_as"], sale["$path"]) == ("QE-1", f"{SALES}/{sale['id']}")
    assert (sale["contact_name"], sale["details"], sale["ledger_account"]["id"]) == \
        ("Ada", "Consulting", books.accounts[4000])
    assert (sale["net_amount"], sale["tax_amount"], sale["total_amount"], sale["outstanding_amount"]) == \
        ("100.0", "20.0", "120.0", "120.0")
    assert sale["tax_breakdown"] == [{"tax_rate": sale["tax_rate"], "percentage": "20.0", "amount": "20.0"}]
    assert (sale["status"]["id"], sale["due_date"], sale["exchange_rate"]) == ("UNPAID", "2024-03-31", "1.0")
    assert sale["tax_rate"]["displayed_as"] == "Standard 20.00%"


def test_each_kind_posts_like_its_document(books: Books) -> None:
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    sale = entry(books, customer)
    tx, posted = books.transaction(sale["transaction"]["id"])
    assert (tx.transaction_type_id, tx.reference, tx.origin_type, tx.origin_id, tx.contact_id) == \
        ("SALES_QUICK_ENTRY_INVOICE", "QE-1", "sales_quick_entries", sale["id"], customer)
    # Sales invoice: Dr Debtors 120 / Cr Sales 100 / Cr VAT on sales 20.
    assert posted == sorted([(1100, D("120.00"), D(0)), (4000, D(0), D("100.00")), (2200, D(0), D("20.00"))])
    credit = entry(books, customer, type_id="CREDIT_NOTE", reference="QC-1")
    assert entries(books, credit["transaction"]["id"]) == sorted(
        [(1100, D(0), D("120.00")), (4000, D("100.00"), D(0)), (2200, D("20.00"), D(0))])
    assert credit["due_date"] == credit["date"]
    bill = entry(books, supplier, sales=False)
    assert entries(books, bill["transaction"]["id"]) == sorted(
        [(2100, D(0), D("120.00")), (5000, D("100.00"), D(0)), (2201, D("20.00"), D(0))])
    refund = entry(books, supplier, sales=False, type_id="credit_note")
    assert refund["transaction_type"]["id"] == "PURCHASE_QUICK_ENTRY_CREDIT_NOTE"
    assert entries(books, refund["transaction"]["id"]) == sorted(
        [(2100, D("120.00"), D(0)), (5000, D(0), D("100.00")), (2201, D(0), D("20.00"))])
    assert books.balances() == {}  # each credit note cancels its invoice
    assert books.balance(role="DEBTORS", contact_id=customer) == D(0)


def test_net_tax_and_total_complete_each_other(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    gross = entry(books, customer, net_amount=None, tax_amount=None, total_amount="99.99")
    assert (gross["net_amount"], gross["tax_amount"], gross["total_amount"]) == ("83.32", "16.67", "99.99")
    computed = entry(books, customer, tax_amount=None, net_amount="10.05")
    assert (computed["tax_amount"], computed["total_amount"]) == ("2.01", "12.06")
    kept = entry(books, customer, net_amount="10.05", tax_amount="2.00")  # within the tolerance: as sent
    assert kept["total_amount"] == "12.05"
    zero = entry(books, customer, tax_rate_id="GB_ZERO", net_amount=None, tax_amount=None, total_amount="50")
    assert (zero["net_amount"], zero["tax_amount"], zero["tax_rate"]["id"]) == ("50.0", "0.0", "GB_ZERO")
    # A VAT-registered business's sales entry needs a rate; a purchase entry may go without one.
    unrated = {"quick_entry_type_id": "INVOICE", "contact_id": customer, "date": "2024-03-01", "reference": "X",
               "ledger_account_id": books.accounts[4000], "net_amount": "100", "tax_rate_id": None}
    problem(books.post(SALES, {"sales_quick_entry": unrated}), 422, "RecordInvalid", "tax_rate_id")
    untaxed = entry(books, books.contact("VENDOR"), sales=False, tax_rate_id=None, tax_amount=None)
    assert (untaxed["tax_rate"], untaxed["tax_breakdown"], untaxed["total_amount"]) == (None, [], "100.0")

    body = {"quick_entry_type_id": "INVOICE", "contact_id": customer, "date": "2024-03-01", "reference": "X",
            "ledger_account_id": books.accounts[4000], "net_amount": "100", "tax_rate_id": "GB_STANDARD"}
    wrong_total = books.post(SALES, {"sales_quick_entry": {**body, "total_amount": "121"}})
    assert "120.0" in problem(wrong_total, 422, "RecordInvalid", "total_amount")["$message"]
    far_tax = books.post(SALES, {"sales_quick_entry": {**body, "tax_amount": "25"}})
    assert "expected 20.00" in problem(far_tax, 422, "RecordInvalid", "tax_amount")["$message"]
    over = books.post(SALES, {"sales_quick_entry": {**body, "net_amount": None, "total_amount": "10",
                                                    "tax_amount": "12"}})
    problem(over, 422, "RecordInvalid", "total_amount")
    problem(books.post(SALES, {"sales_quick_entry": {**body, "net_amount": "-5"}}), 422, "RecordInvalid",
            "net_amount")
    assert books.balances()[1100] == D("99.99") + D("12.06") + D("12.05") + D("50")  # the unrated entry is a purchase


def test_validation(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"multi_currency_enabled": True})
    customer, supplier = books.contact("CUSTOMER"), books.contact("VENDOR")
    empty = books.post(SALES, {"sales_quick_entry": {}})
    assert empty.status_code == 422
    assert [p["$source"] for p in empty.json()] == ["quick_entry_type_id", "date", "contact_id", "reference",
                                                    "ledger_account_id", "net_amount"]
    problem(books.post(SALES, {"quick_entry": {}}), 422, "Validation", "sales_quick_entry")
    base = {"quick_entry_type_id": "INVOICE", "contact_id": customer, "date": "2024-03-01", "reference": "X",
            "ledger_account_id": books.accounts[4000], "net_amount": "10", "tax_rate_id": "GB_ZERO"}

    def refused(source: str, path: str = SALES, wrapper: str = "sales_quick_entry", **change: Any) -> str:
        return problem(books.post(path, {wrapper: {**base, **change}}), 422, "RecordInvalid", source)["$message"]

    assert refused("contact_id", contact_id=supplier) == "Couldn't find Customer."
    assert refused("contact_id", PURCHASES, "purchase_quick_entry", ledger_account_id=books.accounts[5000]) == \
        "Couldn't find Supplier."
    assert "cannot be used in sales" in refused("ledger_account_id", ledger_account_id=books.accounts[5000])
    assert refused("quick_entry_type_id", quick_entry_type_id="RECEIPT") == "must be one of INVOICE, CREDIT_NOTE."
    assert refused("tax_rate_id", tax_rate_id="NOPE") == "Couldn't find tax rate."
    refused("status_id", status_id="DRAFT")
    refused("exchange_rate", currency_id="USD")
    refused("reference", reference="R" * 26)
    refused("net_amount", net_amount="1.001")
    assert books.created(SALES, "sales_quick_entry", {**base, "status_id": "unpaid"})["status"]["id"] == "UNPAID"
    assert books.transactions()[-1].transaction_type_id == "SALES_QUICK_ENTRY_INVOICE"
    assert len(books.transactions()) == 1, "a refused entry leaves nothing behind"


def test_paid_and_allocated_like_invoices(books: Books) -> None:
    customer = books.contact("CUSTOMER", name="Ada")
    sale = entry(books, customer)
    receipt(books, customer, "50", (sale["id"], "50"))
    part = books.get(f"{SALES}/{sale['id']}", show_payments_allocations="true").json()
    assert (part["status"]["id"], part["outstanding_amount"], part["base_currency_outstanding_amount"]) == \
        ("PART_PAID", "70.0", "70.0")
    assert [(p["type"], p["amount"]) for p in part["payments_allocations"]] == [("Customer Receipt", "50.0")]
    assert [i["id"] for i in books.get(SALES, status_id="PART_PAID").json()["$items"]] == [sale["id"]]

    # A quick-entry credit note is a credit: it waits in /unallocated_artefacts and settles the rest.
    credit = entry(books, customer, type_id="CREDIT_NOTE", reference="QC-1", net_amount="58.33",
                   tax_amount="11.67")
    assert credit["total_amount"] == "70.0"
    assert credit["id"] in [i["id"] for i in books.get("/unallocated_artefacts").json()["$items"]]
    books.created("/contact_allocations", "contact_allocation", {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer, "date": "2024-03-12",
        "allocated_artefacts": [{"artefact_id": sale["id"], "amount": 70}, {"artefact_id": credit["id"],
                                                                           "amount": -70}]})
    paid = books.get(f"{SALES}/{sale['id']}", show_payments_allocations="true").json()
    assert (paid["status"]["id"], paid["outstanding_amount"]) == ("PAID", "0.0")
    other = paid["payments_allocations"][1]["artefact"]
    assert (other["id"], other["displayed_as"], other["$path"]) == (credit["id"], "QC-1", f"{SALES}/{credit['id']}")
    assert books.get(f"{SALES}/{credit['id']}").json()["status"]["id"] == "PAID"
    assert books.balance(role="DEBTORS", contact_id=customer) == D(0)

    supplier = books.contact("VENDOR")
    bill = entry(books, supplier, sales=False)
    payment = receipt(books, supplier, "120", (bill["id"], "120"), kind="VENDOR_PAYMENT")
    assert payment["allocated_artefacts"][0]["artefact"]["$path"] == f"{PURCHASES}/{bill['id']}"
    assert books.get(f"{PURCHASES}/{bill['id']}").json()["status"]["id"] == "PAID"


def test_allocated_against_a_payment_on_account(books: Books) -> None:
    customer = books.contact("CUSTOMER")
    sale = entry(books, customer)
    on_account = receipt(books, customer, "30")["payment_on_account"]["id"]
    books.created("/contact_allocations", "contact_allocation", {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": customer,
        "allocated_artefacts": [{"artefact_id": sale["id"], "amount": 30}, {"artefact_id": on_account,
                                                                           "amount": -30}]})
    shown = books.get(f"{SALES}/{sale['id']}", show_payments_allocations="true").json()
    assert (shown["status"]["id"], shown["outstanding_amount"]) == ("PART_PAID", "90.0")
    assert shown["payments_allocations"][0]["artefact"]["$path"] == f"/unallocated_artefacts/{on_account}"


def test_quick_entries_count_in_the_aged_debtors(books: Books, client: TestClient) -> None:
    customer = books.contact("CUSTOMER", name="Ada")
    entry(books, customer)
    response = client.get("/ledgerd/v1/reports/aged_debtors?date=2024-03-15", headers=books.headers)
    assert response.status_code == 200, response.text
    assert [(c["name"], c["current"]) for c in response.json()["contacts"]] == [("Ada", "120.0")]


def test_edits_reverse_and_repost(books: Books) -> None:
    customer, other = books.contact("CUSTOMER"), books.contact("CUSTOMER")
    sale = entry(books, customer)
    before = books.tx(invariants.entries_snapshot)
    notes = books.updated(f"{SALES}/{sale['id']}", "sales_quick_entry", {"details": "Consulting, March"})
    assert notes["transaction"] == sale["transaction"], "a change of details leaves the ledger alone"
    changed = books.updated(f"{SALES}/{sale['id']}", "sales_quick_entry", {"net_amount": "200", "tax_amount": "40",
                                                                           "contact_id": other})
    assert (changed["total_amount"], changed["contact"]["id"], changed["details"]) == \
        ("240.0", other, "Consulting, March")
    assert changed["transaction"]["id"] != sale["transaction"]["id"]
    old, _ = books.transaction(sale["transaction"]["id"])
    assert old.deleted
    books.tx(lambda db: invariants.unchanged(before, invariants.entries_snapshot(db)))
    assert books.balance(role="DEBTORS", contact_id=customer) == D(0)
    assert books.balance(role="DEBTORS", contact_id=other) == D("240.00")
    # A new rate without a tax amount: the tax follows the rate.
    rerated = books.updated(f"{SALES}/{sale['id']}", "sales_quick_entry", {"tax_rate_id": "GB_LOWER"})
    assert (rerated["tax_amount"], rerated["total_amount"]) == ("10.0", "210.0")
    flipped = books.updated(f"{SALES}/{sale['id']}", "sales_quick_entry", {"quick_entry_type_id": "CREDIT_NOTE"})
    assert flipped["transaction_type"]["id"] == "SALES_QUICK_ENTRY_CREDIT_NOTE"
    assert books.balance(role="DEBTORS", contact_id=other) == D("-210.00")
    assert books.get(f"{SALES}/{sale['id']}").json()["quick_entry_type"]["id"] == "CREDIT_NOTE"

    paid = entry(books, customer, reference="QE-2")
    receipt(books, customer, "100", (paid["id"], "100"))
    path = f"{SALES}/{paid['id']}"
    problem(books.put(path, {"sales_quick_entry": {"quick_entry_type_id": "CREDIT_NOTE"}}), 422, "RecordInvalid",
            "quick_entry_type_id")
    problem(books.put(path, {"sales_quick_entry": {"contact_id": other}}), 422, "RecordInvalid", "contact_id")
    problem(books.put(path, {"sales_quick_entry": {"net_amount": "50", "tax_amount": "10"}}), 422, "RecordInvalid",
            "base")
    # A paid entry is unallocated before its figures change, even upwards (Sage; docs/decisions/period-locks.md).
    more = books.put(path, {"sales_quick_entry": {"net_amount": "90", "tax_amount": "18"}})
    assert "unallocate" in problem(more, 422, "RecordInvalid", "base")["$message"]
    assert books.updated(path, "sales_quick_entry", {"reference": "QE-2a"})["status"]["id"] == "PART_PAID"


def test_delete_voids_and_keeps(books: Books) -> None:
    supplier = books.contact("VENDOR")
    bill = entry(books, supplier, sales=False)
    path = f"{PURCHASES}/{bill['id']}"
    response = books.delete(path)
    assert response.status_code == 204 and response.content == b""
    kept = books.get(path).json()
    assert (kept["status"]["id"], kept["outstanding_amount"], kept["base_currency_outstanding_amount"]) == \
        ("VOID", "0.0", "0.0")
    assert books.balances() == {}
    old, _ = books.transaction(bill["transaction"]["id"])
    assert old.deleted
    assert [i["id"] for i in books.get(PURCHASES, status_id="void").json()["$items"]] == [bill["id"]]
    problem(books.delete(path), 422, "RecordInvalid", "base")
    problem(books.put(path, {"purchase_quick_entry": {"details": "x"}}), 422, "RecordInvalid", "base")

    paid = entry(books, supplier, sales=False, reference="QE-2")
    receipt(books, supplier, "20", (paid["id"], "20"), kind="VENDOR_PAYMENT")
    problem(books.delete(f"{PURCHASES}/{paid['id']}"), 422, "RecordInvalid", "base")
    problem(books.delete(f"{PURCHASES}/{'0' * 32}"), 404, "RecordNotFound")


def test_foreign_currency(books: Books) -> None:
    books.updated("/financial_settings", "financial_settings", {"multi_currency_enabled": True})
    customer = books.contact("CUSTOMER", currency_id="USD")
    sale = entry(books, customer, exchange_rate="1.25", net_amount="100.01", tax_amount="20.00")
    assert (sale["currency"]["id"], sale["inverse_exchange_rate"]) == ("USD", "0.8")
    assert (sale["base_currency_net_amount"], sale["base_currency_tax_amount"],
            sale["base_currency_total_amount"]) == ("80.01", "16.0", "96.01")
    assert sale["base_currency_tax_breakdown"][0]["amount"] == "16.0"
    assert entries(books, sale["transaction"]["id"]) == sorted(
        [(1100, D("96.01"), D(0)), (4000, D(0), D("80.01")), (2200, D(0), D("16.00"))])


def test_lists_filter_search_and_keep_to_their_side(books: Books) -> None:
    ada, bob = books.contact("CUSTOMER", name="Ada Lovelace"), books.contact("CUSTOMER", name="Bob")
    first = entry(books, ada, reference="MARCH-1")
    second = entry(books, bob, reference="APRIL-9", date="2024-04-02")
    bill = entry(books, books.contact("VENDOR"), sales=False)
    assert [i["id"] for i in books.get(SALES).json()["$items"]] == [first["id"], second["id"]]
    assert [i["id"] for i in books.get(PURCHASES).json()["$items"]] == [bill["id"]]
    assert books.get(f"{SALES}/{bill['id']}").status_code == 404
    assert books.get("/sales_invoices").json()["$total"] == 0
    assert [i["id"] for i in books.get(SALES, contact_id=bob).json()["$items"]] == [second["id"]]
    assert [i["id"] for i in books.get(SALES, search="lovelace").json()["$items"]] == [first["id"]]
    assert [i["id"] for i in books.get(SALES, search="april").json()["$items"]] == [second["id"]]
    assert [i["id"] for i in books.get(SALES, from_date="2024-04-01").json()["$items"]] == [second["id"]]
    assert [i["id"] for i in books.get(SALES, sort="date:desc").json()["$items"]] == [second["id"], first["id"]]
    assert books.get(SALES, has_attachments="true").json()["$total"] == 0
    listed = books.get(SALES, attributes="all").json()["$items"]
    assert listed[0] == books.get(f"{SALES}/{first['id']}").json()
