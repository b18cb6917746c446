"""Other payments and receipts: money in or out of a bank account straight to ledger accounts, no document.

An OTHER_PAYMENT debits each line's account with its net amount and the input tax account with its tax, and
credits the bank with the total; an OTHER_RECEIPT is the mirror image (output tax). Which account takes each
tax, and the part of purchase tax that is cost, is `ledger.tax_accounts`'s rule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.analysis.service import assign_all, category_ids
from ledgerd.artefacts import compute
from ledgerd.banking import service as banking
from ledgerd.db.base import new_id
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.ledger.accounts import usable
from ledgerd.ledger.models import TaxRate, Transaction
from ledgerd.ledger.posting import Entries, post, reverse
from ledgerd.ledger.tax_accounts import add_tax, split, withholding_account
from ledgerd.ledger.tax_rates import percentage_on
from ledgerd.payments import documents
from ledgerd.payments.documents import ZERO
from ledgerd.payments.models import Payment, PaymentLine
from ledgerd.payments.schemas import OtherPaymentCreate, OtherPaymentUpdate, PaymentLineIn
from ledgerd.regions.data import lookup
from ledgerd.settings.service import base_currency
from ledgerd.tenancy.models import Business

AREAS = {"OTHER_PAYMENT": "other_payments", "OTHER_RECEIPT": "other_receipts"}
# The `record_type` of other-payment lines' analysis type categories (area BANKING: "bank payments and receipts").
LINES = "payment_lines"


def save(db: Session, payment: Payment | None, body: OtherPaymentCreate | OtherPaymentUpdate) -> Payment:
    business_id = current_business(db)
    assert business_id is not None
    kind = body.transaction_type_id or (payment.transaction_type_id if payment else None)
    assert kind is not None
    bank_id = body.bank_account_id or (payment.bank_account_id if payment else None)
    if bank_id is None:
        raise Invalid("is required.", "bank_account_id")
    bank = banking.find(db, bank_id, "bank_account_id")
    base = base_currency(db)
    if bank.currency_id != base:
        raise Invalid(f"Other payments are recorded in {base}; this bank account is in {bank.currency_id}.",
                      "bank_account_id")
    contact_id = body.contact_id or (payment.contact_id if payment else None)
    if contact_id is not None:
        documents.find_contact(db, contact_id, "contact_id")
    method = body.payment_method_id or (payment.payment_method_id if payment else bank.default_payment_method_id)
    if method is not None and lookup("payment_methods", method) is None:
        raise Invalid(f"{method} is not a valid payment method.", "payment_method_id")
    on = body.date or (payment.date if payment else None)
    assert on is not None
    wanted = body.payment_lines
    if wanted is None:
        assert payment is not None
        kept = category_ids(db, LINES, [line.id for line in payment.lines])
        wanted = [PaymentLineIn(ledger_account_id=line.ledger_account_id, total_amount=line.total_amount,
                                net_amount=line.net_amount, tax_amount=line.tax_amount, tax_rate_id=line.tax_rate_id,
                                details=line.details, analysis_type_categories=kept[line.id]) for line in payment.lines]
    lines = [_line(db, kind, i, item, on) for i, item in enumerate(wanted)]
    total = body.total_amount or (payment.total_amount if payment else ZERO)
    if sum((line.total_amount for line in lines), ZERO) != total:
        raise Invalid(f"must equal the sum of the payment lines ({sum(line.total_amount for line in lines)}).",
                      "total_amount")

    if payment is None:
        payment = Payment(id=new_id(), business_id=business_id, kind="OTHER_PAYMENT")
    elif payment.transaction_id:
        old = db.get(Transaction, payment.transaction_id)
        if old is not None and not old.deleted:
            reverse(db, old)
    payment.transaction_type_id, payment.bank_account_id, payment.contact_id = kind, bank.id, contact_id
    payment.payment_method_id, payment.date = method, on
    if body.reference is not None:
        payment.reference = body.reference
    payment.currency_id, payment.exchange_rate = base, Decimal(1)
    payment.net_amount = payment.base_currency_net_amount = sum((line.net_amount for line in lines), ZERO)
    payment.tax_amount = payment.base_currency_tax_amount = sum((line.tax_amount for line in lines), ZERO)
    payment.total_amount = payment.base_currency_total_amount = total
    _withholding(db, payment, body, business_id)
    payment.lines = lines
    db.add(payment)
    db.flush()
    # Lines are stored afresh on every save, so each takes the categories given with it (or kept above).
    assign_all(db, LINES, {line.id: (item.analysis_type_categories, f"payment_lines[{i}].analysis_type_categories")
                           for i, (item, line) in enumerate(zip(wanted, lines, strict=True))
                           if item.analysis_type_categories}, "BANKING")

    receipt = kind == "OTHER_RECEIPT"
    entries = Entries()
    for line in lines:
        entries.add(line.ledger_account_id, line.net_amount, debit=not receipt, contact_id=contact_id,
                    tax_rate_id=line.tax_rate_id, description=line.details)
        add_tax(db, entries, line.tax_amount, rate_id=line.tax_rate_id, sales=receipt, debit=not receipt,
                line_account_id=line.ledger_account_id,
                breakdown=split(db, line.tax_rate_id, line.net_amount, line.tax_amount, on),
                line_recoverable=line.tax_recoverable,
                contact_id=contact_id, description=line.details)
    # IRPF withheld (docs/decisions/spain.md): the bank moves the total less it; it is owed to Hacienda (4751) on a
    # payment, or was paid to Hacienda on the business's account (4730) on a receipt.
    withheld = payment.withholding_tax_amount or ZERO
    if withheld:
        entries.add(withholding_account(db, sales=receipt).id, withheld, debit=receipt, contact_id=contact_id,
                    description="IRPF")
    entries.add(bank.ledger_account_id, total - withheld, debit=receipt, contact_id=contact_id)
    post(db, business_id=business_id, transaction_type_id=kind, on=on, lines=entries.lines, reference=payment.reference,
         contact_id=contact_id, origin=("other_payments", payment.id), record=payment)
    db.flush()
    return payment


def _withholding(db: Session, payment: Payment, body: OtherPaymentCreate | OtherPaymentUpdate,
                 business_id: str) -> None:
    """IRPF withheld on an ES other payment or receipt: rate x the lines' net, a sent amount checked like a tax
    amount (artefacts.compute.withholding); the rate sent, else the payment's own. Other countries refuse it."""
    sent = {"withholding_tax_rate", "withholding_tax_amount"} & body.model_fields_set
    if not sent and payment.withholding_tax_rate is None:
        return  # nothing withheld, nothing asked: no need to read the business
    business = db.get(Business, business_id) if sent else None
    if business is not None and business.country_id != "ES":
        for name in ("withholding_tax_rate", "withholding_tax_amount"):
            if getattr(body, name):
                raise Invalid(f"{name} (IRPF) is only used on other payments of ES businesses.", name)
        return
    rate = body.withholding_tax_rate if "withholding_tax_rate" in body.model_fields_set else \
        payment.withholding_tax_rate
    if rate is None or rate == ZERO:
        if body.withholding_tax_amount:
            raise Invalid("withholding_tax_amount needs a withholding_tax_rate above 0.", "withholding_tax_amount")
        payment.withholding_tax_rate, payment.withholding_tax_amount = rate, ZERO
        return
    try:
        amount = compute.withholding(payment.net_amount, rate, body.withholding_tax_amount)
    except compute.TaxMismatch as exc:
        raise Invalid(str(exc), "withholding_tax_amount") from None
    if amount >= payment.total_amount:
        raise Invalid("withholding_tax_amount must be less than the total.", "withholding_tax_amount")
    payment.withholding_tax_rate, payment.withholding_tax_amount = rate, amount


