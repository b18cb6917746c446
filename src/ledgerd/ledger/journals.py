"""`/journals` and `/opening_balance_journals`: manual postings, each one balanced transaction.

A journal is never edited: DELETE reverses its transaction (the ledger keeps both, marked deleted) and
leaves a tombstone; `POST /journals/{key}/reissue` does the same and posts a new journal in one go.
An opening balance journal may be unbalanced: the difference goes to the OPENING_BALANCES control account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from starlette.routing import BaseRoute

from ledgerd.analysis.service import assign_all, category_ids
from ledgerd.api import resource
from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.api.resource import Resource, forget
from ledgerd.api.resources.analysis import line_items
from ledgerd.api.resources.transactions import transaction_link
from ledgerd.api.validation import parse_body
from ledgerd.db.base import new_id
from ledgerd.errors import Invalid
from ledgerd.ledger import posting
from ledgerd.ledger.accounts import control, usable
from ledgerd.ledger.links import links_for
from ledgerd.ledger.models import Journal, JournalLine, Transaction
from ledgerd.ledger.opening_balances import opening_date
from ledgerd.ledger.schemas import (
    JournalCreate,
    JournalLineIn,
    JournalReissue,
    OpeningBalanceJournalCreate,
    OpeningBalanceLineIn,
)
from ledgerd.lookups.lists import link
from ledgerd.tenancy.service import select_business

ZERO = Decimal(0)
JOURNAL = "JOURNAL"
# The `record_type` of journal lines' analysis type categories (area JOURNALS).
LINES = "journal_lines"
OPENING = "GENERAL_LEDGER_OPENING_BALANCE"


def _transactions(call: Call, journals: Sequence[Journal]) -> dict[str, Transaction]:
    ids = [j.transaction_id for j in journals if j.transaction_id]
    return {t.id: t for t in call.db.scalars(select(Transaction).where(Transaction.id.in_(ids)))} if ids else {}


def _head(journal: Journal, transactions: dict[str, Transaction], path: str) -> dict[str, Any]:
    return {"id": journal.id, "displayed_as": journal.reference, "$path": f"/{path}/{journal.id}",
            "created_at": journal.created_at, "updated_at": journal.updated_at,
            "transaction": transaction_link(transactions.get(journal.transaction_id or "")),
            "transaction_type": link("transaction_types", journal.transaction_type_id), "deleted_at": None,
            "date": journal.date, "reference": journal.reference}


def present_journals(call: Call, journals: Sequence[Journal]) -> list[dict[str, Any]]:
    links = links_for(call.db, call.runtime.clock.now().date(),
                      account_ids=[line.ledger_account_id for j in journals for line in j.lines])
    transactions = _transactions(call, journals)
    categories = line_items(call.db, LINES, [line.id for j in journals for line in j.lines])
    return [{
        **_head(j, transactions, "journals"), "description": j.description, "total": j.total, "journal_code": None,
        "journal_lines": [{
            "id": line.id, "ledger_account": links.account(line.ledger_account_id), "details": line.details,
            "debit": line.debit, "credit": line.credit, "analysis_type_categories": categories[line.id],
            "include_on_tax_return": line.include_on_tax_return, "tax_reconciled": False, "cleared": False,
            "bank_reconciled": False, "journal_line_foreign_currency": None,
        } for line in j.lines],
        "migrated": j.migrated,
    } for j in journals]


def present_opening(call: Call, journals: Sequence[Journal]) -> list[dict[str, Any]]:
    links = links_for(call.db, call.runtime.clock.now().date(),
                      account_ids=[line.ledger_account_id for j in journals for line in j.lines])
    transactions = _transactions(call, journals)
    return [{
        **_head(j, transactions, "opening_balance_journals"),
        "journal_lines": [{"id": line.id, "ledger_account": links.account(line.ledger_account_id),
                           "details": line.details, "debit": line.debit, "credit": line.credit} for line in j.lines],
    } for j in journals]


def _lines(call: Call, lines: Sequence[JournalLineIn | OpeningBalanceLineIn]) -> list[posting.Line]:
    """Checks every line (account usable in journals, one side only) and returns the posting lines."""
    out = []
    for i, line in enumerate(lines):
        account = usable(call.db, line.ledger_account_id, area="journals",
                         source=f"journal_lines[{i}].ledger_account_id")
        if line.debit and line.credit:
            raise Invalid("A journal line has either a debit or a credit, not both.", f"journal_lines[{i}].credit")
        out.append(posting.Line(account.id, debit=line.debit, credit=line.credit, description=line.details))
    if not any(line.debit or line.credit for line in out):
        raise Invalid("A journal needs non-zero debits and credits.", "journal_lines")
    return out


def _journal(call: Call, kind: str, on: date, reference: str, lines: Sequence[JournalLineIn | OpeningBalanceLineIn],
             postings: list[posting.Line], description: str = "", extra: Sequence[posting.Line] = ()) -> Journal:
    """Store the journal as sent and post its lines (plus `extra` ledger-only lines) as one transaction."""
    assert call.business is not None
    journal = Journal(id=new_id(), business_id=call.business.id, date=on, reference=reference,
                      description=description, transaction_type_id=kind, migrated=False,
                      total=sum((line.debit for line in lines), ZERO))
    journal.lines = [JournalLine(position=i, ledger_account_id=p.ledger_account_id, details=line.details,
                                 debit=line.debit, credit=line.credit,
                                 include_on_tax_return=getattr(line, "include_on_tax_return", False))
                     for i, (line, p) in enumerate(zip(lines, postings, strict=True))]
    origin = ("journals" if kind == JOURNAL else "opening_balance_journals", journal.id)
    transaction = posting.post(call.db, business_id=call.business.id, transaction_type_id=kind, on=on,
                               lines=[*postings, *extra], reference=reference, origin=origin)
    journal.transaction_id = transaction.id
    call.db.add(journal)
    call.db.flush()
    assign_all(call.db, LINES, {row.id: (line.analysis_type_categories, f"journal_lines[{i}].analysis_type_categories")
                                for i, (line, row) in enumerate(zip(lines, journal.lines, strict=True))
                                if isinstance(line, JournalLineIn) and line.analysis_type_categories}, "JOURNALS")
    return journal


def _post_journal(call: Call, body: JournalCreate) -> Journal:
    postings = _lines(call, body.journal_lines)
    debits = sum((line.debit for line in postings), ZERO)
    credits = sum((line.credit for line in postings), ZERO)
    if debits != credits:
        raise posting.Unbalanced(f"The journal does not balance: debits {debits} ≠ credits {credits}.",
                                 "journal_lines")
    if body.total is not None and body.total != debits:
        raise Invalid(f"must equal the total of the debits ({debits}).", "total")
    return _journal(call, JOURNAL, body.date, body.reference, body.journal_lines, postings, body.description)


def _create(call: Call) -> Journal:
    return _post_journal(call, parse_body(call.body, "journal", JournalCreate))


def _remove(call: Call, spec: Resource[Journal], journal: Journal) -> None:
    """Reverse the journal's transaction (same date, so every period nets to zero) and forget it."""
    transaction = call.db.get(Transaction, journal.transaction_id) if journal.transaction_id else None
    if transaction is not None and not transaction.deleted:
        posting.reverse(call.db, transaction)
    forget(call, spec, journal)


