"""`/addresses`: the addresses of contacts (and bank accounts); the rules are in contacts/addresses.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.pipeline import BusinessCall, Call, Result
from ledgerd.api.presenters import ADDRESS_RECORD, bank_account_links, contact_links
from ledgerd.api.resource import Resource, forget
from ledgerd.banking import service as banking
from ledgerd.contacts import addresses as address_rules
from ledgerd.contacts.models import Address
from ledgerd.contacts.schemas import AddressCreate, AddressUpdate


def _create(call: BusinessCall, body: AddressCreate) -> Address:
    return address_rules.create(call.db, call.business.id, body, bank_account_found=banking.has_bank_account)


def _update(call: Call, address: Address, body: AddressUpdate) -> Address:
    return address_rules.update(call.db, address, body)


def _delete(call: BusinessCall, address: Address) -> Result | None:
    address_rules.before_delete(call.db, address)
    forget(call, ADDRESSES, address)
    return None


def present(call: Call, addresses: Sequence[Address]) -> list[dict[str, Any]]:
    contacts = contact_links(call.db, [a.contact_id for a in addresses])
    banks = bank_account_links(call.db, [a.bank_account_id for a in addresses])
    return [ADDRESS_RECORD(a, {
        "$path": f"/addresses/{a.id}", "deleted_at": None,
        "bank_account": banks.get(a.bank_account_id) if a.bank_account_id else None,
        "contact": contacts.get(a.contact_id) if a.contact_id else None,
    }) for a in addresses]


ADDRESSES: Resource[Address] = Resource(
    path="addresses", wrapper="address", model=Address, present=present, displayed_as=lambda a: a.displayed_as,
    filters={"contact_id": lambda v: Address.contact_id == v,
             "bank_account_id": lambda v: Address.bank_account_id == v},
    create=_create, create_body=AddressCreate, update=_update, update_body=AddressUpdate, delete=_delete,
)

routes: list[BaseRoute] = resource.routes(ADDRESSES)
