"""Contact opening balances: what customers owed and suppliers were owed when the books were opened.

Each is an artefact (CUSTOMER_/VENDOR_OPENING_BALANCE_INVOICE / _CREDIT_NOTE) that payments and
allocations settle like an invoice or a credit note. Its posting is the control account (with the
contact) against OPENING_BALANCES for the total: the tax was accounted for in the previous books.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Allocation, Artefact, ArtefactLine
from ledgerd.db.base import new_id
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import TaxRate, Transaction
from ledgerd.ledger.posting import Entries, post, reverse
from ledgerd.payments import documents
from ledgerd.payments.documents import CUSTOMER, VENDOR, ZERO
from ledgerd.payments.schemas import ContactOpeningBalanceCreate, ContactOpeningBalanceUpdate
from ledgerd.regions.data import lookup
from ledgerd.settings.service import base_currency, check_currency, stored

KINDS = frozenset({"CUSTOMER_OPENING_BALANCE_INVOICE", "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE",
                   "VENDOR_OPENING_BALANCE_INVOICE", "VENDOR_OPENING_BALANCE_CREDIT_NOTE"})
TYPES = {"INVOICE": "Invoice", "CREDIT_NOTE": "Credit Note"}


def type_of(artefact: Artefact) -> str:
    return "CREDIT_NOTE" if artefact.kind.endswith("CREDIT_NOTE") else "INVOICE"


def _used(db: Session, artefact: Artefact) -> bool:
    return db.scalars(select(Allocation.id).where(Allocation.artefact_id == artefact.id)).first() is not None


def save(db: Session, artefact: Artefact | None,
         body: ContactOpeningBalanceCreate | ContactOpeningBalanceUpdate) -> Artefact:
    business_id = current_business(db)
    assert business_id is not None
    type_id = body.contact_opening_balance_type_id or (type_of(artefact) if artefact else "INVOICE")
    contact = documents.find_contact(db, body.contact_id or (artefact.contact_id if artefact else None), "contact_id")
    if body.transaction_type_id is not None:
        side = CUSTOMER if body.transaction_type_id.startswith("CUSTOMER") else VENDOR
        if not body.transaction_type_id.endswith(type_id):
            raise Invalid(f"does not match contact_opening_balance_type_id {type_id}.", "transaction_type_id")
    elif artefact is not None and artefact.contact_id == contact.id:
        side = CUSTOMER if artefact.kind.startswith("CUSTOMER") else VENDOR
    else:
        side = CUSTOMER if contact.is_customer else VENDOR
    documents.require_type(contact, side, "contact_id")
    kind = f"{side.contact_type}_OPENING_BALANCE_{type_id}"
    used = artefact is not None and _used(db, artefact)
    if used and artefact is not None and (artefact.kind != kind or artefact.contact_id != contact.id):
        raise Invalid("The opening balance has been allocated; its contact and type cannot change.", "contact_id")

    base = base_currency(db)
    currency = body.currency_id or (artefact.currency_id if artefact else None) or contact.currency_id or base
    if lookup("currencies", currency) is None:
        raise Invalid(f"{currency} is not a valid currency.", "currency_id")
    check_currency(stored(db, "financial"), currency, base)
    rate = Decimal(1)
    if currency != base:
        given = body.exchange_rate or (artefact.exchange_rate if artefact and artefact.currency_id == currency
                                       else None)
        if given is None:
            raise Invalid("is required for an opening balance in a foreign currency.", "exchange_rate")
        rate = given
    elif body.exchange_rate is not None and body.exchange_rate != 1:
        raise Invalid("must be 1 for an opening balance in the base currency.", "exchange_rate")
    total = body.total_amount or (artefact.total_amount if artefact else ZERO)
    if used and artefact is not None and total < artefact.total_amount - artefact.outstanding_amount:
        raise Invalid(f"is less than the amount already allocated "
                      f"({artefact.total_amount - artefact.outstanding_amount}).", "total_amount")
    tax_rate_id = body.tax_rate_id or (artefact.lines[0].tax_rate_id if artefact and artefact.lines else None)
    if tax_rate_id and db.scalars(select(TaxRate).where(TaxRate.id == tax_rate_id)).first() is None:
        raise Invalid("Couldn't find tax rate.", "tax_rate_id")
    net, tax = body.net_amount, body.tax_amount
    if net is None and tax is None and artefact is not None and body.total_amount is None:
        net, tax = artefact.net_amount, artefact.tax_amount
    net = net if net is not None else total - (tax or ZERO)
    tax = tax if tax is not None else total - net
    if net < ZERO or net + tax != total:
        raise Invalid("must equal net_amount + tax_amount.", "total_amount")
    base_total = (body.base_currency_total_amount or documents.to_base(total, rate)) if currency != base else total
    base_tax = documents.to_base(tax, rate) if currency != base else tax

    if artefact is None:
        artefact = Artefact(id=new_id(), business_id=business_id, kind=kind, contact_id=contact.id,
                            date=body.date, currency_id=currency, status_id="UNPAID")
    else:
        old = db.get(Transaction, artefact.transaction_id) if artefact.transaction_id else None
        if old is not None and not old.deleted:
            reverse(db, old)
    artefact.kind, artefact.contact_id = kind, contact.id
    artefact.contact_name, artefact.contact_reference = contact.name, contact.reference
    artefact.date = body.date or artefact.date
    artefact.due_date = artefact.date
    artefact.reference = body.reference or artefact.reference
    if body.details is not None:
        artefact.details = body.details
    artefact.currency_id, artefact.exchange_rate = currency, rate
    artefact.net_amount, artefact.tax_amount, artefact.total_amount = net, tax, total
    artefact.base_currency_net_amount = base_total - base_tax
    artefact.base_currency_tax_amount, artefact.base_currency_total_amount = base_tax, base_total
    balancing = control(db, "OPENING_BALANCES").id
    artefact.lines = [ArtefactLine(
        id=new_id(), position=0, description=artefact.details or artefact.reference, ledger_account_id=balancing,
        quantity=Decimal(1), unit_price=net, net_amount=net, tax_rate_id=tax_rate_id, tax_amount=tax,
        total_amount=total, base_currency_unit_price=base_total - base_tax,
        base_currency_net_amount=base_total - base_tax, base_currency_tax_amount=base_tax,
        base_currency_total_amount=base_total)]
    db.add(artefact)
    db.flush()

    # An opening invoice is a charge: on the control account's charge side; a credit note the other way.
    charge_debit = side.charge_is_debit if type_id == "INVOICE" else not side.charge_is_debit
    entries = Entries()
    entries.add(control(db, side.control).id, base_total, debit=charge_debit, contact_id=contact.id,
                description=artefact.details)
    entries.add(balancing, base_total, debit=not charge_debit, description=artefact.details)
    post(db, business_id=business_id, transaction_type_id=kind, on=artefact.date, lines=entries.lines,
         reference=artefact.reference, contact_id=contact.id, origin=("contact_opening_balances", artefact.id),
         total_in_transaction_currency=total if currency != base else None, record=artefact)
    documents.refresh(db, [artefact])
    return artefact


def delete(db: Session, artefact: Artefact) -> None:
    if _used(db, artefact):
        raise Invalid("The opening balance has been allocated; remove its payments and allocations first.", "base")
    old = db.get(Transaction, artefact.transaction_id) if artefact.transaction_id else None
    if old is not None and not old.deleted:
        reverse(db, old)
