"""Testing an integration against ledgerd with the pytest kit: a complete example.

`pip install ledgerd` registers the kit's fixtures with pytest; nothing else is needed. The first test that asks
for one starts a real `ledgerd serve` on a free port over a temporary SQLite file, and the session shares it:

    ledgerd_server    the server: its `url`, `endpoints` and the kit's app (`client_id`, `client_secret`)
    ledgerd_business  a fresh business for each test
    ledgerd_token     a real token pair of its owner (the authorization code flow with PKCE)
    ledgerd_client    `ledgerd.client.api.SageClient` with that pair and the business in X-Business
    ledgerd_clock     the server's clock (freeze, advance, resume), back on the wall clock after each test
    ledgerd_faults    the server's fault rules (add, rules, clear), cleared after each test
    ledgerd_journal   the requests this test made, as the server's request journal recorded them
    ledgerd_admin     `ledgerd.client.admin.Admin`: the whole admin API

The code under test would normally get its URLs and credentials from configuration (`ledgerd_server.endpoints`,
`client_id`, `client_secret`, the pair from `ledgerd_token`); here the client stands in for it.
"""

from __future__ import annotations

import pytest

from ledgerd.client.admin import Admin
from ledgerd.client.api import SageClient, new_idempotency_id
from ledgerd.client.errors import NotFound, RateLimited, ServerError, Unauthorized, Unprocessable
from ledgerd.client.oauth import TokenSet
from ledgerd.testing.controls import Clock, Faults, Journal
from ledgerd.testing.server import Business, LedgerdServer


def sales_account(client: SageClient) -> str:
    """The id of the business's sales ledger account 4000 (every new GB business has one)."""
    accounts = client.items("/ledger_accounts", {"visible_in": "sales", "attributes": "nominal_code",
                                                 "items_per_page": 200})
    return next(account["id"] for account in accounts if account["nominal_code"] == 4000)


