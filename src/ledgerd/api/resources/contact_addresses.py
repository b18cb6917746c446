"""`/addresses`: the addresses of contacts (and bank accounts), exactly one of them the main address.

Rules: an address belongs to one contact or one bank account for life; making an address main demotes
the owner's other main address; the main address cannot be un-made directly (make another one main);
deleting the main address promotes the owner's oldest remaining address; an address that contact
persons point at cannot be deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.pipeline import Call, Result
from ledgerd.api.presenters import ADDRESS_RECORD, bank_account_links, contact_links
from ledgerd.api.resource import Resource, forget
from ledgerd.api.validation import parse_body
from ledgerd.banking.models import BankAccount
from ledgerd.contacts.models import Address, Contact, ContactPerson
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.regions.data import lookup


class AddressUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    address_type_id: str | None = None
    name: str | None = Field(None, max_length=50)
    is_main_address: bool | None = None
    address_line_1: str | None = Field(None, max_length=50)
    address_line_2: str | None = Field(None, max_length=50)
    city: str | None = Field(None, max_length=50)
    postal_code: str | None = Field(None, max_length=10)
    country_id: str | None = None
    bank_account_id: str | None = None
    contact_id: str | None = None
    region: str | None = Field(None, max_length=50)
    country_group_id: str | None = None


class AddressCreate(AddressUpdate):
    address_type_id: str
    name: str = Field(max_length=50)
    is_main_address: bool


def _check_lookups(body: AddressUpdate) -> None:
    for field, name in (("address_type_id", "address_types"), ("country_id", "countries"),
                        ("country_group_id", "country_groups")):
        value = getattr(body, field)
        if value is not None and lookup(name, value.upper()) is None:
            raise Invalid(f"Couldn't find {name.removesuffix('s').replace('_', ' ')} {value}.", field)


def _owner_filter(address: Address) -> Any:
    if address.contact_id is not None:
        return Address.contact_id == address.contact_id
    return Address.bank_account_id == address.bank_account_id


def _siblings(db: Session, address: Address) -> list[Address]:
    return list(db.scalars(select(Address).where(_owner_filter(address), Address.id != address.id)
                           .order_by(Address.created_at, Address.legacy_id)))


def _make_main(db: Session, address: Address) -> None:
    for other in _siblings(db, address):
        if other.is_main_address:
            other.is_main_address = False
    address.is_main_address = True


def _apply(address: Address, body: AddressUpdate) -> None:
    for key in ("name", "address_line_1", "address_line_2", "city", "postal_code", "region"):
        value = getattr(body, key)
        if value is not None:
            setattr(address, key, value)
    for key in ("address_type_id", "country_id", "country_group_id"):
        value = getattr(body, key)
        if value is not None:
            setattr(address, key, value.upper())


def create(call: Call) -> Address:
    assert call.business is not None
    db = call.db
    body = parse_body(call.body, "address", AddressCreate)
    _check_lookups(body)
    if (body.contact_id is None) == (body.bank_account_id is None):
        raise Invalid("An address belongs to exactly one contact or one bank account.", "contact_id")
    if body.contact_id is not None:
        contact = db.get(Contact, body.contact_id)
        if contact is None or contact.business_id != current_business(db):
            raise Invalid("Couldn't find contact.", "contact_id")
    else:
        bank = db.get(BankAccount, body.bank_account_id)
        if bank is None or bank.business_id != current_business(db):
            raise Invalid("Couldn't find bank account.", "bank_account_id")
    address = Address(business_id=call.business.id, contact_id=body.contact_id, bank_account_id=body.bank_account_id,
                      address_type_id=body.address_type_id.upper(), is_main_address=False)
    _apply(address, body)
    has_main = any(a.is_main_address for a in _siblings(db, address))
    db.add(address)
    if body.is_main_address or not has_main:
        _make_main(db, address)
    db.flush()
    return address


def update(call: Call, address: Address) -> Address:
    body = parse_body(call.body, "address", AddressUpdate)
    _check_lookups(body)
    if body.contact_id is not None and body.contact_id != address.contact_id:
        raise Invalid("An address cannot move to another contact.", "contact_id")
    if body.bank_account_id is not None and body.bank_account_id != address.bank_account_id:
        raise Invalid("An address cannot move to another bank account.", "bank_account_id")
    _apply(address, body)
    if body.is_main_address is True and not address.is_main_address:
        _make_main(call.db, address)
    elif body.is_main_address is False and address.is_main_address:
        raise Invalid("Make another address the main address instead.", "is_main_address")
    call.db.flush()
    return address


def delete(call: Call, address: Address) -> Result | None:
    db = call.db
    if db.scalar(select(func.count()).select_from(ContactPerson).where(ContactPerson.address_id == address.id)):
        raise Invalid("Contact persons belong to this address; move or delete them first.", "base")
    if address.is_main_address:
        remaining = _siblings(db, address)
        if remaining:
            remaining[0].is_main_address = True
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
    create=create, update=update, delete=delete,
)

routes: list[BaseRoute] = resource.routes(ADDRESSES)
