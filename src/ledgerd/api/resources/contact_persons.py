"""`/contact_persons`: people at a contact's addresses; one main and at most one preferred per contact.

Rules: a person hangs off an address of a contact (and so belongs to that contact for life); the first
person of a contact becomes its main contact; making a person main (or preferred) demotes the others;
the main contact cannot be un-made directly (make another person main); deleting the main contact
promotes the contact's oldest remaining person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.pipeline import Call, Result
from ledgerd.api.resource import Resource, forget
from ledgerd.api.validation import parse_body
from ledgerd.contacts.models import Address, ContactPerson
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.lookups.lists import link
from ledgerd.regions.data import lookup


class ContactPersonUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    address_id: str | None = None
    name: str | None = Field(None, min_length=1, max_length=50)
    contact_person_type_ids: list[str] | None = Field(None, min_length=1)
    job_title: str | None = Field(None, max_length=50)
    telephone: str | None = Field(None, max_length=50)
    mobile: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=100)
    fax: str | None = Field(None, max_length=50)
    is_main_contact: bool | None = None
    is_preferred_contact: bool | None = None


class ContactPersonCreate(ContactPersonUpdate):
    address_id: str
    name: str = Field(min_length=1, max_length=50)
    contact_person_type_ids: list[str] = Field(min_length=1)


def _address(db: Session, address_id: str) -> Address:
    address = db.get(Address, address_id)
    if address is None or address.business_id != current_business(db) or address.contact_id is None:
        raise Invalid("Couldn't find address.", "address_id")
    return address


def _types(ids: list[str]) -> list[str]:
    out = []
    for index, value in enumerate(ids):
        if lookup("contact_person_types", value.upper()) is None:
            raise Invalid(f"Couldn't find contact person type {value}.", f"contact_person_type_ids[{index}]")
        out.append(value.upper())
    return list(dict.fromkeys(out))


def _others(db: Session, person: ContactPerson) -> list[ContactPerson]:
    return list(db.scalars(select(ContactPerson).where(ContactPerson.contact_id == person.contact_id,
                                                       ContactPerson.id != person.id)
                           .order_by(ContactPerson.created_at, ContactPerson.legacy_id)))


def _promote(db: Session, person: ContactPerson, flag: str) -> None:
    for other in _others(db, person):
        if getattr(other, flag):
            setattr(other, flag, False)
    setattr(person, flag, True)


def _apply(person: ContactPerson, body: ContactPersonUpdate) -> None:
    for key in ("name", "job_title", "telephone", "mobile", "email", "fax"):
        value = getattr(body, key)
        if value is not None:
            setattr(person, key, value)
    if body.contact_person_type_ids is not None:
        person.contact_person_type_ids = _types(body.contact_person_type_ids)


def create(call: Call) -> ContactPerson:
    assert call.business is not None
    db = call.db
    body = parse_body(call.body, "contact_person", ContactPersonCreate)
    address = _address(db, body.address_id)
    person = ContactPerson(business_id=call.business.id, contact_id=address.contact_id, address_id=address.id,
                           name=body.name, is_main_contact=False, is_preferred_contact=False)
    _apply(person, body)
    has_main = any(p.is_main_contact for p in _others(db, person))
    db.add(person)
    if body.is_main_contact or not has_main:
        _promote(db, person, "is_main_contact")
    if body.is_preferred_contact:
        _promote(db, person, "is_preferred_contact")
    db.flush()
    return person


def update(call: Call, person: ContactPerson) -> ContactPerson:
    db = call.db
    body = parse_body(call.body, "contact_person", ContactPersonUpdate)
    if body.address_id is not None and body.address_id != person.address_id:
        address = _address(db, body.address_id)
        if address.contact_id != person.contact_id:
            raise Invalid("The address belongs to another contact.", "address_id")
        person.address_id = address.id
    _apply(person, body)
    if body.is_main_contact is True and not person.is_main_contact:
        _promote(db, person, "is_main_contact")
    elif body.is_main_contact is False and person.is_main_contact:
        raise Invalid("Make another contact person the main contact instead.", "is_main_contact")
    if body.is_preferred_contact is True and not person.is_preferred_contact:
        _promote(db, person, "is_preferred_contact")
    elif body.is_preferred_contact is False:
        person.is_preferred_contact = False
    db.flush()
    return person


def delete(call: Call, person: ContactPerson) -> Result | None:
    if person.is_main_contact:
        remaining = _others(call.db, person)
        if remaining:
            remaining[0].is_main_contact = True
    forget(call, CONTACT_PERSONS, person)
    return None


def present(call: Call, persons: Sequence[ContactPerson]) -> list[dict[str, Any]]:
    ids = {p.address_id for p in persons if p.address_id}
    addresses = {a.id: {"id": a.id, "displayed_as": a.displayed_as, "$path": f"/addresses/{a.id}"}
                 for a in (call.db.scalars(select(Address).where(Address.id.in_(ids))) if ids else ())}
    return [{
        "id": p.id, "displayed_as": p.displayed_as, "$path": f"/contact_persons/{p.id}",
        "created_at": p.created_at, "updated_at": p.updated_at, "deleted_at": None,
        "contact_person_types": [link("contact_person_types", t) for t in p.contact_person_type_ids],
        "name": p.name, "job_title": p.job_title, "telephone": p.telephone, "mobile": p.mobile, "email": p.email,
        "fax": p.fax, "is_main_contact": p.is_main_contact,
        "address": addresses.get(p.address_id) if p.address_id else None,
        "is_preferred_contact": p.is_preferred_contact,
    } for p in persons]


CONTACT_PERSONS: Resource[ContactPerson] = Resource(
    path="contact_persons", wrapper="contact_person", model=ContactPerson, present=present,
    displayed_as=lambda p: p.displayed_as,
    filters={"contact_id": lambda v: ContactPerson.contact_id == v,
             "address_id": lambda v: ContactPerson.address_id == v},
    create=create, update=update, delete=delete,
)

routes: list[BaseRoute] = resource.routes(CONTACT_PERSONS)