def test_create_a_contact_and_invoice_it(ledgerd_client: SageClient) -> None:
    customer = ledgerd_client.post("/contacts", {"contact": {
        "name": "Ada Lovelace Ltd", "contact_type_ids": ["CUSTOMER"], "reference": "ADA"}})
    invoice = ledgerd_client.post("/sales_invoices", {"sales_invoice": {
        "contact_id": customer["id"], "date": "2024-06-15",
        "invoice_lines": [{"description": "Analytical engine programming", "ledger_account_id":
                           sales_account(ledgerd_client), "quantity": "3", "unit_price": "125.50",
                           "tax_rate_id": "GB_STANDARD", "tax_amount": "75.30"}]}},
        idempotency_id=new_idempotency_id())
    assert invoice["contact"]["id"] == customer["id"]
    assert (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"]) == ("376.5", "75.3", "451.8")
    assert ledgerd_client.get(f"/sales_invoices/{invoice['id']}")["status"]["id"] == "UNPAID"


def test_sage_errors_are_exceptions(ledgerd_client: SageClient) -> None:
    with pytest.raises(Unprocessable) as refused:
        ledgerd_client.post("/contacts", {"contact": {"contact_type_ids": ["CUSTOMER"]}})
    assert refused.value.status == 422 and refused.value.problems[0].source.endswith("name")
    with pytest.raises(NotFound) as missing:
        ledgerd_client.get("/contacts/00000000000000000000000000000000")
    assert missing.value.code and missing.value.request_id  # X-Request-Id: what Sage's support asks for


def test_page_through_a_list(ledgerd_client: SageClient) -> None:
    for n in range(7):
        ledgerd_client.post("/contacts", {"contact": {"name": f"Supplier {n}", "contact_type_ids": ["VENDOR"]}})
    pages = list(ledgerd_client.pages("/contacts", {"contact_type_id": "VENDOR", "items_per_page": 3}))
    assert [len(page["$items"]) for page in pages] == [3, 3, 1]
    names = {contact["displayed_as"] for contact in ledgerd_client.items("/contacts", {"contact_type_id": "VENDOR"})}
    assert len(names) == 7


def test_each_test_has_a_fresh_business(ledgerd_server: LedgerdServer, ledgerd_business: Business,
                                        ledgerd_token: TokenSet) -> None:
    with SageClient(ledgerd_token, ledgerd_server.oauth(), business=ledgerd_business.id) as client:
        assert client.get("/contacts")["$total"] == 0
        assert ledgerd_business.id in [b["id"] for b in client.items("/businesses")]


def test_an_expired_access_token_is_refreshed(ledgerd_client: SageClient, ledgerd_token: TokenSet,
                                              ledgerd_clock: Clock) -> None:
    ledgerd_clock.advance("6m")  # access tokens live 5 minutes
    with SageClient(ledgerd_token, api_url=ledgerd_client.api_url) as stale:  # the same pair, never refreshed
        with pytest.raises(Unauthorized) as refused:
            stale.get("/user")
        assert refused.value.message == "The access token has expired."
    # The client meets the same 401, refreshes once, sends the call again and keeps the rotated pair.
    assert ledgerd_client.get("/contacts")["$total"] == 0
    assert ledgerd_client.tokens.refresh_token != ledgerd_token.refresh_token


def test_rate_limited_then_served(ledgerd_client: SageClient, ledgerd_faults: Faults) -> None:
    ledgerd_faults.add(preset="rate_limit", path="/v3.1/contacts*", times=1, retry_after=1)
    with pytest.raises(RateLimited) as limited:
        ledgerd_client.get("/contacts")
    assert limited.value.status == 429 and limited.value.retry_after == 1.0
    assert ledgerd_client.get("/contacts")["$total"] == 0  # the rule was for one call


def test_retries_ride_out_a_bad_minute(ledgerd_client: SageClient, ledgerd_faults: Faults) -> None:
    ledgerd_faults.add(status=503, times=2, retry_after=0)
    customer = ledgerd_client.post("/contacts", {"contact": {"name": "Patient Ltd", "contact_type_ids": ["CUSTOMER"]}},
                                   idempotency_id=new_idempotency_id(), retries=3)
    assert customer["name"] == "Patient Ltd"
    assert [rule["fired"] for rule in ledgerd_faults.rules()] == [2]
    ledgerd_faults.add(status=500)
    with pytest.raises(ServerError) as failed:
        ledgerd_client.get("/contacts")
    assert failed.value.code == "UnexpectedError"


def test_the_journal_shows_what_was_sent(ledgerd_client: SageClient, ledgerd_business: Business,
                                         ledgerd_journal: Journal) -> None:
    answer = ledgerd_client.request("POST", "/contacts", json={"contact": {
        "name": "Journalled Ltd", "contact_type_ids": ["CUSTOMER"]}})
    entry = ledgerd_journal.request(answer.headers["X-Request-Id"])  # the id a log line or a bug report carries
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/v3.1/contacts", 201)
    assert ledgerd_journal.header(entry["request"], "Authorization") == "Bearer [redacted]"  # never the token
    assert "Journalled Ltd" in entry["request"]["body"]
    with pytest.raises(Unprocessable) as refused:
        ledgerd_client.post("/contacts", {"contact": {"contact_type_ids": ["CUSTOMER"]}})
    # Only this test's requests: the earlier tests' are in the journal too, before the mark.
    made = ledgerd_journal.entries(business=ledgerd_business.id)
    assert [(e["status"], e["request_id"]) for e in made] == [(422, refused.value.request_id),
                                                               (201, entry["request_id"])]
    assert [e["id"] for e in ledgerd_journal.entries(status="4xx")] == [made[0]["id"]]


def test_the_admin_api_sees_the_business(ledgerd_admin: Admin, ledgerd_business: Business) -> None:
    listed = next(b for b in ledgerd_admin.businesses() if b["id"] == ledgerd_business.id)
    assert listed["name"] == ledgerd_business.name and listed["contacts"] == 0
