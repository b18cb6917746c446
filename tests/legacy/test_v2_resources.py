"""API v2's resources on the same books as v3.1: forms in, SData envelope out, integer ids that are v3.1's
legacy ids both ways (auth-and-legacy §7.3, §7.4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.legacy.v2_client import V2, diagnoses
from tests.support.factories import Factory


def contact(v2: V2, name: str, kind: str = "1", **more: str) -> dict[str, Any]:
    form = [("contact[name]", name), ("contact[contact_type_id]", kind),
            *((f"contact[{k}]", v) for k, v in more.items())]
    created: dict[str, Any] = v2.ok(v2.call("POST", "/accounts/v2/contacts", form), 201)
    return created


def v31(v2: V2, path: str) -> Any:
    response = v2.client.get(f"/v3.1{path}", params={"show_legacy_id": "true"}, headers=v2.books.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_contact_made_through_v2_is_the_v31_contact_with_that_legacy_id(v2: V2) -> None:
    created = contact(v2, "My Customer", email="ada@example.com")
    assert isinstance(created["id"], int) and created["$key"] == created["id"]
    assert next(iter(created)) == "id" and list(created)[-1] == "$key"
    assert created["contact_type"] == {"id": 1, "name": "CUSTOMER", "displayed_as": "Customer", "$key": 1}
    assert "contact_types" not in created
    found = v31(v2, "/contacts")["$items"]
    assert [(c["legacy_id"], c["displayed_as"]) for c in found] == [(created["id"], created["displayed_as"])]
    full = v31(v2, found[0]["$path"])
    assert full["email"] == "ada@example.com"
    assert [t["id"] for t in full["contact_types"]] == ["CUSTOMER"]
    # a nested link object carries the linked record's legacy id as `id` and `$key`
    assert created["main_address"]["id"] == created["main_address"]["$key"] == full["main_address"]["legacy_id"]
    assert "$path" not in created["main_address"]


def test_a_contact_made_through_v31_is_read_updated_and_deleted_by_its_legacy_id(v2: V2) -> None:
    response = v2.client.post("/v3.1/contacts", headers=v2.books.headers, json={
        "contact": {"name": "Supplies Ltd", "contact_type_ids": ["VENDOR"]}})
    assert response.status_code == 201, response.text
    key = response.json()["id"]
    legacy = v31(v2, f"/contacts/{key}")["legacy_id"]
    read = v2.ok(v2.get(f"/accounts/v2/contacts/{legacy}"))
    assert (read["id"], read["name"], read["contact_type"]["id"]) == (legacy, "Supplies Ltd", 2)
    updated = v2.ok(v2.call("PUT", f"/accounts/v2/contacts/{legacy}", [("contact[notes]", "Pays late")]))
    assert (updated["id"], updated["notes"]) == (legacy, "Pays late")
    assert v31(v2, f"/contacts/{key}")["notes"] == "Pays late"
    assert v2.call("DELETE", f"/accounts/v2/contacts/{legacy}").status_code == 204
    assert diagnoses(v2.get(f"/accounts/v2/contacts/{legacy}"), 404)[0]["$source"] == ""
    assert diagnoses(v2.get("/accounts/v2/contacts/abc"), 404)


def _first(v2: V2, path: str, **query: str) -> dict[str, Any]:
    found: dict[str, Any] = v2.ok(v2.get(path, **query))["$resources"][0]
    return found


def test_an_invoice_with_two_line_items(v2: V2) -> None:
    customer = contact(v2, "Invoice Customer")
    sales = next(a for a in v2.ok(v2.get("/accounts/v2/income_types", **{"$itemsPerPage": "200"}))["$resources"]
                 if a["nominal_code"] == 4000)
    standard = next(r for r in v2.ok(v2.get("/accounts/v2/tax_rates"))["$resources"] if r["percentage"] == "20.0")
    prefix = "sales_invoice[line_items_attributes]"
    created = v2.ok(v2.call("POST", "/accounts/v2/sales_invoices", [
        ("sales_invoice[contact_id]", str(customer["id"])), ("sales_invoice[date]", "2024-06-15"),
        (f"{prefix}[0][description]", "Widgets"), (f"{prefix}[0][quantity]", "2"),
        (f"{prefix}[0][unit_price]", "10.00"), (f"{prefix}[0][ledger_account_id]", str(sales["id"])),
        (f"{prefix}[0][tax_rate_id]", str(standard["id"])), (f"{prefix}[0][tax_amount]", "4.00"),
        (f"{prefix}[1][description]", "Gadget"), (f"{prefix}[1][quantity]", "1"),
        (f"{prefix}[1][unit_price]", "5.50"), (f"{prefix}[1][ledger_account_id]", str(sales["id"])),
        (f"{prefix}[1][tax_rate_id]", str(standard["id"])), (f"{prefix}[1][tax_amount]", "1.10"),
    ]), 201)
    assert created["contact"]["id"] == customer["id"]
    assert [line["description"] for line in created["line_items"]] == ["Widgets", "Gadget"]
    assert created["line_items"][0]["ledger_account"]["id"] == sales["id"]
    assert "invoice_lines" not in created
    assert (Decimal(created["net_amount"]), Decimal(created["tax_amount"]), Decimal(created["total_amount"])) == \
        (Decimal("25.50"), Decimal("5.10"), Decimal("30.60"))  # 2 x 10.00 + 5.50; 20 % of each
    key = next(i for i in v31(v2, "/sales_invoices")["$items"] if i["legacy_id"] == created["id"])["id"]
    invoice = v31(v2, f"/sales_invoices/{key}")
    assert [line["description"] for line in invoice["invoice_lines"]] == ["Widgets", "Gadget"]
    assert invoice["contact"]["legacy_id"] == customer["id"]
    listed = v2.ok(v2.get("/accounts/v2/sales_invoices"))
    assert [i["id"] for i in listed["$resources"]] == [created["id"]]
    assert len(listed["$resources"][0]["line_items"]) == 2


def test_paging_by_start_index_and_items_per_page(v2: V2) -> None:
    ids = [contact(v2, f"Customer {n}")["id"] for n in range(5)]

    def page(start: int, per: int) -> tuple[int, list[int]]:
        body = v2.ok(v2.get("/accounts/v2/contacts", **{"$startIndex": str(start), "$itemsPerPage": str(per)}))
        assert (body["$startIndex"], body["$itemsPerPage"]) == (start, per)
        return body["$totalResults"], [r["id"] for r in body["$resources"]]

    assert page(0, 2) == (5, ids[0:2])
    assert page(2, 2) == (5, ids[2:4])
    assert page(1, 2) == (5, ids[1:3])  # not on a page boundary: two v3.1 pages
    assert page(3, 3) == (5, ids[3:5])
    assert page(4, 3) == (5, ids[4:5])
    assert page(5, 2) == (5, [])
    assert page(40, 2) == (5, [])
    body = v2.ok(v2.get("/accounts/v2/contacts"))
    assert (body["$startIndex"], body["$itemsPerPage"], len(body["$resources"])) == (0, 20, 5)
    assert list(body) == ["$totalResults", "$startIndex", "$itemsPerPage", "$resources"]
    assert diagnoses(v2.get("/accounts/v2/contacts", **{"$itemsPerPage": "0"}), 422)[0]["$source"] == \
        "$itemsPerPage"
    for start in ("-1", "x", str(2**31)):
        assert diagnoses(v2.get("/accounts/v2/contacts", **{"$startIndex": start}), 422)[0]["$source"] == \
            "$startIndex"


def test_validation_errors_are_v2_diagnoses_with_v2_names(v2: V2) -> None:
    found = diagnoses(v2.call("POST", "/accounts/v2/contacts", [("contact[contact_type_id]", "1")]), 422)
    assert {(p["$dataCode"], p["$source"]) for p in found} == {("ValidationError", "name")}
    found = diagnoses(v2.call("POST", "/accounts/v2/contacts",
                              [("contact[name]", "x"), ("contact[contact_type_id]", "7")]), 422)
    assert [(p["$dataCode"], p["$source"]) for p in found] == [("ValidationError", "contact_type_id")]
    found = diagnoses(v2.call("POST", "/accounts/v2/sales_invoices", [
        ("sales_invoice[contact_id]", "999999"), ("sales_invoice[date]", "2024-06-15")]), 422)
    assert [(p["$dataCode"], p["$source"]) for p in found] == [("ValidationError", "contact_id")]
    customer = contact(v2, "Erring Customer")
    found = diagnoses(v2.call("POST", "/accounts/v2/sales_invoices", [
        ("sales_invoice[contact_id]", str(customer["id"])), ("sales_invoice[date]", "2024-06-15"),
        ("sales_invoice[line_items_attributes][0][description]", "No account"),
        ("sales_invoice[line_items_attributes][0][quantity]", "1"),
        ("sales_invoice[line_items_attributes][0][unit_price]", "1")]), 422)
    assert ("ValidationError", "line_items_attributes[0][ledger_account_id]") in \
        {(p["$dataCode"], p["$source"]) for p in found}
    found = diagnoses(v2.call("POST", "/accounts/v2/contacts", [("name", "no wrapper")]), 422)
    assert [(p["$dataCode"], p["$source"]) for p in found] == [("ValidationError", "contact")]
    found = diagnoses(v2.call("POST", "/accounts/v2/contacts", [("contact", "x"), ("contact[name]", "y")]), 422)
    assert found[0]["$dataCode"] == "ValidationError"


def test_expenses_and_incomes_are_other_payments_of_their_type(v2: V2) -> None:
    bank = _first(v2, "/accounts/v2/bank_accounts")
    stationery = next(a for a in v2.ok(v2.get("/accounts/v2/expense_types", **{"$itemsPerPage": "200"}))
                      ["$resources"] if a["nominal_code"] == 7500)
    expense = v2.ok(v2.call("POST", "/accounts/v2/expenses", [
        ("expense[date]", "2024-06-15"), ("expense[amount]", "12.00"), ("expense[bank_account_id]", str(bank["id"])),
        ("expense[expense_type_id]", str(stationery["id"])), ("expense[description]", "Paper"),
        ("expense[reference]", "EXP-1")]), 201)
    assert (expense["amount"], expense["expense_type"]["id"], expense["description"]) == \
        ("12.0", stationery["id"], "Paper")
    assert expense["transaction_type"]["displayed_as"]
    key = next(p for p in v31(v2, "/other_payments")["$items"] if p["legacy_id"] == expense["id"])["id"]
    payment = v31(v2, f"/other_payments/{key}")
    assert payment["transaction_type"]["id"] == "OTHER_PAYMENT"
    assert payment["payment_lines"][0]["ledger_account"]["legacy_id"] == stationery["id"]
    sales = next(a for a in v2.ok(v2.get("/accounts/v2/income_types", **{"$itemsPerPage": "200"}))["$resources"]
                 if a["nominal_code"] == 4000)
    income = v2.ok(v2.call("POST", "/accounts/v2/incomes", [
        ("income[date]", "2024-06-15"), ("income[amount]", "30.00"), ("income[bank_account_id]", str(bank["id"])),
        ("income[income_type_id]", str(sales["id"]))]), 201)
    assert v31(v2, "/other_payments")["$total"] == 2
    assert [e["id"] for e in v2.ok(v2.get("/accounts/v2/expenses"))["$resources"]] == [expense["id"]]
    assert [i["id"] for i in v2.ok(v2.get("/accounts/v2/incomes"))["$resources"]] == [income["id"]]
    assert v2.ok(v2.get(f"/accounts/v2/incomes/{income['id']}"))["income_type"]["id"] == sales["id"]
    diagnoses(v2.get(f"/accounts/v2/incomes/{expense['id']}"), 404)
    diagnoses(v2.call("DELETE", f"/accounts/v2/incomes/{expense['id']}"), 404)
    expense_types = {a["id"] for a in v2.ok(v2.get("/accounts/v2/expense_types", **{"$itemsPerPage": "200"}))
                     ["$resources"]}
    assert stationery["id"] in expense_types and sales["id"] not in expense_types


def test_core_business_user_relationships_and_me(v2: V2, factory: Factory) -> None:
    books = v2.books
    business = v2.ok(v2.get("/core/v2/business"))
    assert (business["name"], business["id"]) == (books.business.name, books.business.legacy_id)
    user = v2.ok(v2.get("/core/v2/user"))
    assert (user["email"], user["first_name"]) == (books.owner.email, books.owner.first_name)
    second = factory.business(books.owner, name="Second Ltd")
    relationships = v2.ok(v2.get("/core/v2/business_relationships"))
    assert relationships["$totalResults"] == 2
    assert {b["id"] for b in relationships["$resources"]} == {books.business.legacy_id, second.legacy_id}
    me = v2.ok(v2.get("/core/v2/me"))
    assert (me["business"]["id"], me["user"]["email"]) == (business["id"], user["email"])
    renamed = v2.ok(v2.call("PUT", "/core/v2/user", [("user[last_name]", "Byron")]))
    assert renamed["last_name"] == "Byron"


def test_lookups_settings_and_unknown_paths(v2: V2) -> None:
    countries = v2.ok(v2.get("/accounts/v2/countries", **{"$itemsPerPage": "200"}))["$resources"]
    gb = next(c for c in countries if c["displayed_as"].startswith("United Kingdom"))
    assert isinstance(gb["id"], int)
    assert v2.ok(v2.get(f"/accounts/v2/countries/{gb['id']}"))["displayed_as"] == gb["displayed_as"]
    assert v2.ok(v2.get("/accounts/v2/account_types"))["$totalResults"] > 0
    assert "year_end_date" in v2.ok(v2.get("/accounts/v2/financial_settings"))
    assert diagnoses(v2.get("/accounts/v2/nothing_here"), 404)[0]["$dataCode"] == "RouteNotFound"
    assert diagnoses(v2.get("/core/v2/nothing_here"), 404)[0]["$dataCode"] == "RouteNotFound"
    assert diagnoses(v2.call("POST", "/accounts/v2/countries", [("country[name]", "x")]), 405)


def test_a_read_only_token_reads_but_changes_nothing(v2: V2) -> None:
    v2.token = v2.books.factory.legacy_token(v2.books.owner, v2.books.business, api="v2", app=v2.app,
                                             scope="readonly")["access_token"]
    assert v2.ok(v2.get("/accounts/v2/contacts"))["$totalResults"] == 0
    assert diagnoses(v2.call("POST", "/accounts/v2/contacts", [("contact[name]", "x")]), 403)
    assert diagnoses(v2.call("PUT", "/core/v2/business", [("business[website]", "https://example.com/")]), 403)


def test_the_business_is_updated_by_its_owner(v2: V2) -> None:
    updated = v2.ok(v2.call("PUT", "/core/v2/business", [("business[address_line_1]", "23 Acacia Ave."),
                                                         ("business[website]", "https://example.com/")]))
    assert (updated["id"], updated["address_line_1"]) == (v2.books.business.legacy_id, "23 Acacia Ave.")
    assert v31(v2, f"/businesses/{v2.books.business.id}")["website"] == "https://example.com/"