def _line(db: Session, kind: str, i: int, item: PaymentLineIn, on: dt.date) -> PaymentLine:
    where = f"payment_lines[{i}]"
    account = usable(db, item.ledger_account_id, area=AREAS[kind], source=f"{where}.ledger_account_id")
    rate = None
    if item.tax_rate_id:
        rate = db.scalars(select(TaxRate).where(TaxRate.id == item.tax_rate_id)).first()
        if rate is None:
            raise Invalid("Couldn't find tax rate.", f"{where}.tax_rate_id")
    total, net, tax = item.total_amount, item.net_amount, item.tax_amount
    if net is None and tax is None:
        percentage = percentage_on(rate, on) if rate is not None else ZERO
        tax = documents.cents(total * percentage / (100 + percentage))
    if net is None:
        net = total - (tax or ZERO)
    if tax is None:
        tax = total - net
    if net < ZERO or net + tax != total:
        raise Invalid("must equal net_amount + tax_amount.", f"{where}.total_amount")
    return PaymentLine(id=new_id(), position=i, ledger_account_id=account.id, details=item.details or "",
                       tax_rate_id=item.tax_rate_id, net_amount=net, tax_amount=tax, total_amount=total,
                       tax_recoverable=item.tax_recoverable if kind == "OTHER_PAYMENT" else None)
