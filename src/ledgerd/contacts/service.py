"""Contact rules: unique references, valid defaults, main address and person, balances from the ledger."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledgerd.contacts.addresses import change as change_address
from ledgerd.contacts.addresses import country_group_for
from ledgerd.contacts.models import Address, Contact, ContactPerson
from ledgerd.contacts.persons import mirror_email
from ledgerd.contacts.schemas import AddressIn, ContactCreate, ContactPersonIn, ContactUpdate
from ledgerd.db import unit
from ledgerd.db.base import new_id
from ledgerd.errors import Invalid
from ledgerd.ledger.accounts import control, usable
from ledgerd.ledger.models import LedgerEntry, TaxRate

ZERO = Decimal(0)


def _unique_reference(db: Session, wanted: str | None, name: str, exclude: str | None = None) -> str:
    def taken(ref: str) -> bool:
        stmt = select(func.count()).select_from(Contact).where(func.lower(Contact.reference) == ref.lower())
        if exclude:
            stmt = stmt.where(Contact.id != exclude)
        return bool(db.scalar(stmt))

    if wanted:
        if taken(wanted):
            raise Invalid("must be unique.", "reference")
        return wanted
    stem = (re.sub(r"[^A-Za-z0-9]", "", name).upper() or "CONTACT")[:7]
    for n in range(1, 1000):
        candidate = f"{stem}{n:03d}"[:10]
        if not taken(candidate):
            return candidate
    raise Invalid("Could not generate a unique reference; give one.", "reference")


def _address(contact: Contact | None, data: AddressIn, type_id: str, main: bool,
             business_id: str | None = None) -> Address:
    return Address(id=new_id(), business_id=business_id or (contact.business_id if contact else None),
                   contact=contact, address_type_id=(data.address_type_id or type_id).upper(),
                   name=data.name or "", address_line_1=data.address_line_1 or "",
                   address_line_2=data.address_line_2 or "", city=data.city or "", postal_code=data.postal_code or "",
                   region=data.region or "", country_id=data.country_id,
                   country_group_id=country_group_for(data.country_id, data.country_group_id),
                   is_main_address=main)


CIS_COUNTRY = "GB"


def _cis(db: Session, contact: Contact, body: ContactUpdate, country: str) -> None:
    """A GB contact's CIS registration and details (docs/decisions/cis.md); other countries refuse them. The
    deduction rate must be one of the business's CIS rates; the details sent replace those held, key by key."""
    wanted = body.cis_registered or (body.cis_settings is not None and body.cis_settings.model_fields_set)
    if country != CIS_COUNTRY:
        if wanted:
            name = "cis_registered" if body.cis_registered else "cis_settings"
            raise Invalid("CIS applies only to contacts of UK businesses.", name)
        return
    if body.cis_registered is not None:
        contact.cis_registered = body.cis_registered
    if body.cis_settings is None:
        return
    sent = body.cis_settings.model_dump(exclude_unset=True)
    rate_id = sent.get("deduction_rate_id")
    if rate_id is not None:
        rate = db.get(TaxRate, (rate_id, contact.business_id))
        if rate is None or rate.deleted or "cis" not in rate.usage:
            raise Invalid("is not a CIS deduction rate.", "cis_settings.deduction_rate_id")
    contact.cis_settings = {**(contact.cis_settings or {}), **sent}


def _apply(db: Session, contact: Contact, body: ContactUpdate, country: str) -> None:
    _cis(db, contact, body, country)
    data = body.model_dump(exclude_unset=True)
    simple = ("name", "tax_number", "notes", "locale", "credit_limit", "credit_days", "credit_terms",
              "credit_terms_and_conditions", "currency_id", "aux_reference", "registered_number", "email",
              "source_guid", "is_active", "contact_type_ids")
    for key in simple:
        if key in data and data[key] is not None:
            setattr(contact, key, data[key])
    if body.default_sales_ledger_account_id is not None:
        contact.default_sales_ledger_account_id = usable(db, body.default_sales_ledger_account_id, area="sales",
                                                         source="default_sales_ledger_account_id").id
    if body.default_purchase_ledger_account_id is not None:
        contact.default_purchase_ledger_account_id = usable(
            db, body.default_purchase_ledger_account_id, area="expenses",
            source="default_purchase_ledger_account_id").id
    if body.default_sales_tax_rate_id is not None:
        if db.get(TaxRate, (body.default_sales_tax_rate_id, contact.business_id)) is None:
            raise Invalid("Couldn't find tax rate.", "default_sales_tax_rate_id")
        contact.default_sales_tax_rate_id = body.default_sales_tax_rate_id
    if body.bank_account_details is not None:
        contact.bank_account_details = body.bank_account_details.model_dump(exclude_none=True)
    if body.tax_treatment is not None:
        contact.tax_treatment = {**(contact.tax_treatment or {}), **body.tax_treatment.model_dump(exclude_none=True)}
    if body.main_address is not None:
        _replace_address(contact, body.main_address, "ACCOUNTS", main=True)
    if body.delivery_address is not None:
        _replace_address(contact, body.delivery_address, "DELIVERY", main=False)
    if body.main_contact_person is not None:
        _main_person(contact, body.main_contact_person)


