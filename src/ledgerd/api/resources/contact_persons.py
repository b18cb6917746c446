"""`/contact_persons`: people at a contact's addresses; the rules are in contacts/persons.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.pipeline import BusinessCall, Call, Result
from ledgerd.api.presenters import address_link
from ledgerd.api.resource import Resource, forget
from ledgerd.contacts import persons as person_rules
from ledgerd.contacts.models import Address, ContactPerson
from ledgerd.contacts.schemas import ContactPersonCreate, ContactPersonUpdate
from ledgerd.lookups.lists import link


def _create(call: BusinessCall, body: ContactPersonCreate) -> ContactPerson:
    return person_rules.create(call.db, call.business.id, body)


def _update(call: Call, person: ContactPerson, body: ContactPersonUpdate) -> ContactPerson:
    return person_rules.update(call.db, person, body)


def _delete(call: BusinessCall, person: ContactPerson) -> Result | None:
    person_rules.before_delete(call.db, person)
    forget(call, CONTACT_PERSONS, person)
    return None


def present(call: Call, persons: Sequence[ContactPerson]) -> list[dict[str, Any]]:
    ids = {p.address_id for p in persons if p.address_id}
    addresses = {a.id: address_link(a)
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
    create=_create, create_body=ContactPersonCreate, update=_update, update_body=ContactPersonUpdate, delete=_delete,
)

routes: list[BaseRoute] = resource.routes(CONTACT_PERSONS)
