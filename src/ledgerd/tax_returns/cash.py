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

Services lines only (France's TVA sur les encaissements, schemes.py): a document's own posting stays in the
return of its period, less its services part; each allocation then brings its share of that services part, as
above. A document's services part is, for each of its parts (amounts.Part), the share of the services lines in
it: their net on the part's account at its rate, or their tax at its rate (a line is a service when it names a
catalog service or its `eu_goods_services_type_id` is SERVICES; shipping is goods; only ordinary VAT waits, not
autoliquidated or self-accounted VAT, due when the service is supplied, CGI art. 269-2-a). Its own transaction having
been taken by an earlier return (for its goods) does not stop the services part counting when paid.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Allocation, Artefact, ArtefactLine
from ledgerd.ledger.models import LedgerEntry, TaxReturnTransaction, Transaction
from ledgerd.payments.models import ContactAllocation, Payment
from ledgerd.tax_returns.amounts import INPUT_TAX, OUTPUT_TAX, Figures, Part
from ledgerd.tax_returns.figures import OUTPUT_TYPES, Scope, by_transaction

ZERO = Decimal(0)
# The transaction an allocation was posted with: its payment's, or its contact allocation's.
_POSTED = func.coalesce(Payment.transaction_id, ContactAllocation.transaction_id)


def _cash_side(scope: Scope) -> ColumnElement[bool]:
    """Documents (by their transaction's type) whose VAT (or services' VAT) the scheme accounts for when paid."""
    output = Transaction.transaction_type_id.in_(OUTPUT_TYPES)
    scheme = scope.scheme
    outputs, inputs = ((scheme.cash_outputs, scheme.cash_inputs) if scheme.cash
                       else (scheme.services_outputs, scheme.services_inputs))
    if outputs and inputs:
        return Transaction.transaction_type_id.is_not(None)
    return output if outputs else ~output


def _allocations(db: Session, scope: Scope) -> list[tuple[str, str, str]]:
    """(allocation id, document id, posted transaction id) of the allocations the return takes."""
    taken = select(TaxReturnTransaction.transaction_id)
    # A document declared whole on the invoice basis brings nothing; one whose goods were declared still brings
    # its services when paid.
    declared = [Artefact.transaction_id.not_in(taken)] if scope.scheme.cash else []
    return [(row[0], row[1], row[2]) for row in db.execute(
        select(Allocation.id, Allocation.artefact_id, _POSTED)
        .outerjoin(Payment, Payment.id == Allocation.payment_id)
        .outerjoin(ContactAllocation, ContactAllocation.id == Allocation.contact_allocation_id)
        .join(Artefact, Artefact.id == Allocation.artefact_id)
        .join(Transaction, Transaction.id == Artefact.transaction_id)
        .where(scope.dated(Allocation.date), _POSTED.is_not(None), _POSTED.not_in(taken), *declared,
               Transaction.deleted.is_(False), _cash_side(scope)))]


def _services(db: Session, documents: dict[str, str], whole: dict[str, Figures]) -> dict[str, Figures]:
    """The services part of each document (`documents`: document id -> its transaction id) whose transaction's
    figures are in `whole`; documents without services lines have none."""
    lines: dict[str, list[ArtefactLine]] = defaultdict(list)
    for line in db.scalars(select(ArtefactLine).where(ArtefactLine.artefact_id.in_(documents))):
        lines[line.artefact_id].append(line)
    out: dict[str, Figures] = {}
    for document_id, transaction_id in documents.items():
        found = whole.get(transaction_id)
        mine = lines.get(document_id, [])
        if found is None or not any(_is_service(line) for line in mine):
            continue
        net: dict[tuple[str, str | None], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        tax: dict[str | None, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for line in mine:
            for held, amount in ((net[(line.ledger_account_id, line.tax_rate_id)], line.base_currency_net_amount),
                                 (tax[line.tax_rate_id], line.base_currency_tax_amount)):
                held[0] += amount if _is_service(line) else ZERO
                held[1] += amount

        def fraction(part: Part, net: dict[tuple[str, str | None], list[Decimal]] = net,
                     tax: dict[str | None, list[Decimal]] = tax) -> Decimal:
            if part.treatment is not None:  # self-accounted or untaxed abroad: due when supplied, not when paid
                return ZERO
            service, every = (tax[part.rate] if part.figure in (OUTPUT_TAX, INPUT_TAX)
                              else net[(part.account, part.rate)])
            return service / every if every else ZERO
        out[transaction_id] = found.portion(fraction)
    return out


def _is_service(line: ArtefactLine) -> bool:
    return line.service_id is not None or line.eu_goods_services_type_id == "SERVICES"


def received(db: Session, scope: Scope) -> Figures:
    """What the cash basis changes in the return: the paid shares of documents the return takes (whole documents,
    or their services parts, less the services parts of the documents whose own postings it takes); nothing off
    the cash basis."""
    if not (scope.scheme.cash or scope.scheme.services):
        return Figures()
    out = -_deferred(db, scope) if scope.scheme.services else Figures()
    wanted = _allocations(db, scope)
    if not wanted:
        return out
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
    if scope.scheme.services:
        whole = _services(db, {d: t for d, (_, t) in documents.items() if t}, whole)
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


def _deferred(db: Session, scope: Scope) -> Figures:
    """The services parts of the documents on the scheme's side whose own postings the return takes."""
    rows = db.execute(select(Artefact.id, Artefact.transaction_id)
                      .join(Transaction, Transaction.id == Artefact.transaction_id)
                      .where(Artefact.transaction_id.in_(scope.entries(db, LedgerEntry.transaction_id)),
                             _cash_side(scope))).all()
    documents = {row[0]: row[1] for row in rows if row[1]}
    if not documents:
        return Figures()
    whole = by_transaction(db, [LedgerEntry.transaction_id.in_(documents.values()), *scope.conditions(db)],
                           scope.scheme)
    return sum(_services(db, documents, whole).values(), Figures())


def transaction_ids(db: Session, scope: Scope) -> list[str]:
    """The allocations' transactions the return takes (to record them as filed)."""
    if not (scope.scheme.cash or scope.scheme.services):
        return []
    return sorted({posted for _, _, posted in _allocations(db, scope)})
