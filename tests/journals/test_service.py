"""Journals and opening balance journals over HTTP, and what they do to the ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from ledgerd.tenancy.models import Role
from tests.support.books import Books, problem
from tests.support.factories import Factory

JOURNAL_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "transaction", "transaction_type",
                "deleted_at", "date", "reference", "description", "total", "journal_code", "journal_lines", "migrated"]
LINE_KEYS = ["id", "ledger_account", "details", "debit", "credit", "analysis_type_categories", "include_on_tax_return",
             "tax_reconciled", "cleared", "bank_reconciled", "journal_line_foreign_currency"]
OPENING_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "transaction", "transaction_type",
                "deleted_at", "date", "reference", "journal_lines"]

# GB chart: 10 Freehold Property, 3000 Capital introduced, 4000 Sales - Products, 7100 Rent and Rates,
# 1100 Trade Debtors (reporting only), 9999 Opening Balances Control.
FREEHOLD, CAPITAL, SALES, RENT, DEBTORS, OPENING_CONTROL = 10, 3000, 4000, 7100, 1100, 9999


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def _lines(books: Books, *lines: tuple[int, object, object]) -> list[dict[str, object]]:
    return [{"ledger_account_id": books.accounts[c], "debit": d, "credit": k, "details": f"line {i}"}
            for i, (c, d, k) in enumerate(lines)]


def test_create_read_list_journal(books: Books) -> None:
    response = books.post("/journals", {"journal": {
        "date": "2024-03-01", "reference": "JNL-1", "description": "Owner's capital", "total": 250,
        "journal_lines": [
            *_lines(books, (FREEHOLD, "250.00", 0), (CAPITAL, 0, 250)),
            {"ledger_account_id": books.accounts[RENT], "debit": 0, "credit": 0, "include_on_tax_return": True}]}})
    assert response.status_code == 201, response.text
    journal = response.json()
    assert list(journal) == JOURNAL_KEYS
    assert list(journal["journal_lines"][0]) == LINE_KEYS
    assert journal["displayed_as"] == "JNL-1" and journal["total"] == "250.0" and journal["date"] == "2024-03-01"
    assert journal["transaction_type"] == {"id": "JOURNAL", "displayed_as": "Journal",
                                           "$path": "/transaction_types/JOURNAL"}
    assert [(line["debit"], line["credit"], line["details"]) for line in journal["journal_lines"]] == [
        ("250.0", "0.0", "line 0"), ("0.0", "250.0", "line 1"), ("0.0", "0.0", "")]
    assert journal["journal_lines"][2]["include_on_tax_return"] is True
    assert journal["journal_lines"][0]["ledger_account"]["displayed_as"] == "Freehold Property (0010)"

    # The transaction: JOURNAL, total of the debits, origin pointing back at the journal; zero lines post nothing.
    transaction = books.get(journal["transaction"]["$path"]).json()
    assert transaction["transaction_type"]["id"] == "JOURNAL" and transaction["total"] == "250.0"
    assert transaction["origin"] == {"id": journal["id"], "displayed_as": "JNL-1", "$path": journal["$path"],
                                     "links": []}
    assert books.get("/ledger_entries", transaction_id=transaction["id"]).json()["$total"] == 2
    assert books.balances(zeros=True) == {FREEHOLD: Decimal(250), CAPITAL: Decimal(-250)}

    assert books.get(journal["$path"]).json() == journal
    listing = books.get("/journals").json()
    assert listing["$total"] == 1
    assert listing["$items"] == [{"id": journal["id"], "displayed_as": "JNL-1", "$path": journal["$path"]}]
    # Opening balance journals are a different resource over the same table.
    assert books.get("/opening_balance_journals").json()["$total"] == 0
    assert books.get(f"/opening_balance_journals/{journal['id']}").status_code == 404


@pytest.mark.parametrize(("lines", "source"), [
    # Unbalanced: posting.Unbalanced.
    ([(FREEHOLD, 100, 0), (CAPITAL, 0, "99.99")], "journal_lines"),
    # Both sides on one line.
    ([(FREEHOLD, 100, 100), (CAPITAL, 0, 0)], "journal_lines[0].credit"),
    # Debtors is a control account not offered in journals.
    ([(FREEHOLD, 100, 0), (DEBTORS, 0, 100)], "journal_lines[1].ledger_account_id"),
    # Nothing to post.
    ([(FREEHOLD, 0, 0), (CAPITAL, 0, 0)], "journal_lines"),
    # Money has two decimals; no negative amounts.
    ([(FREEHOLD, "1.005", 0), (CAPITAL, 0, "1.005")], "journal_lines[0].debit"),
    ([(FREEHOLD, -5, 0), (CAPITAL, 0, -5)], "journal_lines[0].debit"),
])
def test_invalid_journals_post_nothing(books: Books, lines: list[tuple[int, object, object]], source: str) -> None:
    response = books.post("/journals", {"journal": {"date": "2024-03-01", "reference": "BAD",
                                                    "journal_lines": _lines(books, *lines)}})
    problem(response, 422, "RecordInvalid", source)
    assert books.get("/journals").json()["$total"] == 0
    assert books.balances(zeros=True) == {}


def test_journal_required_fields_and_references(books: Books) -> None:
    problem(books.post("/journals", {"nope": {}}), 422, "Validation", "journal")
    problem(books.post("/journals", {"journal": {"reference": "X", "journal_lines": []}}), 422, "RecordInvalid", "date")
    problem(books.post("/journals", {"journal": {"date": "2024-01-01", "journal_lines": _lines(
        books, (FREEHOLD, 1, 0), (CAPITAL, 0, 1))}}), 422, "RecordInvalid", "reference")
    problem(books.post("/journals", {"journal": {"date": "2024-01-01", "reference": "X", "journal_lines": []}}),
            422, "RecordInvalid", "journal_lines")
    problem(books.post("/journals", {"journal": {"date": "2024-01-01", "reference": "X", "journal_lines": [
        {"ledger_account_id": books.accounts[FREEHOLD], "debit": 1}]}}),
        422, "RecordInvalid", "journal_lines[0].credit")
    unknown = {"ledger_account_id": "f" * 32, "debit": 1, "credit": 0}
    problem(books.post("/journals", {"journal": {"date": "2024-01-01", "reference": "X", "journal_lines": [
        unknown, {"ledger_account_id": books.accounts[CAPITAL], "debit": 0, "credit": 1}]}}),
        422, "RecordInvalid", "journal_lines[0].ledger_account_id")
    problem(books.post("/journals", {"journal": {"date": "2024-01-01", "reference": "X", "total": 5, "journal_lines":
                                                 _lines(books, (FREEHOLD, 1, 0), (CAPITAL, 0, 1))}}),
            422, "RecordInvalid", "total")
    problem(books.get("/journals/" + "0" * 32), 404, "RecordNotFound", "")


def test_another_business_cannot_see_or_use(books: Books, client: TestClient, factory: Factory) -> None:
    journal = books.journal("2024-01-01", (FREEHOLD, 10, 0), (CAPITAL, 0, 10))
    other = Books.open(client, factory)
    problem(other.get(journal["$path"]), 404, "RecordNotFound")
    problem(other.delete(journal["$path"]), 404, "RecordNotFound")
    problem(other.post("/journals", {"journal": {"date": "2024-01-01", "reference": "X", "journal_lines": [
        {"ledger_account_id": books.accounts[FREEHOLD], "debit": 1, "credit": 0},
        {"ledger_account_id": other.accounts[CAPITAL], "debit": 0, "credit": 1}]}}),
        422, "RecordInvalid", "journal_lines[0].ledger_account_id")


def test_delete_reverses_and_leaves_a_tombstone(books: Books) -> None:
    kept = books.journal("2024-02-01", (RENT, 40, 0), (CAPITAL, 0, 40), reference="KEEP")
    gone = books.journal("2024-02-02", (FREEHOLD, 100, 0), (SALES, 0, 100), reference="GONE")
    before = books.get("/journals").json()["$items"]
    response = books.delete(gone["$path"])
    assert response.status_code == 204 and response.content == b""
    problem(books.get(gone["$path"]), 404, "RecordNotFound")
    assert books.get("/journals").json()["$items"] == [i for i in before if i["id"] == kept["id"]]
    tombstones = books.get("/journals", deleted_since="2000-01-01").json()
    assert [(i["id"], i["displayed_as"]) for i in tombstones["$items"]] == [(gone["id"], "GONE")]

    # The ledger: the original stays, a mirror cancels it on the same date, both marked deleted.
    sums = books.balances(zeros=True)
    assert sums[FREEHOLD] == 0 and sums[SALES] == 0
    assert sums[RENT] == Decimal(40) and sums[CAPITAL] == Decimal(-40)
    entries = books.get("/ledger_entries", ledger_account_id=books.accounts[FREEHOLD], attributes="all").json()
    assert [(e["debit"], e["credit"], e["deleted"], e["date"]) for e in entries["$items"]] == [
        ("100.0", "0.0", True, "2024-02-02"), ("0.0", "100.0", True, "2024-02-02")]
    transactions = books.get("/transactions", transaction_type_id="JOURNAL", attributes="deleted,reference").json()
    assert sorted((t["reference"], t["deleted"]) for t in transactions["$items"]) == [
        ("GONE", True), ("GONE", True), ("KEEP", False)]
    # Balances over the deleted journal's day net to zero too.
    detail = books.get(f"/ledger_accounts/{books.accounts[FREEHOLD]}", show_balance_details="true",
                       from_date="2024-02-02", to_date="2024-02-02").json()["balance_details"]
    assert (detail["debits"], detail["credits"], detail["balance"]) == ("100.0", "100.0", "0.0")
    excluded = books.get(f"/ledger_accounts/{books.accounts[FREEHOLD]}", show_balance_details="true",
                         exclude_deleted_entries="true").json()["balance_details"]
    assert (excluded["debits"], excluded["credits"]) == ("0.0", "0.0")
    problem(books.delete(gone["$path"]), 404, "RecordNotFound")


def test_reissue_voids_and_posts_anew(books: Books) -> None:
    old = books.journal("2024-05-01", (RENT, 30, 0), (CAPITAL, 0, 30), reference="R-1")
    response = books.post(f"{old['$path']}/reissue", {"journal": {
        "reference": "R-2", "journal_lines": _lines(books, (RENT, 45, 0), (CAPITAL, 0, 45))}})
    assert response.status_code == 201, response.text
    new = response.json()
    assert list(new) == JOURNAL_KEYS
    assert new["id"] != old["id"] and new["reference"] == "R-2" and new["date"] == "2024-05-01"
    assert new["total"] == "45.0"
    problem(books.get(old["$path"]), 404, "RecordNotFound")
    assert books.balances(zeros=True)[RENT] == Decimal(45)

    # Without a body: the same journal again under a new id (and the ledger unchanged).
    again = books.post(f"{new['$path']}/reissue", None)
    assert again.status_code == 201, again.text
    assert again.json()["journal_lines"][0]["debit"] == "45.0" and again.json()["reference"] == "R-2"
    assert books.balances(zeros=True)[RENT] == Decimal(45)
    assert {i["id"] for i in books.get("/journals", deleted_since="2000-01-01").json()["$items"]} == {
        old["id"], new["id"]}

    # An invalid reissue changes nothing.
    current = again.json()
    problem(books.post(f"{current['$path']}/reissue", {"journal": {
        "journal_lines": _lines(books, (RENT, 45, 0), (CAPITAL, 0, 44))}}), 422, "RecordInvalid", "journal_lines")
    assert books.get(current["$path"]).status_code == 200
    problem(books.post(f"/journals/{'0' * 32}/reissue", None), 404, "RecordNotFound")


def test_opening_balance_journal_balances_against_control(books: Books) -> None:
    response = books.post("/opening_balance_journals", {"opening_balance_journal": {
        "date": "2023-12-31", "reference": "OB",
        "journal_lines": _lines(books, (FREEHOLD, 1000, 0), (CAPITAL, 0, 600))}})
    assert response.status_code == 201, response.text
    journal = response.json()
    assert list(journal) == OPENING_KEYS
    assert list(journal["journal_lines"][0]) == ["id", "ledger_account", "details", "debit", "credit"]
    assert journal["transaction_type"]["id"] == "GENERAL_LEDGER_OPENING_BALANCE"
    assert len(journal["journal_lines"]) == 2
    # The 400 difference sits on the opening balances control account.
    assert books.balances(zeros=True) == {FREEHOLD: Decimal(1000), CAPITAL: Decimal(-600),
                                          OPENING_CONTROL: Decimal(-400)}
    transaction = books.get(journal["transaction"]["$path"]).json()
    assert transaction["total"] == "1000.0" and transaction["origin"]["$path"] == journal["$path"]
    assert books.get(journal["$path"]).json() == journal
    assert books.get("/opening_balance_journals").json()["$total"] == 1
    assert books.get("/journals").json()["$total"] == 0

    response = books.delete(journal["$path"])
    assert response.status_code == 204
    assert set(books.balances(zeros=True).values()) == {Decimal(0)}
    problem(books.get(journal["$path"]), 404)


def test_opening_balance_journal_defaults_and_errors(books: Books, factory: Factory) -> None:
    books.put("/financial_settings", {"financial_settings": {"accounts_start_date": "2024-04-01"}})
    response = books.post("/opening_balance_journals", {"opening_balance_journal": {
        "journal_lines": _lines(books, (FREEHOLD, 10, 0), (CAPITAL, 0, 10))}})
    assert response.status_code == 201, response.text
    assert response.json()["date"] == "2024-03-31" and response.json()["reference"] == "Opening Balance"
    problem(books.post("/opening_balance_journals", {"opening_balance_journal": {"journal_lines": []}}),
            422, "RecordInvalid", "journal_lines")
    problem(books.post("/opening_balance_journals", {"opening_balance_journal": {
        "reference": "X" * 26, "journal_lines": _lines(books, (FREEHOLD, 10, 0))}}), 422, "RecordInvalid", "reference")
    problem(books.post("/opening_balance_journals", {"opening_balance_journal": {
        "journal_lines": _lines(books, (DEBTORS, 10, 0))}}), 422, "RecordInvalid", "journal_lines[0].ledger_account_id")


def test_roles_and_tokens(books: Books, client: TestClient, factory: Factory) -> None:
    reader = factory.user()
    factory.member(books.business, reader, Role.READ_ONLY)
    headers = factory.headers(reader, business=books.business.id)
    journal = books.journal("2024-01-01", (FREEHOLD, 1, 0), (CAPITAL, 0, 1))
    assert client.get(f"/v3.1{journal['$path']}", headers=headers).status_code == 200
    body = {"journal": {"date": "2024-01-01", "reference": "X", "journal_lines": _lines(books, (FREEHOLD, 1, 0),
                                                                                        (CAPITAL, 0, 1))}}
    problem(client.post("/v3.1/journals", headers=headers, json=body), 403, "MultiUserAccessDenied")
    problem(client.delete(f"/v3.1{journal['$path']}", headers=headers), 403, "MultiUserAccessDenied")
    problem(client.post(f"/v3.1{journal['$path']}/reissue", headers=headers), 403, "MultiUserAccessDenied")
    problem(client.get("/v3.1/journals"), 401, "AuthorizationFailure")
    readonly_token = factory.headers(books.owner, scope="readonly", business=books.business.id)
    problem(client.post("/v3.1/journals", headers=readonly_token, json=body), 403, "MultiUserAccessDenied")
