"""Analysis type categories on document, journal and other-payment lines, over HTTP on SQLite and PostgreSQL.

Lines take category ids in `analysis_type_categories` (checked by `analysis.service.assign`: the category
exists, at most one per type, the type is active in the line's area) and show them as Sage's
`AnalysisTypeLineItem` links, at the place the line definition gives them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.api import resource
from tests.contract.test_query_counts import counting
from tests.support import reference
from tests.support.books import Books, problem
from tests.support.factories import Factory

CATEGORIES = "/analysis_type_categories"
SHOW = {"show_analysis_types": "true"}


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Iterator[Books]:
    opened = Books.open(client, factory)
    yield opened
    opened.check()


def line_keys(definition: str) -> list[str]:
    return list(reference.definitions()[definition]["properties"])


def categories(books: Books, *areas: str) -> dict[str, list[str]]:
    """The category ids of each transaction type (Department, Cost Centre, Project), made active in `areas`."""
    out = {}
    for item in books.get("/analysis_types", analysis_type_level="TRANSACTION", attributes="all").json()["$items"]:
        books.updated(item["$path"], "analysis_type", {"active_areas": list(areas)})
        out[item["name"]] = [c["id"] for c in item["analysis_type_categories"]]
    return out


def shown(line: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["displayed_as"], c["analysis_type"]["displayed_as"]) for c in line["analysis_type_categories"]]


def invoice_line(books: Books, **extra: Any) -> dict[str, Any]:
    return {"description": "Consulting", "ledger_account_id": books.accounts[4000], "quantity": "1",
            "unit_price": "100", "tax_rate_id": "GB_ZERO", **extra}


def invoice(books: Books, *lines: dict[str, Any], path: str = "/sales_invoices", wrapper: str = "sales_invoice",
            lines_key: str = "invoice_lines", **extra: Any) -> Any:
    purchase = path.startswith("/purchase")
    contact = books.contact("VENDOR" if purchase else "CUSTOMER")
    if purchase:  # a purchase line posts to cost of sales, and a purchase invoice needs its due date
        lines = tuple({**line, "ledger_account_id": books.accounts[5000]} for line in lines)
        extra = {"due_date": "2024-03-31", "vendor_reference": "INV-9", **extra}
    return books.post(path, {wrapper: {"contact_id": contact, "date": "2024-03-01", lines_key: list(lines),
                                       **extra}})


def test_sales_invoice_lines_take_and_show_categories(books: Books) -> None:
    cats = categories(books, "SALES")
    department, project = cats["Department"][0], cats["Project"][1]
    made = invoice(books, invoice_line(books, analysis_type_categories=[project, department]), invoice_line(books))
    assert made.status_code == 201, made.text
    key = made.json()["id"]
    # Without show_analysis_types, lines look as Sage's recorded ones: no analysis_type_categories.
    assert "analysis_type_categories" not in made.json()["invoice_lines"][0]
    full = books.get(f"/sales_invoices/{key}", **SHOW).json()
    first, second = full["invoice_lines"]
    assert list(first) == line_keys("SalesInvoiceLineItem")
    # Shown in the analysis types' list order (Department before Project), as link objects.
    assert shown(first) == [("Department 1", "Department"), ("Project 2", "Project")]
    assert first["analysis_type_categories"][0] == {
        "id": department, "displayed_as": "Department 1", "$path": f"{CATEGORIES}/{department}",
        "analysis_type": first["analysis_type_categories"][0]["analysis_type"]}
    assert list(first["analysis_type_categories"][0]["analysis_type"]) == ["id", "displayed_as", "$path"]
    assert second["analysis_type_categories"] == []
    listed = books.get("/sales_invoices", attributes="all", **SHOW).json()["$items"][0]
    assert listed["invoice_lines"] == full["invoice_lines"]
    # In use: the category cannot be deleted.
    problem(books.delete(f"{CATEGORIES}/{department}"), 405, "MethodNotAllowed")


def test_refused_categories_name_the_line_field_and_store_nothing(books: Books) -> None:
    cats = categories(books, "SALES")
    before = books.get("/sales_invoices").json()["$total"]

    def refused(ids: list[Any], index: int = 0, path: str = "/sales_invoices", wrapper: str = "sales_invoice") -> str:
        response = invoice(books, invoice_line(books), invoice_line(books, analysis_type_categories=ids), path=path,
                           wrapper=wrapper)
        return problem(response, 422, "RecordInvalid",
                       f"invoice_lines[1].analysis_type_categories[{index}]")["$message"]

    assert refused(["0" * 32]) == "Couldn't find analysis type category."
    assert "at most one category of Department" in refused(cats["Department"][:2], 1)
    # Purchases are the EXPENSES area, which no type is active in.
    assert refused([cats["Project"][0]], path="/purchase_invoices", wrapper="purchase_invoice") == (
        "analysis_type_categories are not enabled for Active Area EXPENSES")
    problem(invoice(books, invoice_line(books, analysis_type_categories="x")), 422, "RecordInvalid",
            "invoice_lines[0].analysis_type_categories")
    assert books.get("/sales_invoices").json()["$total"] == before
    assert books.get("/purchase_invoices").json()["$total"] == 0


def test_edits_keep_replace_and_release_categories(books: Books) -> None:
    cats = categories(books, "SALES")
    dept_1, dept_2, centre = cats["Department"][0], cats["Department"][1], cats["Cost Centre"][0]
    made = invoice(books, invoice_line(books, analysis_type_categories=[dept_1]),
                   invoice_line(books, analysis_type_categories=[centre])).json()
    path, (first, second) = made["$path"], made["invoice_lines"]

    def lines(attrs: list[dict[str, Any]]) -> list[list[tuple[str, str]]]:
        books.updated(path, "sales_invoice", {"invoice_lines": attrs})
        return [shown(line) for line in books.get(path, **SHOW).json()["invoice_lines"]]

    # A line sent back by id without categories keeps them; a PUT without lines keeps every line's.
    assert lines([{"id": first["id"]}, {"id": second["id"], "description": "Changed"}]) == [
        [("Department 1", "Department")], [("Cost Centre 1", "Cost Centre")]]
    books.updated(path, "sales_invoice", {"notes": "Edited"})
    # A GET's link objects can be sent back as they are; [] clears.
    fetched = books.get(path, **SHOW).json()["invoice_lines"]
    assert lines([{"id": first["id"], "analysis_type_categories": fetched[0]["analysis_type_categories"]},
                  {"id": second["id"], "analysis_type_categories": []}]) == [[("Department 1", "Department")], []]
    problem(books.delete(f"{CATEGORIES}/{dept_1}"), 405, "MethodNotAllowed")
    assert books.delete(f"{CATEGORIES}/{centre}").status_code == 204
    # Dropping the line releases its category.
    assert lines([{**invoice_line(books), "analysis_type_categories": [dept_2]}]) == [[("Department 2", "Department")]]
    assert books.delete(f"{CATEGORIES}/{dept_1}").status_code == 204
    problem(books.delete(f"{CATEGORIES}/{dept_2}"), 405, "MethodNotAllowed")
    # A deleted draft releases its lines' categories.
    draft = invoice(books, invoice_line(books, analysis_type_categories=[cats["Project"][2]]),
                    status_id="DRAFT").json()
    assert books.delete(draft["$path"]).status_code == 204
    assert books.delete(f"{CATEGORIES}/{cats['Project'][2]}").status_code == 204


def test_quote_lines_always_show_them_and_an_invoice_takes_them(books: Books) -> None:
    cats = categories(books, "SALES")
    quote = invoice(books, invoice_line(books, analysis_type_categories=[cats["Project"][0]]), path="/sales_quotes",
                    wrapper="sales_quote", lines_key="quote_lines", expiry_date="2024-04-01")
    assert quote.status_code == 201, quote.text
    line = quote.json()["quote_lines"][0]
    assert list(line) == line_keys("SalesQuoteLineItem")
    assert shown(line) == [("Project 1", "Project")]
    assert shown(books.get("/sales_quotes", attributes="all").json()["$items"][0]["quote_lines"][0]) == shown(line)
    made = books.post("/sales_invoices", {"sales_invoice": {
        "contact_id": quote.json()["contact"]["id"], "date": "2024-03-02",
        "original_quote_estimate_id": quote.json()["id"]}})
    assert made.status_code == 201, made.text
    assert shown(books.get(made.json()["$path"], **SHOW).json()["invoice_lines"][0]) == [("Project 1", "Project")]


def test_purchase_lines_are_the_expenses_area(books: Books) -> None:
    cats = categories(books, "EXPENSES")
    made = invoice(books, invoice_line(books, analysis_type_categories=[cats["Cost Centre"][2]]),
                   path="/purchase_invoices", wrapper="purchase_invoice")
    assert made.status_code == 201, made.text
    line = books.get(made.json()["$path"], **SHOW).json()["invoice_lines"][0]
    assert list(line) == line_keys("PurchaseInvoiceLineItem")
    assert shown(line) == [("Cost Centre 3", "Cost Centre")]
    problem(invoice(books, invoice_line(books, analysis_type_categories=[cats["Cost Centre"][2]])), 422,
            "RecordInvalid", "invoice_lines[0].analysis_type_categories[0]")


def test_journal_lines(books: Books) -> None:
    cats = categories(books, "JOURNALS")
    project = cats["Project"][1]

    def journal(category_ids: list[str]) -> Any:
        return books.post("/journals", {"journal": {"date": "2024-03-01", "reference": "J1", "journal_lines": [
            {"ledger_account_id": books.accounts[7500], "debit": "10", "credit": "0",
             "analysis_type_categories": category_ids},
            {"ledger_account_id": books.accounts[3000], "debit": "0", "credit": "10"}]}})

    made = journal([project])
    assert made.status_code == 201, made.text
    first, second = made.json()["journal_lines"]
    assert list(first) == line_keys("JournalLine")
    assert shown(first) == [("Project 2", "Project")] and second["analysis_type_categories"] == []
    assert books.get("/journals", attributes="all").json()["$items"][0]["journal_lines"] == [first, second]
    problem(journal(["0" * 32]), 422, "RecordInvalid", "journal_lines[0].analysis_type_categories[0]")
    books.updated(books.get("/analysis_types", search="Project").json()["$items"][0]["$path"], "analysis_type",
                  {"active_areas": ["SALES"]})
    problem(journal([project]), 422, "RecordInvalid", "journal_lines[0].analysis_type_categories[0]")
    books.updated(books.get("/analysis_types", search="Project").json()["$items"][0]["$path"], "analysis_type",
                  {"active_areas": ["JOURNALS"]})
    # A reissue without lines keeps them; the old journal's lines let go.
    reissued = books.post(f"{made.json()['$path']}/reissue", {"journal": {"reference": "J2"}})
    assert reissued.status_code == 201, reissued.text
    assert shown(reissued.json()["journal_lines"][0]) == [("Project 2", "Project")]
    problem(books.delete(f"{CATEGORIES}/{project}"), 405, "MethodNotAllowed")
    assert books.delete(reissued.json()["$path"]).status_code == 204
    assert books.delete(f"{CATEGORIES}/{project}").status_code == 204


def test_other_payment_lines(books: Books) -> None:
    cats = categories(books, "BANKING")
    bank, stationery = books.bank(), books.accounts[7500]
    department = cats["Department"][0]

    def line(**extra: Any) -> dict[str, Any]:
        return {"ledger_account_id": stationery, "total_amount": 60, "tax_rate_id": "GB_ZERO", **extra}

    made = books.created("/other_payments", "other_payment", {
        "transaction_type_id": "OTHER_PAYMENT", "date": "2024-02-10", "bank_account_id": bank, "total_amount": 120,
        "payment_lines": [line(analysis_type_categories=[department]), line()]})
    first, second = made["payment_lines"]
    assert list(first) == line_keys("OtherPaymentLineItem")
    assert shown(first) == [("Department 1", "Department")] and second["analysis_type_categories"] == []
    # A PUT without lines keeps them (the lines are stored afresh); with lines, each takes what it is sent.
    kept = books.updated(made["$path"], "other_payment", {"reference": "Paper"})["payment_lines"]
    assert [shown(x) for x in kept] == [[("Department 1", "Department")], []]
    problem(books.delete(f"{CATEGORIES}/{department}"), 405, "MethodNotAllowed")
    problem(books.put(made["$path"], {"other_payment": {"payment_lines": [
        line(total_amount=120, analysis_type_categories=[cats["Project"][0], "0" * 32])]}}), 422, "RecordInvalid",
        "payment_lines[0].analysis_type_categories[1]")
    replaced = books.updated(made["$path"], "other_payment", {"payment_lines": [
        line(total_amount=120, analysis_type_categories=[cats["Project"][0]])]})["payment_lines"]
    assert [shown(x) for x in replaced] == [[("Project 1", "Project")]]
    assert books.delete(f"{CATEGORIES}/{department}").status_code == 204
    assert books.delete(made["$path"]).status_code == 204
    assert books.delete(f"{CATEGORIES}/{cats['Project'][0]}").status_code == 204


def test_lists_load_categories_per_page_not_per_line(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource, "FIRST_CHUNK", 20)  # the page at once: no chunks (api/resource.py)
    cats = categories(books, "SALES", "JOURNALS")
    ids = [cats["Department"][0], cats["Project"][0]]

    def cost(path: str, **params: Any) -> int:
        with counting(books.factory.runtime.engine) as statements:
            assert books.get(path, attributes="all", **params).status_code == 200
        return len(statements)

    def add() -> None:
        invoice(books, invoice_line(books, analysis_type_categories=ids), invoice_line(books))
        books.post("/journals", {"journal": {"date": "2024-03-01", "reference": "J", "journal_lines": [
            {"ledger_account_id": books.accounts[7500], "debit": "1", "credit": "0", "analysis_type_categories": ids},
            {"ledger_account_id": books.accounts[3000], "debit": "0", "credit": "1"}]}})

    add()
    one = cost("/sales_invoices", **SHOW), cost("/journals")
    for _ in range(3):
        add()
    assert (cost("/sales_invoices", **SHOW), cost("/journals")) == one
