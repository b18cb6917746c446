"""How a posted document reaches the ledger: one balanced transaction in base currency.

Sales invoice: Dr DEBTORS total / Cr each line's account net / Cr SALES_TAX tax / Cr CARRIAGE shipping net /
Cr SALES_TAX shipping tax. Purchase invoice: Dr each line's account net / Dr PURCHASE_TAX tax / Cr CREDITORS
total. Credit notes take the opposite sides; so does a corrective invoice whose (signed) total is negative.
Each component is the document's own base-currency figure, and the control line is their sum, so the
transaction balances to the cent whatever the exchange rate.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerd.artefacts.kinds import Kind
from ledgerd.artefacts.models import Artefact
from ledgerd.db.base import new_id
from ledgerd.ledger import posting
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import Transaction

ZERO = Decimal(0)


def lines(db: Session, artefact: Artefact, kind: Kind) -> list[posting.Line]:
    """The entries of the document's transaction (zero amounts left out)."""
    # The control account (debtors/creditors) is debited for sales invoices and purchase credit notes.
    control_debit = (kind.sign > 0) == kind.sales
    tax_account = control(db, "SALES_TAX" if kind.sales else "PURCHASE_TAX").id
    out: list[posting.Line] = []

    def add(account_id: str, amount: Decimal, description: str, tax_rate_id: str | None) -> None:
        if amount == ZERO:
            return
        debit = not control_debit
        if amount < ZERO:  # e.g. a negative discount line: the entry changes side
            debit, amount = not debit, -amount
        out.append(posting.Line(account_id, debit=amount if debit else ZERO, credit=ZERO if debit else amount,
                                description=description, tax_rate_id=tax_rate_id))

    def add_tax(amount: Decimal, parts: list[dict[str, str]], description: str, tax_rate_id: str | None) -> None:
        if len(parts) > 1:  # a combined rate: one entry per component, so each tax can be reported
            for part in parts:
                add(tax_account, Decimal(part["base_currency_amount"]), description, part["tax_rate_id"])
        else:
            add(tax_account, amount, description, tax_rate_id)

    for row in artefact.lines:
        add(row.ledger_account_id, row.base_currency_net_amount, row.description, row.tax_rate_id)
        add_tax(row.base_currency_tax_amount, row.tax_breakdown or [], row.description, row.tax_rate_id)
    if kind.has_shipping:
        add(control(db, "CARRIAGE").id, artefact.base_currency_shipping_net_amount, "Shipping",
            artefact.shipping_tax_rate_id)
        add_tax(artefact.base_currency_shipping_tax_amount, artefact.shipping_tax_breakdown or [], "Shipping",
                artefact.shipping_tax_rate_id)
    other_side = sum((line.credit - line.debit for line in out), ZERO) * (1 if control_debit else -1)
    control_account = control(db, "DEBTORS" if kind.sales else "CREDITORS").id
    # `or ""`: a new document is posted before its flush fills the columns' defaults.
    description = artefact.document_number or artefact.reference or artefact.vendor_reference or ""
    if other_side != ZERO:
        # A negative total (a corrective invoice that reduces its original) moves the control entry's side.
        debit = control_debit if other_side > ZERO else not control_debit
        amount = abs(other_side)
        out.insert(0, posting.Line(control_account, debit=amount if debit else ZERO, credit=ZERO if debit else amount,
                                   description=description))
    return out


def post(db: Session, artefact: Artefact, kind: Kind) -> Transaction:
    """Post the document. A new one is written together with its transaction: it names the transaction
    before the flush, and nothing here flushes it early (the control accounts' query would)."""
    assert kind.transaction_type_id is not None
    artefact.transaction_id = transaction_id = new_id()
    with db.no_autoflush:
        entries = lines(db, artefact, kind)
    return posting.post(
        db, business_id=artefact.business_id, transaction_type_id=kind.transaction_type_id, on=artefact.date,
        lines=entries, reference=artefact.document_number or artefact.reference or "",
        contact_id=artefact.contact_id, origin=(kind.path, artefact.id),
        total_in_transaction_currency=artefact.total_amount, transaction_id=transaction_id)


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
