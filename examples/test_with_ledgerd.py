"""Testing an integration against ledgerd with the pytest kit: a complete example.

`pip install ledgerd` registers the kit's fixtures with pytest; nothing else is needed. The first test that asks
for one starts a real `ledgerd serve` on a free port over a temporary SQLite file, and the session shares it:

    ledgerd_server    the server: its `url`, `endpoints` and the kit's app (`client_id`, `client_secret`)
    ledgerd_business  a fresh business for each test, owned by a new account
    ledgerd_token     a real token pair of its owner (the authorization code flow with PKCE)
    ledgerd_client    `ledgerd.client.api.SageClient` with that pair and the business in X-Business

The code under test would normally get its URLs from configuration; here it is the client itself.
"""

from __future__ import annotations

from ledgerd.client.admin import Admin
from ledgerd.client.api import SageClient, new_idempotency_id
from ledgerd.client.errors import NotFound, Unprocessable
from ledgerd.client.oauth import TokenSet
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
    try:
        ledgerd_client.post("/contacts", {"contact": {"contact_type_ids": ["CUSTOMER"]}})
    except Unprocessable as refused:
        assert refused.status == 422 and refused.problems[0].source.endswith("name")
    else:
        raise AssertionError("a contact without a name was accepted")
    try:
        ledgerd_client.get("/contacts/00000000000000000000000000000000")
    except NotFound as missing:
        assert missing.code and missing.request_id
    else:
        raise AssertionError("a contact that does not exist was found")


def test_page_through_a_list(ledgerd_client: SageClient) -> None:
    for n in range(7):
        ledgerd_client.post("/contacts", {"contact": {"name": f"Supplier {n}", "contact_type_ids": ["VENDOR"]}})
    pages = list(ledgerd_client.pages("/contacts", {"contact_type_id": "VENDOR", "items_per_page": 3}))
    assert [len(page["$items"]) for page in pages] == [3, 3, 1]
    names = {contact["displayed_as"] for contact in ledgerd_client.items("/contacts", {"contact_type_id": "VENDOR"})}
    assert len(names) == 7


def test_each_test_has_its_own_business(ledgerd_server: LedgerdServer, ledgerd_business: Business,
                                        ledgerd_token: TokenSet) -> None:
    with SageClient(ledgerd_token, ledgerd_server.oauth(), business=ledgerd_business.id) as client:
        assert client.get("/contacts")["$total"] == 0
        assert [b["id"] for b in client.items("/businesses")] == [ledgerd_business.id]


def test_the_admin_api_sees_the_business(ledgerd_admin: Admin, ledgerd_business: Business) -> None:
    listed = next(b for b in ledgerd_admin.businesses(owner=ledgerd_business.owner.email))
    assert listed["id"] == ledgerd_business.id and listed["contacts"] == 0
