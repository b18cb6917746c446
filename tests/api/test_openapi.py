"""ledgerd's own OpenAPI document and docs page: generated from the route table, true to the wire."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
import pytest
from starlette.testclient import TestClient

from ledgerd.api import openapi
from ledgerd.api.resource import REGISTRY
from tests.support import reference
from tests.support.books import Books
from tests.support.factories import Factory

ENVELOPE = ["$total", "$page", "$next", "$back", "$itemsPerPage", "$items"]


@pytest.fixture
def doc(client: TestClient) -> dict[str, Any]:
    response = client.get("/v3.1/openapi.json")  # no token: the document is public
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    found: dict[str, Any] = response.json()
    return found


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A validator for `schema` whose `#/components/...` references resolve in the document."""
    return jsonschema_rs.Draft202012Validator({**schema, "components": doc["components"]})


def _response_schema(doc: dict[str, Any], method: str, path: str, status: str = "200") -> dict[str, Any]:
    schema: dict[str, Any] = doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return schema


def test_every_routed_operation_is_documented(client: TestClient, doc: dict[str, Any]) -> None:
    routed = {f"{m} {r.path}" for r in openapi.api_routes(client.app.routes)  # type: ignore[attr-defined]
              for m in (r.methods or set()) - {"HEAD"}}
    documented = {f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item}
    assert documented == routed and len(routed) > 250
    assert {"GET /sales_corrective_invoices/{key}", "POST /purchase_corrective_invoices",
            "POST /sales_invoices/{key}/release"} <= documented
    assert "/openapi.json" not in doc["paths"] and "/docs" not in doc["paths"]
    assert doc["openapi"] == "3.1.0" and doc["servers"] == [{"url": "/v3.1"}]
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) and "getSalesInvoicesKey" in ids


