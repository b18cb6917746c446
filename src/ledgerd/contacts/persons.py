"""Contact persons: people at a contact's addresses; one main and at most one preferred per contact.

Rules: a person hangs off an address of a contact (and so belongs to that contact for life; a bank account's
main person hangs off its main address without a contact and is written by contacts.service); the first
person of a contact becomes its main contact; making a person main (or preferred) demotes the others;
the main contact cannot be un-made directly (make another person main); deleting the main contact
promotes the contact's oldest remaining person. The main person's e-mail is the contact's `email`, as Sage
shows it (and `GET /contacts?email=` finds the contact by any of its people's e-mails).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.contacts.addresses import make_only, pass_on
from ledgerd.contacts.models import Address, ContactPerson
from ledgerd.contacts.schemas import ContactPersonCreate, ContactPersonUpdate
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.regions.data import lookup


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
    """The contact's other persons, oldest first."""
    return list(db.scalars(select(ContactPerson).where(ContactPerson.contact_id == person.contact_id,
                                                       ContactPerson.id != person.id)
                           .order_by(ContactPerson.created_at, ContactPerson.legacy_id)))


def _apply(person: ContactPerson, body: ContactPersonUpdate) -> None:
    for key in ("name", "job_title", "telephone", "mobile", "email", "fax"):
        value = getattr(body, key)
        if value is not None:
            setattr(person, key, value)
    if body.contact_person_type_ids is not None:
        person.contact_person_type_ids = _types(body.contact_person_type_ids)


def mirror_email(person: ContactPerson) -> None:
    """Give the contact its main person's e-mail (a main person without one leaves the contact's as it is)."""
    if person.is_main_contact and person.email and person.contact is not None:
        person.contact.email = person.email


def create(db: Session, business_id: str, body: ContactPersonCreate) -> ContactPerson:
    address = _address(db, body.address_id)
    person = ContactPerson(business_id=business_id, contact_id=address.contact_id, address_id=address.id,
                           name=body.name, is_main_contact=False, is_preferred_contact=False)
    _apply(person, body)
    others = _others(db, person)
    db.add(person)
    if body.is_main_contact or not any(p.is_main_contact for p in others):
        make_only(person, "is_main_contact", others)
    if body.is_preferred_contact:
        make_only(person, "is_preferred_contact", others)
    mirror_email(person)
    db.flush()
    return person


def update(db: Session, person: ContactPerson, body: ContactPersonUpdate) -> ContactPerson:
    if body.address_id is not None and body.address_id != person.address_id:
        address = _address(db, body.address_id)
        if address.contact_id != person.contact_id:
            raise Invalid("The address belongs to another contact.", "address_id")
        person.address_id = address.id
    _apply(person, body)
    if body.is_main_contact is True and not person.is_main_contact:
        make_only(person, "is_main_contact", _others(db, person))
    elif body.is_main_contact is False and person.is_main_contact:
        raise Invalid("Make another contact person the main contact instead.", "is_main_contact")
    if body.is_preferred_contact is True and not person.is_preferred_contact:
        make_only(person, "is_preferred_contact", _others(db, person))
    elif body.is_preferred_contact is False:
        person.is_preferred_contact = False
    mirror_email(person)
    db.flush()
    return person


def before_delete(db: Session, person: ContactPerson) -> None:
    """Hand the main contact on to the contact's oldest remaining person."""
    if person.is_main_contact:
        others = _others(db, person)
        pass_on(person, "is_main_contact", others)
        for other in others:
            mirror_email(other)