def _delete(call: Call, journal: Journal) -> Result | None:
    _remove(call, JOURNALS, journal)
    return None


def _reissue(call: Call) -> Result:
    """Void the journal and post a new one: the body's attributes replace the old values, lines whole."""
    assert call.business is not None
    old = JOURNALS.find(call, call.path_params["key"], lock=True)
    changes = parse_body(call.body, "journal", JournalReissue) if call.body else JournalReissue()
    kept = category_ids(call.db, LINES, [line.id for line in old.lines]) if changes.journal_lines is None else {}
    lines = changes.journal_lines if changes.journal_lines is not None else [
        JournalLineIn(ledger_account_id=line.ledger_account_id, debit=line.debit, credit=line.credit,
                      details=line.details, include_on_tax_return=line.include_on_tax_return,
                      analysis_type_categories=kept[line.id]) for line in old.lines]
    body = JournalCreate(date=changes.date or old.date, reference=changes.reference or old.reference,
                         description=old.description if changes.description is None else changes.description,
                         total=changes.total, journal_lines=lines)
    _remove(call, JOURNALS, old)
    new = _post_journal(call, body)
    return Result(present_journals(call, [new])[0], status=201, business_id=call.business.id)


def _create_opening(call: Call) -> Journal:
    body = parse_body(call.body, "opening_balance_journal", OpeningBalanceJournalCreate)
    postings = _lines(call, body.journal_lines)
    # The journal keeps the lines the client sent; the ledger balances them against the control account.
    difference = sum((p.debit - p.credit for p in postings), ZERO)
    extra = [posting.Line(control(call.db, "OPENING_BALANCES").id, debit=max(-difference, ZERO),
                          credit=max(difference, ZERO), description="Opening balance difference")] if difference else []
    on = body.date or opening_date(call.db, call.runtime.clock.now().date())
    return _journal(call, OPENING, on, body.reference or "Opening Balance", body.journal_lines, postings, extra=extra)


def _delete_opening(call: Call, journal: Journal) -> Result | None:
    _remove(call, OPENING_BALANCE_JOURNALS, journal)
    return None


def _kind(kind: str) -> Any:
    def scope(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(Journal.transaction_type_id == kind).order_by(Journal.legacy_id)

    return scope


JOURNALS: Resource[Journal] = Resource(
    path="journals", wrapper="journal", model=Journal, present=present_journals,
    displayed_as=lambda j: j.reference, scope=_kind(JOURNAL), date_column=Journal.date,
    create=_create, delete=_delete,
)

OPENING_BALANCE_JOURNALS: Resource[Journal] = Resource(
    path="opening_balance_journals", wrapper="opening_balance_journal", model=Journal, present=present_opening,
    displayed_as=lambda j: j.reference, scope=_kind(OPENING), date_column=Journal.date,
    create=_create_opening, delete=_delete_opening,
)

routes: list[BaseRoute] = [
    *resource.routes(JOURNALS),
    api_route("/journals/{key}/reissue", _reissue, methods=["POST"], business=True, select_business=select_business),
    *resource.routes(OPENING_BALANCE_JOURNALS),
]
