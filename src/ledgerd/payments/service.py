"""Contact payments: customer receipts and refunds, supplier payments and refunds.

A payment moves money through a bank account and settles documents of one contact. A prompt-payment discount
taken where VAT follows the consideration received reduces the VAT with the net (`_discount`); the share of a
CIS deduction a payment settles moves from Withheld to Realised (`documents.realise_withheld`). Whatever a
receipt or supplier payment leaves unallocated lives on as a payment-on-account artefact that can be
allocated later (`/contact_allocations`). Editing a payment reverses its transaction, removes its
allocations and applies it afresh; deleting it reverses and removes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.banking import service as banking
from ledgerd.contacts.models import Contact
from ledgerd.db.base import new_id
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.ledger import treatments
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import Transaction
from ledgerd.ledger.posting import Entries, post, reverse
from ledgerd.ledger.tax_accounts import account_for
from ledgerd.payments import documents
from ledgerd.payments.documents import CUSTOMER, VENDOR, ZERO, Side
from ledgerd.payments.models import Payment
from ledgerd.payments.schemas import AllocatedPaymentArtefactIn, ContactPaymentCreate, ContactPaymentUpdate
from ledgerd.regions.data import lookup
from ledgerd.settings.service import base_currency, check_currency, stored
from ledgerd.tenancy.models import Business


@dataclass(frozen=True)
class PaymentKind:
    side: Side
    # Money comes into the bank account (receipts, supplier refunds) or goes out.
    money_in: bool
    # Settles charges (invoices) or credits (credit notes, payments on account).
    settles_charges: bool
    discount_role: str | None
    leaves_on_account: bool

    def settles(self, artefact: Artefact) -> bool:
        return artefact.kind in (self.side.charges if self.settles_charges else self.side.credits)


KINDS = {
    "CUSTOMER_RECEIPT": PaymentKind(CUSTOMER, True, True, "DISCOUNTS_ALLOWED", True),
    "CUSTOMER_REFUND": PaymentKind(CUSTOMER, False, False, None, False),
    "VENDOR_PAYMENT": PaymentKind(VENDOR, False, True, "DISCOUNTS_RECEIVED", True),
    "VENDOR_REFUND": PaymentKind(VENDOR, True, False, None, False),
}


def allocations_of(db: Session, payment: Payment) -> list[Allocation]:
    return list(db.scalars(select(Allocation).where(Allocation.payment_id == payment.id)
                           .order_by(Allocation.created_at, Allocation.legacy_id)))


def signed(kind: PaymentKind, artefact: Artefact, amount: Decimal) -> Decimal:
    """An allocation as the wire shows it: documents on the other side of the account are negative."""
    return amount if kind.settles(artefact) else -amount


def create(db: Session, body: ContactPaymentCreate) -> Payment:
    business_id = current_business(db)
    assert business_id is not None
    payment = Payment(id=new_id(), business_id=business_id, kind="CONTACT_PAYMENT",
                      transaction_type_id=body.transaction_type_id, contact_id=body.contact_id,
                      bank_account_id=body.bank_account_id, date=body.date, total_amount=body.total_amount,
                      reference=body.reference or "")
    wanted = body.allocated_artefacts or []
    _apply(db, payment, body, wanted, None, documents.lock_documents(db, *(item.artefact_id for item in wanted)))
    return payment


def update(db: Session, payment: Payment, body: ContactPaymentUpdate) -> Payment:
    """Apply an edit to a payment (locked by the caller): its documents, old and new, are locked first."""
    current = allocations_of(db, payment)
    wanted = body.allocated_artefacts
    locked = documents.lock_documents(db, payment.payment_on_account_id, *(item.artefact_id for item in wanted or []),
                                      settled=current)
    if wanted is None:
        kind = KINDS[payment.transaction_type_id]
        wanted = [AllocatedPaymentArtefactIn(artefact_id=row.artefact_id, discount=row.discount,
                                             amount=signed(kind, locked[row.artefact_id], row.amount))
                  for row in current]
    if body.bank_account_id is not None:
        banking.find(db, body.bank_account_id, "bank_account_id")  # before it can be flushed
    for key in ("transaction_type_id", "contact_id", "bank_account_id", "date", "total_amount", "reference"):
        value = getattr(body, key)
        if value is not None:
            setattr(payment, key, value)
    poa = _unwind(db, payment, current, locked)
    _apply(db, payment, body, wanted, poa, locked)
    return payment


def delete(db: Session, payment: Payment) -> None:
    current = allocations_of(db, payment)
    poa = _unwind(db, payment, current, documents.lock_documents(db, payment.payment_on_account_id, settled=current))
    if poa is not None:
        if documents.settled_so_far(db, [poa.id])[poa.id] > ZERO:
            raise Invalid("The payment on account of this payment has been allocated; remove those allocations "
                          "first.", "base")
        db.delete(poa)
        db.flush()


def _unwind(db: Session, payment: Payment, current: list[Allocation], locked: dict[str, Artefact]) -> Artefact | None:
    """Take back what applying the payment did (its posting and its `current` allocations); returns its payment
    on account (among the `locked` documents)."""
    transaction = db.get(Transaction, payment.transaction_id) if payment.transaction_id else None
    if transaction is not None and not transaction.deleted:
        reverse(db, transaction)
    documents.remove_allocations(db, current, locked)
    return locked.get(payment.payment_on_account_id) if payment.payment_on_account_id else None


def _currency(payment: Payment, body: ContactPaymentUpdate, first: Artefact | None,
              contact_currency: str | None, base: str, financial: Mapping[str, Any]) -> tuple[str, Decimal]:
    currency = body.currency_id or (payment.currency_id if payment.transaction_id else None) \
        or (first.currency_id if first else None) or contact_currency or base
    if lookup("currencies", currency) is None:
        raise Invalid(f"{currency} is not a valid currency.", "currency_id")
    check_currency(financial, currency, base)
    if currency == base:
        if body.exchange_rate is not None and body.exchange_rate != 1:
            raise Invalid("must be 1 for a payment in the base currency.", "exchange_rate")
        return currency, Decimal(1)
    rate = body.exchange_rate or (payment.exchange_rate if payment.transaction_id and
                                  payment.currency_id == currency else None)
    if rate is None:
        raise Invalid("is required for a payment in a foreign currency.", "exchange_rate")
    return currency, rate


def _apply(db: Session, payment: Payment, body: ContactPaymentUpdate, wanted: list[AllocatedPaymentArtefactIn],
           poa: Artefact | None, locked: dict[str, Artefact]) -> None:
    kind = KINDS[payment.transaction_type_id]
    side = kind.side
    contact = documents.find_contact(db, payment.contact_id, "contact_id")
    documents.require_type(contact, side, "contact_id")
    bank = banking.find(db, payment.bank_account_id, "bank_account_id")
    method = body.payment_method_id or payment.payment_method_id or bank.default_payment_method_id
    if method is not None and lookup("payment_methods", method) is None:
        raise Invalid(f"{method} is not a valid payment method.", "payment_method_id")
    payment.payment_method_id = method

    # Which documents, for how much: each within what it still has outstanding.
    rows = [(artefact, item) for _, artefact, item in documents.named_documents(locked, wanted, contact, side,
                                                                                       payment.date)]
    base = base_currency(db)
    currency, rate = _currency(payment, body, rows[0][0] if rows else None, contact.currency_id, base,
                               stored(db, "financial"))
    if bank.currency_id not in (base, currency):
        raise Invalid(f"The bank account is in {bank.currency_id}; the payment is in {currency}.", "bank_account_id")
    allocated = ZERO
    for i, (artefact, item) in enumerate(rows):
        where = f"allocated_artefacts[{i}]"
        if artefact.currency_id != currency:
            raise Invalid(f"The artefact is in {artefact.currency_id}; the payment is in {currency}.",
                          f"{where}.artefact_id")
        if kind.settles(artefact):
            if item.amount < ZERO or item.amount + item.discount == ZERO:
                raise Invalid("must be greater than 0.", f"{where}.amount")
            if item.discount and kind.discount_role is None:
                raise Invalid("A refund cannot carry a discount.", f"{where}.discount")
        else:
            if item.amount >= ZERO:
                raise Invalid("must be negative: the artefact is on the other side of the contact's account.",
                              f"{where}.amount")
            if item.discount:
                raise Invalid("Only the artefacts a payment settles can carry a discount.", f"{where}.discount")
        if abs(item.amount) + item.discount > artefact.outstanding_amount:
            raise Invalid(f"exceeds the outstanding amount of the artefact ({artefact.outstanding_amount}).",
                          f"{where}.amount")
        allocated += item.amount
    remainder = payment.total_amount - allocated
    if remainder < ZERO:
        raise Invalid(f"is less than the amount allocated ({allocated}).", "total_amount")
    given = body.payment_on_account.total_amount if body.payment_on_account else None
    if given is not None and given != remainder:
        raise Invalid(f"must equal the unallocated part of the payment ({remainder}).",
                      "payment_on_account.total_amount")
    if remainder > ZERO and not kind.leaves_on_account:
        raise Invalid(f"A refund must be allocated in full ({remainder} unallocated).", "total_amount")

    payment.currency_id, payment.exchange_rate = currency, rate
    foreign = currency != base
    payment.base_currency_total_amount = (body.base_currency_total_amount or documents.to_base(
        payment.total_amount, rate)) if foreign else payment.total_amount
    payment.net_amount, payment.tax_amount = payment.total_amount, ZERO
    payment.base_currency_net_amount, payment.base_currency_tax_amount = payment.base_currency_total_amount, ZERO
    db.add(payment)
    db.flush()

    # The posting: bank on one side, the contact's control account on the other; discounts beside the bank,
    # the share of a CIS deduction paid moved to its Realised account, and whatever base-currency difference is
    # left is the exchange gain or loss.
    controls = control(db, side.control).id
    bank_debit = kind.money_in
    entries = Entries()
    entries.add(bank.ledger_account_id, payment.base_currency_total_amount, debit=bank_debit)
    already = documents.allocated_base(db, [a.id for a, _ in rows])
    before = documents.settled_so_far(db, [a.id for a, _ in rows if a.is_cis])  # only CIS documents move shares
    new_rows = []
    for artefact, item in rows:
        value = documents.settled_value(artefact, abs(item.amount) + item.discount, already[artefact.id], base)
        entries.add(controls, value, debit=not bank_debit if kind.settles(artefact) else bank_debit,
                    contact_id=contact.id)
        documents.realise_withheld(db, entries, side, artefact, abs(item.amount) + item.discount,
                                   before.get(artefact.id, ZERO), contact_id=contact.id)
        if item.discount and kind.discount_role:
            _discount(db, entries, kind, artefact, documents.to_base(item.discount, rate) if foreign else item.discount,
                      debit=bank_debit, contact_id=contact.id)
        new_rows.append(Allocation(business_id=payment.business_id, artefact_id=artefact.id, payment_id=payment.id,
                                   date=payment.date, amount=abs(item.amount), discount=item.discount,
                                   base_currency_amount=value))
    on_account = documents.to_base(remainder, rate) if foreign else remainder
    entries.add(controls, on_account, debit=not bank_debit, contact_id=contact.id)
    entries.balance_to(control(db, "EXCHANGE_GAIN_LOSS").id)
    post(db, business_id=payment.business_id, transaction_type_id=payment.transaction_type_id, on=payment.date,
         lines=entries.lines, reference=payment.reference, contact_id=contact.id,
         origin=("contact_payments", payment.id),
         total_in_transaction_currency=payment.total_amount if foreign else None, record=payment)
    db.add_all(new_rows)

    poa = _on_account(db, payment, body, poa, remainder, on_account, contact, side)
    payment.payment_on_account_id = poa.id if poa else None
    documents.refresh(db, [a for a, _ in rows] + ([poa] if poa else []))


def _discount(db: Session, entries: Entries, kind: PaymentKind, artefact: Artefact, amount: Decimal, *, debit: bool,
              contact_id: str) -> None:
    """A prompt-payment discount (base currency) beside the bank. Where VAT is due on the consideration actually
    received (ledger/treatments.DISCOUNT_REDUCES_TAX) it is split over the document's rates by their share of its
    gross: the net to the discount account and the VAT to the document's tax account, each with its rate, so the
    return's VAT and sales or purchases totals go down (docs/decisions/vat-treatments.md). Elsewhere it all goes
    to the discount account."""
    assert kind.discount_role is not None
    account = control(db, kind.discount_role).id
    business = db.get(Business, artefact.business_id)
    if business is None or business.country_id not in treatments.DISCOUNT_REDUCES_TAX:
        entries.add(account, amount, debit=debit, contact_id=contact_id)
        return
    # VAT the document did not charge (reverse charge, postponed import) is not reduced here.
    charged = not (artefact.vat_reverse_charge or artefact.postponed_accounting)
    by_rate: dict[str | None, tuple[Decimal, Decimal]] = {}
    figures = [(row.tax_rate_id, row.base_currency_net_amount, row.base_currency_tax_amount) for row in artefact.lines]
    figures.append((artefact.shipping_tax_rate_id, artefact.base_currency_shipping_net_amount,
                    artefact.base_currency_shipping_tax_amount))
    for rate_id, net, tax in figures:
        held_net, held_tax = by_rate.get(rate_id, (ZERO, ZERO))
        by_rate[rate_id] = (held_net + net, held_tax + (tax if charged else ZERO))
    for part in treatments.split_discount(amount, by_rate):
        entries.add(account, part.net, debit=debit, contact_id=contact_id, tax_rate_id=part.tax_rate_id)
        # The VAT goes back to the account the document's tax at that rate went to (ledger/tax_accounts.py).
        tax_account = account_for(db, part.tax_rate_id, sales=kind.side is CUSTOMER).id
        entries.add(tax_account, part.tax, debit=debit, contact_id=contact_id, tax_rate_id=part.tax_rate_id)


def _on_account(db: Session, payment: Payment, body: ContactPaymentUpdate, poa: Artefact | None,
                remainder: Decimal, base_value: Decimal, contact: Contact, side: Side) -> Artefact | None:
    """Create, resize or drop the payment on account holding the unallocated part."""
    used = documents.settled_so_far(db, [poa.id])[poa.id] if poa else ZERO
    if remainder == ZERO:
        if poa is not None:
            if used:
                raise Invalid("The payment on account of this payment has been allocated; it cannot be removed.",
                              "total_amount")
            db.delete(poa)
            db.flush()
        return None
    if poa is None:
        poa = Artefact(id=new_id(), business_id=payment.business_id, kind=side.payment_on_account,
                       contact_id=contact.id, date=payment.date, currency_id=payment.currency_id, status_id="UNPAID")
        db.add(poa)
    elif used > remainder:
        raise Invalid(f"{used} of the payment on account has been allocated already.", "total_amount")
    elif used and poa.contact_id != contact.id:
        raise Invalid("The payment on account of this payment has been allocated; the contact cannot change.",
                      "contact_id")
    elif used and poa.kind != side.payment_on_account:
        raise Invalid("The payment on account of this payment has been allocated; the type cannot change.",
                      "transaction_type_id")
    poa.kind = side.payment_on_account
    reference = (body.payment_on_account.reference if body.payment_on_account else None) or payment.reference
    poa.contact_id, poa.contact_name, poa.contact_reference = contact.id, contact.name, contact.reference
    poa.date, poa.reference, poa.currency_id, poa.exchange_rate = payment.date, reference, payment.currency_id, \
        payment.exchange_rate
    poa.net_amount = poa.total_amount = remainder
    poa.base_currency_net_amount = poa.base_currency_total_amount = base_value
    poa.transaction_id = payment.transaction_id
    db.flush()
    return poa
