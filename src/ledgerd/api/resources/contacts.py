"""`/contacts`: the resource spec and its wire shape (Sage's Contact definition order)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.pipeline import BusinessCall, Call, Result
from ledgerd.api.presenters import BANK_DETAIL_KEYS, address_link, person_link
from ledgerd.api.resource import Resource, forget
from ledgerd.api.resources import contact_addresses as addresses_api
from ledgerd.api.resources import contact_persons as persons_api
from ledgerd.api.resources.ledger_links import Links, links_for
from ledgerd.artefacts import cis, usage
from ledgerd.catalog import service as catalog
from ledgerd.catalog.service import PRODUCT
from ledgerd.contacts import service
from ledgerd.contacts.models import Address, Contact, ContactPerson
from ledgerd.contacts.schemas import ContactCreate, ContactUpdate
from ledgerd.errors import Invalid
from ledgerd.lookups.lists import link
from ledgerd.settings.service import base_currency


def _cis_settings(contact: Contact, links: Links) -> dict[str, Any] | None:
    """Sage's ContactCisSettings of a CIS-registered contact (docs/decisions/cis.md): the deduction rate it
    suffers (its own, else the registered rate); null for other contacts."""
    if not contact.cis_registered:
        return None
    held = contact.cis_settings or {}
    return {"registered_cis_name": held.get("registered_cis_name"),
            "subcontractor_verification_number": held.get("subcontractor_verification_number"),
            "deduction_rate": links.tax_rate(cis.contact_rate_id(contact))}


def _person(person: ContactPerson | None) -> dict[str, Any] | None:
    return person_link(person) if person is not None else None


def _address(address: Address | None) -> dict[str, Any] | None:
    """A link, as Sage gives it; `nested_attributes` expands it into the `/addresses` record."""
    return address_link(address) if address is not None else None


# Sage's customers' statement settings ([DP]): ledgerd sends no statements, so every customer shows the default.
STATEMENT_RUN = {"id": "statement_delivery_method_email", "name": "Sent by email"}
# The links `nested_attributes` expands on a contact ([DP]: ledger accounts, addresses and people, not the
# tax rate, currency, contact types or price type).
NESTED = frozenset({"default_sales_ledger_account", "default_purchase_ledger_account", "main_address",
                    "preferred_address", "delivery_address", "main_contact_person", "preferred_contact_person"})


CONTACT_READ = (
    params.Param("show_balance", "boolean", "Add `balance`: what the contact owes (or is owed), in base currency."),
    params.Param("context_date", "date", "Accepted; a contact's tax treatment here does not change with the date."),
    params.Param("show_unfinished_recurring_invoices_status", "boolean", "Accepted; ledgerd keeps no recurring "
                 "invoices (`has_unfinished_recurring_invoices` is false)."),
)


def present(call: Call, contacts: Sequence[Contact]) -> list[dict[str, Any]]:
    """Sage's Contact in its definition order. As in Sage's recorded answers [DP], the sales keys (default
    sales account and rate, preferred address and person, delivery address, terms, price type, statements)
    are a customer's and the default purchase account a supplier's; `balance` only with `show_balance=true`."""
    today = call.runtime.clock.now().date()
    links = links_for(call.db, today,
                      account_ids=[i for c in contacts for i in (c.default_sales_ledger_account_id,
                                                                 c.default_purchase_ledger_account_id)],
                      tax_rate_ids=[*(c.default_sales_tax_rate_id for c in contacts),
                                    *(cis.contact_rate_id(c) for c in contacts if c.cis_registered)])
    show_balance = params.boolean(CONTACT_READ[0].name, call.query.get(CONTACT_READ[0].name, "false"))
    balances = service.balances(call.db, [c.id for c in contacts]) if show_balance else {}
    used = usage.contacts_in_use(call.db, [c.id for c in contacts])
    price_types = catalog.price_types(call.db, PRODUCT) if any(c.is_customer for c in contacts) else []
    price_type = ({"id": price_types[0].id, "displayed_as": price_types[0].displayed_as,
                   "$path": f"/product_sales_price_types/{price_types[0].id}"} if price_types else None)
    out = []
    for c in contacts:
        main = next((a for a in c.addresses if a.is_main_address), None)
        delivery = next((a for a in c.addresses if a.address_type_id == "DELIVERY" and not a.is_main_address), None)
        person = next((p for p in c.contact_persons if p.is_main_contact), None)
        preferred = next((p for p in c.contact_persons if p.is_preferred_contact), person)
        sales = c.is_customer
        item: dict[str, Any] = {
            "id": c.id, "displayed_as": c.displayed_as, "$path": f"/contacts/{c.id}",
            "created_at": c.created_at, "updated_at": c.updated_at, "links": [], "deleted_at": None,
            **({"balance": balances.get(c.id)} if show_balance else {}),
            "contact_types": [link("contact_types", t) for t in c.contact_type_ids],
            "name": c.name, "reference": c.reference,
            **({"default_sales_ledger_account": links.account(c.default_sales_ledger_account_id),
                "default_sales_tax_rate": links.tax_rate(c.default_sales_tax_rate_id)} if sales else {}),
            **({"default_purchase_ledger_account": links.account(c.default_purchase_ledger_account_id)}
               if c.is_vendor else {}),
            "tax_number": c.tax_number, "notes": c.notes, "locale": c.locale, "main_address": _address(main),
            **({"preferred_address": _address(main), "delivery_address": _address(delivery)} if sales else {}),
            "main_contact_person": _person(person),
            **({"preferred_contact_person": _person(preferred)} if sales else {}),
            "bank_account_details": {key: (c.bank_account_details or {}).get(key) for key in BANK_DETAIL_KEYS},
            "credit_limit": c.credit_limit, "credit_days": c.credit_days, "credit_terms": c.credit_terms,
            **({"credit_terms_and_conditions": c.credit_terms_and_conditions,
                "product_sales_price_type": price_type} if sales else {}),
            "source_guid": c.source_guid, "currency": link("currencies", c.currency_id),
            "aux_reference": c.aux_reference, "registered_number": c.registered_number or None,
            "deletable": c.id not in used and not c.system,
            "tax_treatment": {"home_tax": True, "eu_tax_registered": False, "eu_not_tax_registered": False,
                              "rest_of_world_tax": False, "is_importer": False, **(c.tax_treatment or {})},
            "email": c.email, "tax_calculation": "", "auxiliary_account": None, "gdpr_obfuscated": False,
            "system": c.system, "has_unfinished_recurring_invoices": False, "cis_registered": c.cis_registered,
            "ni_based": c.ni_based, "is_active": c.is_active, "gb_based": c.gb_based,
            "cis_settings": _cis_settings(c, links),
            "destination_vat_blocking": False, "mandate_active": False,
            **({"send_statements": True, "statement_run": dict(STATEMENT_RUN)} if sales else {}),
        }
        out.append(item)
    return out


def _create(call: BusinessCall, body: ContactCreate) -> Contact:
    return service.create(call.db, call.business.id, body, base_currency(call.db), country=call.business.country_id)


def _update(call: BusinessCall, contact: Contact, body: ContactUpdate) -> Contact:
    return service.update(call.db, contact, body, in_use=usage.contact_in_use, country=call.business.country_id)


def _delete(call: BusinessCall, contact: Contact) -> Result | None:
    if contact.system or usage.contact_in_use(call.db, contact.id):
        raise Invalid("The contact has transactions or is a system contact and cannot be deleted.", "base")
    # Its people and addresses go with it, each remembered for deleted_since on its own endpoint.
    for person in list(contact.contact_persons):
        forget(call, persons_api.CONTACT_PERSONS, person)
    for address in list(contact.addresses):
        forget(call, addresses_api.ADDRESSES, address)
    forget(call, CONTACTS, contact)
    return None


def _type_filter(value: str) -> ColumnElement[bool]:
    return cast(Contact.contact_type_ids, String).contains(f'"{value.upper()}"')


def _search(term: str) -> ColumnElement[bool]:
    pattern = f"%{term.lower()}%"
    return or_(func.lower(Contact.name).like(pattern), func.lower(Contact.reference).like(pattern))


CONTACTS: Resource[Contact] = Resource(
    path="contacts", wrapper="contact", model=Contact, present=present, displayed_as=lambda c: c.displayed_as,
    query={"list": CONTACT_READ, "read": CONTACT_READ},
    filters={
        "contact_type_id": _type_filter,
        # Sage: "filter by the contact person email address"; the contact's own e-mail is its main person's.
        "email": lambda v: or_(func.lower(Contact.email) == v.strip().lower(), Contact.id.in_(
            select(ContactPerson.contact_id).where(func.lower(ContactPerson.email) == v.strip().lower()))),
        "exclude_system": lambda v: Contact.system.is_(False) if params.boolean("exclude_system", v)
        else Contact.id.is_not(None),
        "filter_inactive_contacts": lambda v: Contact.is_active.is_(True)
        if params.boolean("filter_inactive_contacts", v) else Contact.id.is_not(None),
    },
    search=_search, create=_create, create_body=ContactCreate,
    update=_update, update_body=ContactUpdate, delete=_delete, nested=NESTED,
)

routes: list[BaseRoute] = [*resource.routes(CONTACTS), *addresses_api.routes, *persons_api.routes]
