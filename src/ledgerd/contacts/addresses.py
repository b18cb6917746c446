"""Addresses of contacts (and bank accounts), exactly one of an owner's addresses the main address.

Rules: an address belongs to one contact or one bank account for life; making an address main demotes
the owner's other main address; the main address cannot be un-made directly (make another one main);
deleting the main address promotes the owner's oldest remaining address; an address that contact
persons point at cannot be deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledgerd.contacts.models import Address, Contact, ContactPerson
from ledgerd.contacts.schemas import AddressCreate, AddressIn, AddressUpdate
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.regions.data import lookup


def make_only(record: Any, flag: str, others: Sequence[Any]) -> None:
    """Set `flag` (is_main_address, is_main_contact…) on `record` and clear it on its `others`."""
    for other in others:
        if getattr(other, flag):
            setattr(other, flag, False)
    setattr(record, flag, True)


def pass_on(record: Any, flag: str, others: Sequence[Any]) -> None:
    """Before `record` goes: if it holds `flag`, the first of its `others` (the oldest) takes it on."""
    if getattr(record, flag) and others:
        setattr(others[0], flag, True)


def country_group_for(country_id: str | None, given: str | None = None) -> str | None:
    """An address's country group: the one given, else its country's (GB and IE → GBIE, as Sage fills it)."""
    if given:
        return given.upper()
    country = lookup("countries", country_id.upper()) if country_id else None
    return country.get("country_group") if country else None


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
    """The owner's other addresses, oldest first."""
    return list(db.scalars(select(Address).where(_owner_filter(address), Address.id != address.id)
                           .order_by(Address.created_at, Address.legacy_id)))


def change(address: Address, body: AddressIn | AddressUpdate) -> None:
    """Apply the fields `body` gives to an existing address (lookup ids upper-cased; the country group follows a
    new country unless given). Used by PUT /addresses and by the nested addresses of contacts and bank accounts."""
    for key in ("name", "address_line_1", "address_line_2", "city", "postal_code", "region"):
        value = getattr(body, key)
        if value is not None:
            setattr(address, key, value)
    for key in ("address_type_id", "country_id", "country_group_id"):
        value = getattr(body, key)
        if value is not None:
            setattr(address, key, value.upper())
    if body.country_group_id is None and body.country_id is not None:
        address.country_group_id = country_group_for(address.country_id)


def create(db: Session, business_id: str, body: AddressCreate, *,
           bank_account_found: Callable[[Session, str], bool]) -> Address:
    """A new address of a contact or a bank account (`bank_account_found`: banking's answer, whether the
    business has that bank account); the owner's first address is its main address."""
    _check_lookups(body)
    if (body.contact_id is None) == (body.bank_account_id is None):
        raise Invalid("An address belongs to exactly one contact or one bank account.", "contact_id")
    if body.contact_id is not None:
        contact = db.get(Contact, body.contact_id)
        if contact is None or contact.business_id != current_business(db):
            raise Invalid("Couldn't find contact.", "contact_id")
    elif body.bank_account_id is not None and not bank_account_found(db, body.bank_account_id):
        raise Invalid("Couldn't find bank account.", "bank_account_id")
    address = Address(business_id=business_id, contact_id=body.contact_id, bank_account_id=body.bank_account_id,
                      address_type_id=body.address_type_id.upper(), is_main_address=False)
    change(address, body)
    siblings = _siblings(db, address)
    db.add(address)
    if body.is_main_address or not any(a.is_main_address for a in siblings):
        make_only(address, "is_main_address", siblings)
    db.flush()
    return address


def update(db: Session, address: Address, body: AddressUpdate) -> Address:
    _check_lookups(body)
    if body.contact_id is not None and body.contact_id != address.contact_id:
        raise Invalid("An address cannot move to another contact.", "contact_id")
    if body.bank_account_id is not None and body.bank_account_id != address.bank_account_id:
        raise Invalid("An address cannot move to another bank account.", "bank_account_id")
    change(address, body)
    if body.is_main_address is True and not address.is_main_address:
        make_only(address, "is_main_address", _siblings(db, address))
    elif body.is_main_address is False and address.is_main_address:
        raise Invalid("Make another address the main address instead.", "is_main_address")
    db.flush()
    return address


def before_delete(db: Session, address: Address) -> None:
    """Refuse to delete an address contact persons point at; hand the main address on."""
    if db.scalar(select(func.count()).select_from(ContactPerson).where(ContactPerson.address_id == address.id)):
        raise Invalid("Contact persons belong to this address; move or delete them first.", "base")
    if address.is_main_address:
        pass_on(address, "is_main_address", _siblings(db, address))
