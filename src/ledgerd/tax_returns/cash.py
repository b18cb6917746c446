"""The cash basis: VAT is due when a document is paid (HMRC VAT Notice 731; Revenue's moneys received basis).

A document's own posting stays out of the return on the side(s) the scheme accounts for when paid
(`figures.Scope.conditions`). Instead, each allocation settling it (a payment, a refund, or a contact allocation
against a credit note) in the period brings the same share of the document's VAT and net amounts as it settles
of its total: 40.00 paid on a 120.00 invoice brings a third of its VAT and of its net value. Shares are running
totals rounded to the penny, so a document paid in full brings exactly its own figures. Discounts bring nothing:
VAT is due on what is received.

A return takes the allocations' transactions (the payment, refund or contact allocation), recorded as filed
like any other (`TaxReturnTransaction`): a payment dated in a filed period but entered later comes into the next
return, and none counts twice. A document already declared on the invoice basis (its transaction taken by a
return filed before the business changed scheme) brings nothing when it is paid.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.ledger.models import LedgerEntry, TaxReturnTransaction, Transaction
from ledgerd.payments.models import ContactAllocation, Payment
from ledgerd.tax_returns.amounts import Figures
from ledgerd.tax_returns.figures import OUTPUT_TYPES, Scope, by_transaction

ZERO = Decimal(0)
# The transaction an allocation was posted with: its payment's, or its contact allocation's.
_POSTED = func.coalesce(Payment.transaction_id, ContactAllocation.transaction_id)


def _cash_side(scope: Scope) -> ColumnElement[bool]:
    """Documents (by their transaction's type) whose VAT the scheme accounts for when paid."""
    output = Transaction.transaction_type_id.in_(OUTPUT_TYPES)
    if scope.scheme.cash_outputs and scope.scheme.cash_inputs:
        return Transaction.transaction_type_id.is_not(None)
    return output if scope.scheme.cash_outputs else ~output


def _allocations(db: Session, scope: Scope) -> list[tuple[str, str, str]]:
    """(allocation id, document id, posted transaction id) of the allocations the return takes."""
    taken = select(TaxReturnTransaction.transaction_id)
    return [(row[0], row[1], row[2]) for row in db.execute(
        select(Allocation.id, Allocation.artefact_id, _POSTED)
        .outerjoin(Payment, Payment.id == Allocation.payment_id)
        .outerjoin(ContactAllocation, ContactAllocation.id == Allocation.contact_allocation_id)
        .join(Artefact, Artefact.id == Allocation.artefact_id)
        .join(Transaction, Transaction.id == Artefact.transaction_id)
        .where(scope.dated(Allocation.date), _POSTED.is_not(None), _POSTED.not_in(taken),
               Artefact.transaction_id.not_in(taken), Transaction.deleted.is_(False), _cash_side(scope)))]


def received(db: Session, scope: Scope) -> Figures:
    """The paid shares of documents the return takes (nothing off the cash basis)."""
    if not scope.scheme.cash:
        return Figures()
    wanted = _allocations(db, scope)
    if not wanted:
        return Figures()
    in_scope = {allocation_id for allocation_id, _, _ in wanted}
    documents = {row[0]: (row[1], row[2]) for row in db.execute(
        select(Artefact.id, Artefact.total_amount, Artefact.transaction_id)
        .where(Artefact.id.in_({document_id for _, document_id, _ in wanted})))}
    # Every allocation of those documents, oldest first: the running total says where each share starts.
    settled: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for allocation_id, document_id, amount in db.execute(
            select(Allocation.id, Allocation.artefact_id, Allocation.amount)
            .where(Allocation.artefact_id.in_(documents)).order_by(Allocation.date, Allocation.legacy_id)):
        settled[document_id].append((allocation_id, amount))
    whole = by_transaction(db, [LedgerEntry.transaction_id.in_({t for _, t in documents.values()}), *scope.taxed(db)],
                           scope.scheme)
    out = Figures()
    for document_id, (total, transaction_id) in documents.items():
        figures = whole.get(transaction_id or "")
        if figures is None or not total:
            continue
        paid = ZERO
        for allocation_id, amount in settled[document_id]:
            before, paid = paid, paid + amount
            if allocation_id in in_scope:
                out += figures.share(before / total, paid / total)
    return out


def transaction_ids(db: Session, scope: Scope) -> list[str]:
    """The allocations' transactions the return takes (to record them as filed)."""
    if not scope.scheme.cash:
        return []
    return sorted({posted for _, _, posted in _allocations(db, scope)})
