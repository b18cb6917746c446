"""How a posted document reaches the ledger: one balanced transaction in base currency.

Sales invoice: Dr DEBTORS total / Cr each line's account net / Cr output tax / Cr CARRIAGE shipping net /
Cr output tax on shipping. Purchase invoice: Dr each line's account net / Dr input tax / Cr CREDITORS total.
Which account takes each tax, and the part of purchase tax that is cost, is `ledger.tax_accounts`'s rule.
Credit notes take the opposite sides; so does a corrective invoice whose (signed) total is negative.
Each component is the document's own base-currency figure, and the control line is their sum, so the
transaction balances to the cent whatever the exchange rate.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerd.artefacts.kinds import Kind
from ledgerd.artefacts.models import Artefact
from ledgerd.ledger import posting
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import Transaction
from ledgerd.ledger.tax_accounts import add_tax

ZERO = Decimal(0)


def lines(db: Session, artefact: Artefact, kind: Kind) -> list[posting.Line]:
    """The entries of the document's transaction (zero amounts left out)."""
    # The control account (debtors/creditors) is debited for sales invoices and purchase credit notes; the
    # other lines take the other side.
    side = (kind.sign > 0) != kind.sales
    entries = posting.Entries()
    for row in artefact.lines:
        entries.add(row.ledger_account_id, row.base_currency_net_amount, debit=side, description=row.description,
                    tax_rate_id=row.tax_rate_id)
        # A combined rate's tax goes one entry per component (its breakdown), so each tax can be reported.
        add_tax(db, entries, row.base_currency_tax_amount, rate_id=row.tax_rate_id, sales=kind.sales, debit=side,
                line_account_id=row.ledger_account_id, breakdown=row.tax_breakdown or [],
                line_recoverable=row.tax_recoverable, description=row.description)
    if kind.has_shipping:
        carriage = control(db, "CARRIAGE").id
        entries.add(carriage, artefact.base_currency_shipping_net_amount, debit=side,
                    description="Shipping", tax_rate_id=artefact.shipping_tax_rate_id)
        add_tax(db, entries, artefact.base_currency_shipping_tax_amount, rate_id=artefact.shipping_tax_rate_id,
                sales=kind.sales, debit=side, line_account_id=carriage,
                breakdown=artefact.shipping_tax_breakdown or [], description="Shipping")
    # The control entry balances the others (a negative total, a corrective invoice that reduces its original,
    # moves it to the other side). `or ""`: a new document is posted before its flush fills the columns' defaults.
    entries.balance_to(control(db, "DEBTORS" if kind.sales else "CREDITORS").id, first=True,
                       description=artefact.document_number or artefact.reference or artefact.vendor_reference or "")
    return entries.lines


def post(db: Session, artefact: Artefact, kind: Kind) -> Transaction:
    """Post the document. A new one is written together with its transaction (`posting.post` names the
    transaction on it before the flush)."""
    assert kind.transaction_type_id is not None
    entries = lines(db, artefact, kind)
    return posting.post(
        db, business_id=artefact.business_id, transaction_type_id=kind.transaction_type_id, on=artefact.date,
        lines=entries, reference=artefact.document_number or artefact.reference or "",
        contact_id=artefact.contact_id, origin=(kind.path, artefact.id),
        total_in_transaction_currency=artefact.total_amount, record=artefact)


def unchanged(db: Session, artefact: Artefact, kind: Kind, transaction: Transaction) -> bool:
    """Whether re-posting would write the same entries (so an edit of notes leaves the ledger alone)."""
    def key(account: str, debit: Decimal, credit: Decimal, tax_rate_id: str | None) -> tuple[str, str, Decimal,
                                                                                            Decimal]:
        return account, tax_rate_id or "", debit, credit

    wanted = sorted(key(line.ledger_account_id, line.debit, line.credit, line.tax_rate_id)
                    for line in lines(db, artefact, kind))
    held = sorted(key(e.ledger_account_id, e.debit, e.credit, e.tax_rate_id) for e in transaction.entries)
    return (wanted == held and transaction.date == artefact.date and transaction.contact_id == artefact.contact_id
            and transaction.reference == (artefact.document_number or artefact.reference))


def repost(db: Session, artefact: Artefact, kind: Kind) -> None:
    """After an edit: reverse the old transaction and post the new one, unless nothing changed."""
    old = db.get(Transaction, artefact.transaction_id) if artefact.transaction_id else None
    if old is not None and not old.deleted:
        if unchanged(db, artefact, kind, old):
            return
        posting.reverse(db, old)
    post(db, artefact, kind)


def cancel(db: Session, artefact: Artefact) -> None:
    """Void: reverse the document's transaction, dated like the original."""
    old = db.get(Transaction, artefact.transaction_id) if artefact.transaction_id else None
    if old is not None and not old.deleted:
        posting.reverse(db, old)