def _replace_address(contact: Contact, data: AddressIn, type_id: str, main: bool) -> None:
    current = next((a for a in contact.addresses if a.is_main_address == main
                    and (main or a.address_type_id == "DELIVERY")), None)
    if current is None:
        contact.addresses.append(_address(contact, data, type_id, main))
        return
    change_address(current, data)


def _main_person_from(data: ContactPersonIn, current: ContactPerson | None, default_name: str,
                      **owner: Any) -> ContactPerson:
    """The main person `data` describes (a contact's or a bank account's): `current` changed in place, or a new
    person of `owner` (business, contact, address) named `default_name` unless `data` names it."""
    values = data.model_dump(exclude_none=True)
    if current is not None:
        for key, value in values.items():
            setattr(current, key, value)
        return current
    return ContactPerson(**owner, name=values.pop("name", default_name), is_main_contact=True,
                         contact_person_type_ids=values.pop("contact_person_type_ids", ["ACCOUNTS"]), **values)


def _main_person(contact: Contact, data: ContactPersonIn) -> None:
    current = next((p for p in contact.contact_persons if p.is_main_contact), None)
    if current is None:
        main = next((a for a in contact.addresses if a.is_main_address), None)
        current = _main_person_from(data, None, contact.name, business_id=contact.business_id, contact=contact,
                                    address_id=main.id if main is not None else None)
        contact.contact_persons.append(current)
    else:
        _main_person_from(data, current, contact.name)
    mirror_email(current)


def held(db: Session, contact_ids: Iterable[str]) -> dict[str, Contact]:
    """The contacts among `contact_ids` the unit of work already holds (the one a new document names), by id:
    reading them costs no query."""
    return unit.held(db, Contact, contact_ids)


def bank_account_records(db: Session, bank_account_id: str) -> tuple[list[ContactPerson], list[Address]]:
    """Every person and address of a bank account (they go with it)."""
    addresses = list(db.scalars(select(Address).where(Address.bank_account_id == bank_account_id)))
    persons = list(db.scalars(select(ContactPerson).where(
        ContactPerson.address_id.in_([a.id for a in addresses]), ContactPerson.contact_id.is_(None)))) \
        if addresses else []
    return persons, addresses


def set_bank_account_parts(db: Session, business_id: str, bank_account_id: str, address: AddressIn | None,
                           person: ContactPersonIn | None, main: Address | None = None,
                           current: ContactPerson | None = None) -> tuple[Address, ContactPerson | None]:
    """A bank account's main address and main contact person (`main`, `current`: what it has) are records like a
    contact's (Sage links them to /addresses and /contact_persons): made on first use, changed in place after."""
    if main is None:
        main = _address(None, address or AddressIn(), "ACCOUNTS", main=True, business_id=business_id)
        main.bank_account_id = bank_account_id
        db.add(main)
    elif address is not None:
        change_address(main, address)
    if person is not None:
        made = current is None
        current = _main_person_from(person, current, "Main Contact", business_id=business_id, contact_id=None,
                                    address_id=main.id)
        if made:
            db.add(current)
    db.flush()
    return main, current


def create(db: Session, business_id: str, body: ContactCreate, base_currency: str | None = None, *,
           country: str = "") -> Contact:
    """A new contact; without a currency of its own it deals in `base_currency`, the business's (as Sage's)."""
    contact = Contact(business_id=business_id, contact_type_ids=list(dict.fromkeys(body.contact_type_ids)),
                      name=body.name, reference=_unique_reference(db, body.reference, body.name),
                      currency_id=base_currency)
    db.add(contact)
    if body.main_address is None:
        contact.addresses.append(_address(contact, AddressIn(), "ACCOUNTS", main=True))
    _apply(db, contact, body, country)
    db.flush()
    return contact


def update(db: Session, contact: Contact, body: ContactUpdate, *, in_use: Callable[[Session, str], bool],
           country: str = "") -> Contact:
    """Apply an edit; `in_use` says whether anything refers to a contact (artefacts.usage.contact_in_use), asked
    only when the edit removes a contact type."""
    if contact.system:
        raise Invalid("System contacts cannot be changed.", "base")
    if body.reference is not None and body.reference != contact.reference:
        contact.reference = _unique_reference(db, body.reference, contact.name, exclude=contact.id)
    removed = set(contact.contact_type_ids) - set(body.contact_type_ids or contact.contact_type_ids)
    if removed and in_use(db, contact.id):
        raise Invalid("The contact type cannot be removed from a contact with transactions.", "contact_type_ids")
    _apply(db, contact, body, country)
    db.flush()
    return contact


def balances(db: Session, contact_ids: list[str]) -> dict[str, Decimal]:
    """What each contact owes (customers, positive) or is owed (suppliers, negative), from the control accounts."""
    if not contact_ids:
        return {}
    controls = [control(db, "DEBTORS").id, control(db, "CREDITORS").id]
    rows = db.execute(
        select(LedgerEntry.contact_id, func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))
        .where(LedgerEntry.contact_id.in_(contact_ids), LedgerEntry.ledger_account_id.in_(controls))
        .group_by(LedgerEntry.contact_id)).all()
    found = {cid: (debit or ZERO) - (credit or ZERO) for cid, debit, credit in rows}
    return {cid: found.get(cid, ZERO) for cid in contact_ids}
