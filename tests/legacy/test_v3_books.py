"""API v3 on the same books as v3.1: records, v3's own behaviours (omitted tax_amount, attachment files, unposted
transactions) and the core endpoints' shapes."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from ledgerd.ledger.models import LedgerAccount
from tests.legacy.conftest import V3, v3_caller
from tests.support.factories import Factory


def _account(v3: V3, code: int) -> str:
    found = v3.factory.tx(lambda db: db.scalar(select(LedgerAccount.id).where(
        LedgerAccount.business_id == v3.business.id, LedgerAccount.nominal_code == code)))
    assert found is not None
    return str(found)


def _invoice(v3: V3, line: dict[str, Any]) -> dict[str, Any]:
    customer = v3.request("POST", "/contacts", json={"contact": {"name": "Tax Customer",
                                                                 "contact_type_ids": ["CUSTOMER"]}}).json()
    return {"sales_invoice": {"contact_id": customer["id"], "date": "2024-06-15", "invoice_lines": [
        {"description": "Work", "ledger_account_id": _account(v3, 4000), "quantity": "3", "unit_price": "33.33",
         "tax_rate_id": "GB_STANDARD", **line}]}}


def test_a_contact_made_in_v3_is_the_same_record_in_v31(v3: V3) -> None:
    made = v3.request("POST", "/contacts", json={"contact": {"name": "Joe Bloggs", "contact_type_ids": ["CUSTOMER"]}})
    assert made.status_code == 201, made.text
    contact = made.json()
    assert contact["$path"] == f"/contacts/{contact['id']}"
    seen = v3.v31("GET", f"/contacts/{contact['id']}", params={"show_legacy_id": "true"}).json()
    assert seen["id"] == contact["id"] and seen["name"] == "Joe Bloggs"
    again = v3.get(f"/contacts/{contact['id']}", params={"show_legacy_id": "true"}).json()
    assert again["legacy_id"] == seen["legacy_id"]


def test_an_omitted_tax_amount_is_filled_in_v3_and_refused_in_v31(v3: V3) -> None:
    body = _invoice(v3, {})
    refused = v3.v31("POST", "/sales_invoices", json=body)
    assert refused.status_code == 422
    assert refused.json()[0]["$source"] == "invoice_lines[0].tax_amount"
    made = v3.request("POST", "/sales_invoices", json=body)
    assert made.status_code == 201, made.text
    line = made.json()["invoice_lines"][0]
    assert (line["net_amount"], line["tax_amount"]) == ("99.99", "20.0")  # 99.99 x 20 % = 19.998, to the cent


def test_a_sent_tax_amount_is_checked_as_in_v31(v3: V3) -> None:
    wrong = v3.request("POST", "/sales_invoices", json=_invoice(v3, {"tax_amount": "5.00"}))
    assert wrong.status_code == 422 and "expected 20.00" in wrong.json()[0]["$message"]


def test_v3_names_an_errors_source_inside_the_bodys_wrapper(v3: V3) -> None:
    # Sage's v3 answer (auth-and-legacy §6.7): "$source":"contact[contact_type_ids]"; v3.1 names the attribute alone.
    body = {"contact": {"name": "Nobody", "contact_type_ids": ["NOT_A_TYPE"]}}
    v31 = v3.v31("POST", "/contacts", json=body)
    old = v3.request("POST", "/contacts", json=body)
    assert (v31.status_code, old.status_code) == (422, 422)
    assert (v31.json()[0]["$source"], old.json()[0]["$source"]) == ("contact_type_ids[0]",
                                                                     "contact[contact_type_ids][0]")
    assert old.json()[0]["$message"] == v31.json()[0]["$message"]
    # A line's attribute: `invoice_lines[0].ledger_account_id` in v3.1 is
    # `sales_invoice[invoice_lines][0][ledger_account_id]` in v3.
    line = _invoice(v3, {"tax_amount": "20.00", "ledger_account_id": "0" * 32})
    assert v3.v31("POST", "/sales_invoices", json=line).json()[0]["$source"] == "invoice_lines[0].ledger_account_id"
    assert v3.request("POST", "/sales_invoices", json=line).json()[0]["$source"] == \
        "sales_invoice[invoice_lines][0][ledger_account_id]"
    # Reads keep their errors as they are.
    assert v3.get("/contacts/" + "0" * 32).json()[0]["$source"] == v3.v31("GET", "/contacts/" + "0" * 32).json()[0][
        "$source"]


def test_an_omitted_tax_amount_on_an_update_takes_the_documents_date(v3: V3) -> None:
    made = v3.request("POST", "/sales_invoices", json=_invoice(v3, {"tax_amount": "20.00"})).json()
    new_line = {"description": "More", "ledger_account_id": _account(v3, 4000), "quantity": "1",
                "unit_price": "10", "tax_rate_id": "GB_LOWER"}
    lines = [{"id": made["invoice_lines"][0]["id"]}, new_line]
    refused = v3.v31("PUT", f"/sales_invoices/{made['id']}", json={"sales_invoice": {"invoice_lines": lines}})
    assert refused.status_code == 422
    updated = v3.request("PUT", f"/sales_invoices/{made['id']}", json={"sales_invoice": {"invoice_lines": lines}})
    assert updated.status_code == 200, updated.text
    assert [line["tax_amount"] for line in updated.json()["invoice_lines"]] == ["20.0", "0.5"]


def test_an_attachment_file_needs_no_accept_header_in_v3(v3: V3) -> None:
    contact = v3.request("POST", "/contacts", json={"contact": {"name": "Filed", "contact_type_ids": ["CUSTOMER"]}})
    attachment = v3.request("POST", "/attachments", json={"attachment": {
        "file": base64.b64encode(b"%PDF-1.4 hello").decode(), "file_name": "a.pdf", "mime_type": "application/pdf",
        "description": "A", "file_extension": ".pdf", "attachment_context_type_id": "CONTACT",
        "attachment_context_id": contact.json()["id"]}})
    assert attachment.status_code == 201, attachment.text
    key = attachment.json()["id"]
    assert v3.v31("GET", f"/attachments/{key}/file").status_code == 406
    answer = v3.get(f"/attachments/{key}/file")
    assert answer.status_code == 200 and answer.content == b"%PDF-1.4 hello"


def _bank(v3: V3) -> str:
    made = v3.request("POST", "/bank_accounts", json={"bank_account": {
        "bank_account_type_id": "CHECKING", "bank_account_details": {"account_name": "Current"}}})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_unposted_transactions_are_the_bank_lines_no_reconciliation_took(v3: V3) -> None:
    bank = _bank(v3)
    payment = v3.request("POST", "/other_payments", json={"other_payment": {
        "transaction_type_id": "OTHER_RECEIPT", "date": "2024-06-10", "total_amount": "120.00", "bank_account_id": bank,
        "reference": "Cash sale", "payment_lines": [{"ledger_account_id": _account(v3, 4000), "total_amount": "120.00",
                                                     "net_amount": "100.00", "tax_amount": "20.00",
                                                     "tax_rate_id": "GB_STANDARD", "details": "Cash sale"}]}})
    assert payment.status_code == 201, payment.text
    listed = v3.get("/unposted_transactions", params={"bank_account_id": bank, "attributes": "all"}).json()
    assert listed["$total"] == 1
    line = listed["$items"][0]
    assert (line["transaction_date"], line["amount"], line["bank_account"]["id"]) == ("2024-06-10", "120.0", bank)
    assert line["$path"] == f"/unposted_transactions/{line['id']}"
    assert v3.get(f"/unposted_transactions/{line['id']}").json()["amount"] == "120.0"
    assert v3.v31("GET", "/unposted_transactions").status_code == 404  # v3 only
    reconciled = v3.request("POST", "/bank_reconciliations", json={"bank_reconciliation": {
        "bank_account_id": bank, "statement_date": "2024-06-30", "statement_end_balance": "120.00",
        "status_id": "RECONCILED"}})
    assert reconciled.status_code == 201, reconciled.text
    assert v3.get("/unposted_transactions", params={"bank_account_id": bank}).json()["$total"] == 0
    assert v3.get(f"/unposted_transactions/{line['id']}").status_code == 404


def test_unposted_transactions_are_not_offered_in_germany(client: TestClient, factory: Factory) -> None:
    germany = v3_caller(client, factory, "DE")
    response = germany.get("/unposted_transactions")
    assert response.status_code == 404 and response.json()[0]["$dataCode"] == "RouteNotFound"


CORE_ENTITY = ["id", "displayed_as", "created_at", "updated_at", "business_owner"]


def test_the_core_endpoints_have_v3s_shapes(v3: V3) -> None:
    business = v3.get("/business", api="core").json()
    assert list(business) == [*CORE_ENTITY, "name", "address_line_1", "address_line_2", "city", "postal_code",
                              "country", "region", "telephone", "mobile", "website", "is_demo", "subscriptions"]
    assert business["id"] == v3.business.id and business["business_owner"] is True
    assert business["country"]["$path"] == "/countries/GB"
    assert list(business["subscriptions"][0]) == [*CORE_ENTITY, "active"]
    user = v3.get("/user", api="core").json()
    assert list(user) == [*CORE_ENTITY, "first_name", "last_name", "initials", "email", "locale"]
    assert user["id"] == v3.user.id
    assert v3.get("/me", api="core").json() == {"business": business, "user": user}
    other = v3.factory.business(v3.user, name="Second", country="IE")
    relationships = v3.get("/business_relationships", api="core").json()
    assert isinstance(relationships, list)
    assert sorted(b["id"] for b in relationships) == sorted([v3.business.id, other.id])
    assert v3.request("PUT", "/user", api="core").status_code == 405
    assert v3.get("/nothing", api="core").status_code == 404
