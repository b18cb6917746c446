"""How to make one valid request of each operation: the table the conformance suite runs.

A `Recipe` says what an operation needs: the record its `{key}` names (made in the tenant first), the
body, the query parameters and the country of the business. Most recipes are not written out:

* a resource in `ledgerd.api.resource.REGISTRY` gets its requests from the contract examples
  (`tests/contract/examples.py`): create/update bodies, delete parameters, country;
* a list without a resource spec (a static list) is read as is, and its `{key}` is its first item.

Everything else (settings singletons, actions such as `/release`, files, the core endpoints) is written
in `RECIPES` below, keyed by `"METHOD /path"`. An operation ledgerd routes that no recipe covers fails
its test, naming this file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import ledgerd.app  # noqa: F401 - importing the app fills REGISTRY
from ledgerd.api.resource import REGISTRY
from tests.conformance.operations import Operation
from tests.conformance.world import HEX_ID
from tests.contract.books import Body, Books
from tests.contract.examples import EXAMPLES, Example, customer, sales_credit_note, sales_invoice

Key = Callable[[Books], str]
Params = Mapping[str, str]


@dataclass(frozen=True)
class Recipe:
    # The `{key}` of the path, made (or found) in the tenant.
    key: Key | None = None
    # The request body, given the tenant and the key (None: no body).
    body: Callable[[Books, str | None], Body | None] | None = None
    params: Callable[[Books, str | None], Params] | Params = field(default_factory=dict)
    # The business's country (None: the operation's own, see `country`).
    country: str | None = None
    # The key names a record of the tenant (so another tenant must get 404 for it), not a shared list item.
    # None: decided by the key itself (`owned`).
    owned: bool | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def query(self, books: Books, key: str | None) -> dict[str, str]:
        return dict(self.params(books, key) if callable(self.params) else self.params)


# --- keys ----------------------------------------------------------------------------------------------------

def record(path: str) -> Key:
    """One record of a resource, made once per tenant (by its example) and shared by every read."""
    def make(books: Books) -> str:
        return books.once(f"record:{path}", lambda: fresh(path)(books))

    return make


def fresh(path: str) -> Key:
    """A new record of a resource on every call (for writes that change or remove it); for a resource
    without POST, whose records come from something else (or are seeded), the first record."""
    def make(books: Books) -> str:
        example = EXAMPLES[path]
        if example.create is not None:
            return str(books.create(path, example.create(books))["id"])
        assert example.make is not None, path
        if books.get(f"/{path}", items_per_page=1).json()["$total"] == 0:
            example.make(books)
        return first(path)(books)

    return make


def first(path: str) -> Key:
    """The first item a list shows (a static list's, or a resource made by creating something else)."""
    def find(books: Books) -> str:
        response = books.get(f"/{path}", items_per_page=1)
        assert response.status_code == 200, f"GET /{path}: {response.status_code} {response.text}"
        items = response.json()["$items"]
        assert items, f"GET /{path} lists nothing to read"
        return str(items[0]["id"])

    return find


def draft(path: str, wrapper: str) -> Key:
    """A new draft of a sales or purchase document (its example's body with status DRAFT)."""
    def make(books: Books) -> str:
        example = EXAMPLES[path]
        assert example.create is not None
        body = example.create(books)
        body[wrapper]["status_id"] = "DRAFT"
        return str(books.create(path, body)["id"])

    return make


def _business(books: Books) -> str:
    return books.business_id


# --- defaults from the resource specs -------------------------------------------------------------------------

LIST = {"attributes": "all", "items_per_page": "5"}


def _update_body(path: str, example: Example) -> Callable[[Books, str | None], Body | None]:
    def body(books: Books, key: str | None) -> Body | None:
        assert example.update is not None
        made = books.get(f"/{path}/{key}").json()
        return example.update(books, made)

    return body


def _from_resource(op: Operation) -> Recipe | None:
    path = op.collection
    example = EXAMPLES.get(path)
    if path not in REGISTRY or example is None or op.path not in (f"/{path}", f"/{path}/{{key}}"):
        return None
    country = example.country if example.country != "GB" else None
    if op.method == "GET" and not op.keyed:
        return Recipe(key=record(path), params=LIST, country=country)
    if op.method == "GET":
        return Recipe(key=record(path), country=country)
    if op.method == "POST" and example.create is not None:
        create = example.create
        return Recipe(body=lambda books, _: create(books), country=country)
    if op.method == "PUT" and example.update is not None:
        return Recipe(key=fresh(path), body=_update_body(path, example), country=country)
    if op.method == "DELETE":
        return Recipe(key=fresh(path), params=example.delete_params, country=country)
    return None


def _static(op: Operation) -> Recipe | None:
    if op.method != "GET" or op.path not in (f"/{op.collection}", f"/{op.collection}/{{key}}"):
        return None
    if op.keyed:
        return Recipe(key=first(op.collection))
    # A resource spec's records belong to a business: make sure the tenant has one to list.
    return Recipe(key=first(op.collection) if op.collection in REGISTRY else None, params=LIST)


# --- written out ----------------------------------------------------------------------------------------------

def _release(path: str, wrapper: str) -> Recipe:
    return Recipe(key=draft(path, wrapper))


def _settings(wrapper: str, changes: Body) -> Recipe:
    return Recipe(body=lambda books, _: {wrapper: dict(changes)})


RECIPES: dict[str, Recipe] = {
    # core
    "GET /businesses": Recipe(),
    "GET /businesses/{key}": Recipe(key=_business),
    "PUT /businesses/{key}": Recipe(key=_business, body=lambda books, _: {"business": {
        "address_line_1": "23 Acacia Ave.", "mobile": "0777654321", "website": "https://example.com/"}}),
    "GET /user": Recipe(),
    "PUT /user": Recipe(body=lambda books, _: {"user": {"last_name": "Smith"}}),
    # actions
    "POST /sales_invoices/{key}/release": _release("sales_invoices", "sales_invoice"),
    "POST /sales_credit_notes/{key}/release": _release("sales_credit_notes", "sales_credit_note"),
    "POST /purchase_invoices/{key}/release": _release("purchase_invoices", "purchase_invoice"),
    "POST /purchase_credit_notes/{key}/release": _release("purchase_credit_notes", "purchase_credit_note"),
    "POST /journals/{key}/reissue": Recipe(key=fresh("journals"), body=lambda books, _: {"journal": {
        "reference": f"R-{books.number()}"}}),
    "GET /unallocated_artefacts/{key}": Recipe(key=lambda books: books.once(
        "record:unallocated", lambda: sales_credit_note(books))),
    "GET /bank_accounts/{key}/bank_feed": Recipe(key=record("bank_accounts")),
    "GET /attachments/{key}/file": Recipe(key=record("attachments"), headers={"Accept": "application/octet-stream"}),
    # Classes exist where the national chart numbers accounts by class (docs/decisions/ledger.md).
    "GET /ledger_account_classifications": Recipe(params=LIST, country="FR"),
    "GET /ledger_account_classifications/{key}": Recipe(key=first("ledger_account_classifications"), country="FR"),
    "GET /tax_determinations": Recipe(params=lambda books, _: {"usage": "sales", "contact_id": customer(books),
                                                              "attributes": "all"}),
    # settings singletons
    "PUT /financial_settings": _settings("financial_settings", {"accounts_start_date": "2024-01-01"}),
    "PUT /invoice_settings": _settings("invoice_settings", {"next_invoice_number": 1000}),
    "PUT /business_settings": _settings("business_settings", {"country_of_registration_id": "ENGLAND_AND_WALES"}),
    "PUT /cis_settings": _settings("cis_settings", {"contractor": False}),
    "PUT /datev_settings": _settings("datev_settings", {"tax_consultant_number": 1234567, "client_number": 12345}),
    "PUT /email_settings": _settings("email_settings", {"pdf_attached": True}),
    "PUT /migrations": _settings("migrations", {"source_product": "Sage 50 Accounts"}),
    "PUT /tax_profiles/{key}": Recipe(key=first("tax_profiles"), body=lambda books, _: {"tax_profile": {
        "collect_tax": True}}),
}

# List filters naming a tenant's record, and the parameters naming one of the tenant's (for the isolation
# matrix: another tenant filtering by them must match nothing).
Filter = Callable[[Books], dict[str, str]]


def _by(name: str, key: Key) -> Filter:
    return lambda books: {name: key(books)}


def _invoice(books: Books) -> str:
    return books.once("record:sales_invoice", lambda: sales_invoice(books))


FILTERS: dict[str, Filter] = {
    "contact_id": _by("contact_id", customer),
    "bank_account_id": _by("bank_account_id", lambda books: books.bank()),
    "ledger_account_id": _by("ledger_account_id", lambda books: books.account(4000)),
    "address_id": _by("address_id", record("addresses")),
    "transaction_id": _by("transaction_id", lambda books: books.once("record:transaction",
                                                                     lambda: _transaction(books))),
    "artefact_id": _by("artefact_id", _invoice),
    "object_guid": _by("object_guid", _invoice),
    "stock_item_id": _by("stock_item_id", record("stock_items")),
    # The context is named by its type and id together (the swagger: "must be used together").
    "attachment_context_id": lambda books: {"attachment_context_type_id": "CONTACT",
                                            "attachment_context_id": customer(books)},
}


def _transaction(books: Books) -> str:
    """The ledger transaction of a new journal."""
    create = EXAMPLES["journals"].create
    assert create is not None
    journal = books.create("journals", create(books))
    return str(books.get(f"/journals/{journal['id']}").json()["transaction"]["id"])


def owned(op: Operation, found: Recipe, key: str) -> bool:
    """Whether `key` names a record of one business: records have 32-hex ids (or, for a resource keyed by
    a natural key such as a currency code, live in a resource spec); shared lists use mnemonics."""
    if found.owned is not None:
        return found.owned
    spec = REGISTRY.get(op.collection)
    return HEX_ID.match(key) is not None or (spec is not None and spec.key_column is not None)


def country(op: Operation, found: Recipe) -> str:
    """The recipe's country, else GB where the swagger makes the operation available there, else the first
    country it names."""
    if found.country:
        return found.country
    return "GB" if not op.countries or "GB" in op.countries else sorted(op.countries)[0]


def recipe(op: Operation) -> Recipe | None:
    """The recipe of an operation: written out, else derived from its resource spec or static list."""
    return RECIPES.get(op.id) or _from_resource(op) or _static(op)
