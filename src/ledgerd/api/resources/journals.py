"""`/journals` and `/opening_balance_journals`: manual postings, each one balanced transaction.

The rules are in `journals.service`. DELETE reverses the journal's transaction and leaves a tombstone;
`POST /journals/{key}/reissue` does the same and posts a new journal in one go. Both resources share the
`journals` table, told apart by transaction type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, select
from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.pipeline import BusinessCall, Call, Result, business_route
from ledgerd.api.resource import Resource, forget, forgetting
from ledgerd.api.resources.analysis import SHOWN_ANALYSIS, line_items
from ledgerd.api.resources.ledger_links import links_for
from ledgerd.api.resources.transactions import transaction_link
from ledgerd.api.validation import Body
from ledgerd.journals import service
from ledgerd.journals.models import Journal
from ledgerd.journals.schemas import JournalCreate, JournalReissue, OpeningBalanceJournalCreate
from ledgerd.ledger.models import Transaction
from ledgerd.lookups.lists import link


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
    categories = line_items(call.db, service.LINES, [line.id for j in journals for line in j.lines])
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


def _create(call: BusinessCall, body: JournalCreate) -> Journal:
    return service.post_journal(call.db, call.business.id, body)


def _reissue(call: BusinessCall, changes: JournalReissue) -> Result:
    """Void the journal and post a new one: the body's attributes (none without a body) replace the old values,
    lines whole."""
    old = JOURNALS.find(call, call.path_params["key"], lock=True)
    new = service.reissue(call.db, call.business.id, old, changes, lambda journal: forget(call, JOURNALS, journal))
    return Result(present_journals(call, [new])[0], status=201, business_id=call.business.id)


def _create_opening(call: BusinessCall, body: OpeningBalanceJournalCreate) -> Journal:
    return service.post_opening(call.db, call.business.id, body, call.runtime.clock.now().date())


def _kind(kind: str) -> Callable[[Select[Any]], Select[Any]]:
    def scope(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(Journal.transaction_type_id == kind).order_by(Journal.legacy_id)

    return scope


JOURNALS: Resource[Journal] = Resource(
    path="journals", wrapper="journal", model=Journal, present=present_journals,
    displayed_as=lambda j: j.reference, scope=_kind(service.JOURNAL), date_column=Journal.date,
    create=_create, create_body=JournalCreate, delete=forgetting("journals", service.withdraw),
    query={"read": (SHOWN_ANALYSIS,)},
)

OPENING_BALANCE_JOURNALS: Resource[Journal] = Resource(
    path="opening_balance_journals", wrapper="opening_balance_journal", model=Journal, present=present_opening,
    displayed_as=lambda j: j.reference, scope=_kind(service.OPENING), date_column=Journal.date,
    create=_create_opening, create_body=OpeningBalanceJournalCreate,
    delete=forgetting("opening_balance_journals", service.withdraw),
)

routes: list[BaseRoute] = [
    *resource.routes(JOURNALS),
    business_route("/journals/{key}/reissue", _reissue, methods=["POST"],
                   body=Body("journal", JournalReissue, required=False)),
    *resource.routes(OPENING_BALANCE_JOURNALS),
]
