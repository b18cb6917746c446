"""Nested shapes and link objects that several resources put on the wire, each built in one place.

Sage's Address (inside a contact, a bank account or a document, and the `/addresses` record itself) and the
links to transactions, bank accounts, contacts and documents. Services hand over rows and ids; how they look
on the wire is decided here and in the per-resource modules (api/resources/).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Artefact
from ledgerd.banking.models import BankAccount
from ledgerd.contacts.models import Address, Contact, ContactPerson, contact_label
from ledgerd.lookups import lists

# A reference-list link: `lookups.lists.link`, or a page's cache of it (artefact_wire.Batch.link).
Link = Callable[[str, str | None], dict[str, str] | None]

# Sage's BankAccountDetails, in its order (a contact's and a bank account's).
BANK_DETAIL_KEYS = ("account_name", "account_number", "sort_code", "bic", "iban")

# Sage's Address definition, in its order.
ADDRESS = ("id", "displayed_as", "$path", "address_line_1", "address_line_2", "city", "postal_code", "country",
           "deleted_at", "created_at", "updated_at", "bank_account", "contact", "address_type", "name", "region",
           "country_group", "is_main_address")
# Keys that link to a reference list, from the stored `<key>_id`.
_LISTED = {"country": "countries", "address_type": "address_types", "country_group": "country_groups"}


class AddressShape:
    """Sage's Address with `keys` (in the definition's order) from a stored address: an `Address` row or the
    dict copied onto a document or a bank account. `given` supplies keys the address does not hold (`$path`,
    owners); a missing text reads as ""."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        positions = [ADDRESS.index(key) for key in keys]
        assert positions == sorted(positions), "keys must follow Sage's Address order"
        self._plan = tuple((key, _LISTED.get(key), f"{key}_id") for key in keys)

    def __call__(self, source: Mapping[str, Any] | object, given: Mapping[str, Any] | None = None,
                 link: Link = lists.link) -> dict[str, Any]:
        get: Callable[[str, Any], Any] = source.get if isinstance(source, Mapping) else partial(getattr, source)
        out: dict[str, Any] = {}
        for key, listed, stored in self._plan:
            if given is not None and key in given:
                out[key] = given[key]
            elif listed is not None:
                out[key] = link(listed, get(stored, None))
            else:
                out[key] = get(key, "")
        return out


# The `/addresses` record.
ADDRESS_RECORD = AddressShape(ADDRESS)
# A contact's main or delivery address, and the copies on a document (SalesArtefactAddress less deleted_at).
NESTED_ADDRESS = AddressShape(("id", "displayed_as", "$path", "address_line_1", "address_line_2", "city",
                               "postal_code", "country", "address_type", "region", "country_group"))


def address_link(address: Address) -> dict[str, str]:
    return {"id": address.id, "displayed_as": address.displayed_as, "$path": f"/addresses/{address.id}"}


def person_link(person: ContactPerson) -> dict[str, str]:
    return {"id": person.id, "displayed_as": person.displayed_as, "$path": f"/contact_persons/{person.id}"}


def transaction_link(transaction_id: str | None, shown: str) -> dict[str, str] | None:
    if transaction_id is None:
        return None
    return {"id": transaction_id, "displayed_as": shown, "$path": f"/transactions/{transaction_id}"}


def bank_account_links(db: Session, bank_account_ids: Iterable[str | None]) -> dict[str, dict[str, str]]:
    """Link objects of bank accounts, displayed like Sage's: the ledger account's "name (code)"; one query."""
    ids = {i for i in bank_account_ids if i}
    if not ids:
        return {}
    return {b.id: {"id": b.id, "displayed_as": b.displayed_as, "$path": f"/bank_accounts/{b.id}"}
            for b in db.scalars(select(BankAccount).where(BankAccount.id.in_(ids)))}


def contact_link(contact_id: str, name: str, reference: str | None) -> dict[str, str]:
    return {"id": contact_id, "displayed_as": contact_label(name, reference), "$path": f"/contacts/{contact_id}"}


def contact_links(db: Session, contact_ids: Iterable[str | None]) -> dict[str, dict[str, str]]:
    """Link objects of contacts, by id; one query."""
    ids = {i for i in contact_ids if i}
    if not ids:
        return {}
    contacts = db.scalars(select(Contact).where(Contact.id.in_(ids)))
    return {c.id: contact_link(c.id, c.name, c.reference) for c in contacts}


# Where each kind of document is served, for the links to documents of any kind (the other side of an
# allocation, a payment's documents).
PATHS = {
    "SALES_INVOICE": "sales_invoices", "SALES_CREDIT_NOTE": "sales_credit_notes",
    "PURCHASE_INVOICE": "purchase_invoices", "PURCHASE_CREDIT_NOTE": "purchase_credit_notes",
    "CUSTOMER_OPENING_BALANCE_INVOICE": "contact_opening_balances",
    "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE": "contact_opening_balances",
    "VENDOR_OPENING_BALANCE_INVOICE": "contact_opening_balances",
    "VENDOR_OPENING_BALANCE_CREDIT_NOTE": "contact_opening_balances",
    "CUSTOMER_PAYMENT_ON_ACCOUNT": "unallocated_artefacts", "VENDOR_PAYMENT_ON_ACCOUNT": "unallocated_artefacts",
    "SALES_QUICK_ENTRY_INVOICE": "sales_quick_entries", "SALES_QUICK_ENTRY_CREDIT_NOTE": "sales_quick_entries",
    "PURCHASE_QUICK_ENTRY_INVOICE": "purchase_quick_entries",
    "PURCHASE_QUICK_ENTRY_CREDIT_NOTE": "purchase_quick_entries",
}
LABELS = {"CUSTOMER_PAYMENT_ON_ACCOUNT": "Payment on Account", "VENDOR_PAYMENT_ON_ACCOUNT": "Payment on Account"}


def artefact_link(artefact: Artefact) -> dict[str, Any]:
    """Sage's `Generic` link for a document of any kind (`links` included)."""
    shown = (artefact.document_number or artefact.reference or artefact.vendor_reference
             or LABELS.get(artefact.kind, artefact.kind))
    return {"id": artefact.id, "displayed_as": shown,
            "$path": f"/{PATHS.get(artefact.kind, 'artefacts')}/{artefact.id}", "links": []}