def test_pipeline_facts_on_every_operation(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer",
                                                              "bearerFormat": "JWT"}
    assert doc["security"] == [{"bearer": []}]
    errors = doc["components"]["schemas"]["Errors"]
    assert errors["items"] == {"$ref": "#/components/schemas/Error"}
    assert doc["components"]["schemas"]["Error"]["required"] == ["$severity", "$dataCode", "$message", "$source"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            names = {(p["in"], p["name"]) for p in op["parameters"]}
            assert ("query", "show_legacy_id") in names, (method, path)
            if path != "/user" and not path.startswith("/businesses"):
                assert ("header", "X-Business") in names, (method, path)
            for status in ("400", "401", "403", "404", "422", "429", "500"):
                assert op["responses"][status] == {"$ref": f"#/components/responses/E{status}"}
    assert "X-Business" in doc["paths"]["/contacts"]["get"]["responses"]["200"]["headers"]


def test_resource_parameters_come_from_the_spec(doc: dict[str, Any]) -> None:
    params = {p["name"]: p["schema"] for p in doc["paths"]["/sales_corrective_invoices"]["get"]["parameters"]}
    assert {"page", "items_per_page", "attributes", "nested_attributes", "search", "sort", "from_date", "to_date",
            "contact_id", "status_id", "has_attachments", "updated_or_created_since", "deleted_since"} <= set(params)
    assert params["items_per_page"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert re.match(params["sort"]["pattern"], "due_date:desc") and not re.match(params["sort"]["pattern"], "x")
    read = {p["name"] for p in doc["paths"]["/contacts/{key}"]["get"]["parameters"]}
    assert {"key", "attributes", "nested_attributes"} <= read and "page" not in read
    assert "Offered to businesses in: ES" in doc["paths"]["/sales_corrective_invoices"]["post"]["description"]


def _query_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation["parameters"] if p["in"] == "query"}


def test_each_operation_declares_the_parameters_its_handler_is_given(client: TestClient,
                                                                     doc: dict[str, Any]) -> None:
    """The document lists what the route declares, and a handler is given nothing else (api/params.py): so the
    document names every parameter the server honours. A spec's route declares at least the engine's ones."""
    checked = 0
    for op in openapi.operations_of(client.app.routes):  # type: ignore[attr-defined]
        documented = _query_names(doc["paths"][op.path][op.method.lower()])
        assert documented == {p.name for p in op.route.query} | {"show_legacy_id"}, op.key
        # A spec's own route (not a plain one standing in for a disabled list or read) takes the engine's.
        if op.spec is not None and op.action is not None and getattr(op.spec, f"{op.action}_enabled", True):
            assert all(p in op.route.query for p in op.spec.params(op.action)), op.key
        checked += 1
    assert checked > 250


def test_every_parameter_of_sages_swagger_is_declared(doc: dict[str, Any]) -> None:
    """Sage's official v3.1 swagger: each query parameter of each operation is one ledgerd declares (and so
    honours, or checks and documents as changing nothing here: docs/decisions/openapi.md)."""
    missing = []
    for path, item in reference.swagger()["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "parameters" not in operation:
                continue
            official = {p["name"] for p in operation["parameters"] if p.get("in") == "query"}
            ours = doc["paths"].get(path, {}).get(method)
            assert ours is not None, (method, path)
            missing += [f"{method.upper()} {path} {name}" for name in sorted(official - _query_names(ours))]
    assert missing == []


def test_bodies_are_the_pydantic_models_parse_body_gets(doc: dict[str, Any]) -> None:
    body = doc["paths"]["/contacts"]["post"]["requestBody"]
    assert body["required"] is True
    wrapped = body["content"]["application/json"]["schema"]
    assert wrapped["required"] == ["contact"]
    assert wrapped["properties"]["contact"] == {"$ref": "#/components/schemas/ContactCreate"}
    put = doc["paths"]["/contacts/{key}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert put["properties"]["contact"] == {"$ref": "#/components/schemas/ContactUpdate"}
    # Plain routes too: the wrapper and model are those the route declares (`body=`).
    reissue = doc["paths"]["/journals/{key}/reissue"]["post"]["requestBody"]["content"]["application/json"]
    assert reissue["schema"]["properties"] == {"journal": {"$ref": "#/components/schemas/JournalReissue"}}
    assert "requestBody" not in doc["paths"]["/sales_invoices/{key}/release"]["post"]
    correction = doc["components"]["schemas"]["CorrectiveInvoiceIn"]["properties"]
    assert {"original_invoice_id", "corrective_reason_code_id", "invoice_lines"} <= set(correction)


def test_lists_are_envelopes_of_declared_records(doc: dict[str, Any]) -> None:
    listing = _response_schema(doc, "get", "/sales_invoices")
    assert listing["required"] == ENVELOPE
    record = listing["properties"]["$items"]["items"]["anyOf"][0]
    assert record == {"$ref": "#/components/schemas/SalesInvoice"}
    invoice = doc["components"]["schemas"]["SalesInvoice"]
    assert list(invoice["properties"])[:3] == ["id", "displayed_as", "$path"]
    assert invoice["required"] == ["id", "displayed_as", "$path"]
    # Decimals are strings on the wire, dates and timestamps strings with a format.
    assert invoice["properties"]["total_amount"] == {"type": ["string", "null"], "format": "decimal",
                                                     "pattern": "^-?[0-9]+\\.[0-9]+$"}
    assert invoice["properties"]["date"]["format"] == "date"
    assert invoice["properties"]["created_at"]["format"] == "date-time"
    for path in REGISTRY:  # every resource declares its records
        assert _response_schema(doc, "get", f"/{path}/{{key}}") != {"$ref": "#/components/schemas/Link"}, path


def test_real_answers_keep_the_document(client: TestClient, factory: Factory, doc: dict[str, Any]) -> None:
    books = Books.open(client, factory)
    customer = books.contact("CUSTOMER", name="Schema Check")
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-03-15", "invoice_lines": [
            {"description": "Work", "ledger_account_id": books.accounts[4000], "quantity": "2",
             "unit_price": "10.5", "tax_rate_id": "GB_STANDARD", "tax_amount": "4.20"}]})
    checks = [("get", "/sales_invoices", "/sales_invoices", {"attributes": "all"}),
              ("get", "/sales_invoices/{key}", f"/sales_invoices/{invoice['id']}", {}),
              ("get", "/contacts/{key}", f"/contacts/{customer}", {"nested_attributes": "all"}),
              ("get", "/sales_invoices", "/sales_invoices", {"deleted_since": "2000-01-01"}),
              ("get", "/financial_settings", "/financial_settings", {}),
              ("get", "/businesses", "/businesses", {}), ("get", "/user", "/user", {}),
              ("get", "/tax_rates", "/tax_rates", {"attributes": "all"})]
    for method, template, url, params in checks:
        response = books.get(url, **params)
        assert response.status_code == 200, response.text
        _validator(doc, _response_schema(doc, method, template)).validate(response.json())
    refused = books.post("/sales_invoices", {"sales_invoice": {"date": "nope"}})
    assert refused.status_code == 422
    _validator(doc, {"$ref": "#/components/schemas/Errors"}).validate(refused.json())
    wrong = _validator(doc, _response_schema(doc, "get", "/sales_invoices/{key}"))
    assert not wrong.is_valid({**invoice, "total_amount": 25.2})  # a number where the wire sends a string


def test_the_old_docs_page_moved_to_the_documentation_site(client: TestClient) -> None:
    moved = client.get("/v3.1/docs", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/docs/reference"


def test_summaries_say_what_operations_do_without_repeating_the_path(doc: dict[str, Any]) -> None:
    summaries = {f"{m.upper()} {p}": op["summary"] for p, item in doc["paths"].items() for m, op in item.items()}
    assert not [key for key, summary in summaries.items() if summary.startswith(key.split(" ")[0] + " /")]
    assert summaries["GET /contacts"] == "Returns all Contacts"
    assert summaries["GET /countries"] == "Returns all Countries"  # a list with no resource spec
    assert summaries["GET /countries/{key}"] == "Returns one of the Countries"
    assert summaries["PUT /financial_settings"] == "Updates the Financial Settings"  # a singleton
    assert summaries["POST /sales_invoices/{key}/release"] == "Release one of the Sales Invoices"
    assert summaries["GET /bank_accounts/{key}/bank_feed"] == "Returns the Bank Feed of one of the Bank Accounts"
