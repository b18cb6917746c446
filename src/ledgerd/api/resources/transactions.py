"""`/transactions` and `/ledger_entries`: the audit trail, read-only.

Every posting is one transaction with its entries; a reversal (void, edit, delete of its origin) marks the
original and its mirror `deleted`, and their entries answer `deleted: true`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from ledgerd.api import params, presenters, resource
from ledgerd.api.pipeline import Call
from ledgerd.api.presenters import contact_links
from ledgerd.api.resource import Resource
from ledgerd.api.resources.ledger_links import links_for
from ledgerd.artefacts.models import Artefact
from ledgerd.attachments.service import on_transaction, transaction_counts
from ledgerd.journals.models import Journal
from ledgerd.ledger.models import LedgerEntry, Transaction
from ledgerd.lookups.lists import link
from ledgerd.regions.data import lookup

QUOTE_KINDS = frozenset({"SALES_QUOTE", "SALES_ESTIMATE"})


def type_name(type_id: str) -> str:
    found = lookup("transaction_types", type_id)
    return found["displayed_as"] if found else type_id


def transaction_displayed_as(transaction: Transaction) -> str:
    return transaction.reference or type_name(transaction.transaction_type_id)


def transaction_link(transaction: Transaction | None) -> dict[str, str] | None:
    if transaction is None:
        return None
    return presenters.transaction_link(transaction.id, transaction_displayed_as(transaction))


def _origins(db: Session, transactions: Sequence[Transaction]) -> tuple[dict[str, Any], dict[str, str]]:
    """The artefacts behind the transactions (for expand_origin) and the names of every origin."""
    ids = {t.origin_id for t in transactions if t.origin_id}
    if not ids:
        return {}, {}
    artefacts = {a.id: a for a in db.scalars(select(Artefact).where(Artefact.id.in_(ids)))}
    names = {a.id: a.document_number or a.reference for a in artefacts.values()}
    names.update({j.id: j.reference for j in db.scalars(select(Journal).where(Journal.id.in_(ids - set(artefacts))))})
    return artefacts, names


def _origin(transaction: Transaction, artefacts: dict[str, Any], names: dict[str, str],
            expand: bool) -> dict[str, Any] | None:
    if not transaction.origin_type or not transaction.origin_id:
        return None
    key = transaction.origin_id
    out: dict[str, Any] = {"id": key, "displayed_as": names.get(key) or transaction_displayed_as(transaction),
                           "$path": f"/{transaction.origin_type}/{key}", "links": []}
    artefact = artefacts.get(key)
    if expand and artefact is not None:
        quote = artefact.kind in QUOTE_KINDS
        status = lookup("quote_statuses", artefact.status_id) if quote else None
        out.update({
            "due_date": artefact.due_date, "outstanding_amount": artefact.outstanding_amount,
            "currency": link("currencies", artefact.currency_id),
            "status": ({"id": artefact.status_id, "displayed_as": status["displayed_as"]} if status
                       else link("artefact_statuses", artefact.status_id)),
        })
        if artefact.kind.startswith("SALES"):
            out["sent"] = artefact.sent
    return out


EXPAND_ORIGIN = params.Param("expand_origin", "boolean", "Show the record that posted each transaction (a document's "
                             "number, dates, amounts and status) instead of its link.")


def present_transactions(call: Call, transactions: Sequence[Transaction]) -> list[dict[str, Any]]:
    expand = params.boolean(EXPAND_ORIGIN.name, call.query.get(EXPAND_ORIGIN.name, "false"))
    artefacts, names = _origins(call.db, transactions)
    contacts = contact_links(call.db, [t.contact_id for t in transactions])
    attachments = transaction_counts(call.db, transactions)
    return [{
        "id": t.id, "displayed_as": transaction_displayed_as(t), "$path": f"/transactions/{t.id}",
        "created_at": t.created_at, "updated_at": t.updated_at, "date": t.date, "deleted": t.deleted,
        "reference": t.reference, "total": t.total, "total_in_transaction_currency": t.total_in_transaction_currency,
        "contact": contacts.get(t.contact_id) if t.contact_id else None,
        "transaction_type": link("transaction_types", t.transaction_type_id),
        "origin": _origin(t, artefacts, names, expand), "audit_trail_id": str(t.legacy_id),
        "number_of_attachments": str(attachments.get(t.id, 0)),
    } for t in transactions]


def _day_start(name: str, raw: str) -> datetime:
    return datetime.combine(params.day(name, raw), time(), tzinfo=UTC)


def _day_end(name: str, raw: str) -> datetime:
    # The day's last microsecond, not the next day's start: the next day of 9999-12-31 does not exist.
    return datetime.combine(params.day(name, raw), time.max, tzinfo=UTC)


TRANSACTIONS: Resource[Transaction] = Resource(
    path="transactions", wrapper="transaction", model=Transaction, present=present_transactions,
    displayed_as=transaction_displayed_as, date_column=Transaction.date,
    scope=lambda stmt: stmt.order_by(Transaction.legacy_id),
    query={action: (EXPAND_ORIGIN,) for action in ("list", "read")},
    filters={
        "transaction_type_id": lambda v: Transaction.transaction_type_id == v.strip().upper(),
        "updated_from_date": lambda v: Transaction.updated_at >= _day_start("updated_from_date", v),
        "updated_to_date": lambda v: Transaction.updated_at <= _day_end("updated_to_date", v),
        "has_attachments": lambda v: on_transaction(Transaction.id, Transaction.origin_id)
        if params.boolean("has_attachments", v) else ~on_transaction(Transaction.id, Transaction.origin_id),
    },
)


def present_entries(call: Call, entries: Sequence[LedgerEntry]) -> list[dict[str, Any]]:
    links = links_for(call.db, call.runtime.clock.now().date(), account_ids=[e.ledger_account_id for e in entries],
                      tax_rate_ids=[e.tax_rate_id for e in entries])
    ids = {e.transaction_id for e in entries}
    transactions = {t.id: t for t in call.db.scalars(select(Transaction).where(Transaction.id.in_(ids)))} if ids else {}
    contacts = contact_links(call.db, [e.contact_id for e in entries])
    out = []
    for e in entries:
        transaction = transactions.get(e.transaction_id)
        out.append({
            "id": e.id, "displayed_as": entry_displayed_as(e), "$path": f"/ledger_entries/{e.id}",
            "created_at": e.created_at, "updated_at": e.updated_at, "date": e.date, "credit": e.credit,
            "debit": e.debit, "ledger_account": links.account(e.ledger_account_id),
            "transaction": transaction_link(transaction),
            "contact": contacts.get(e.contact_id) if e.contact_id else None,
            "deleted": bool(transaction and transaction.deleted), "tax_rate": links.tax_rate(e.tax_rate_id, e.date),
            "description": e.description, "journal_code": None,
        })
    return out


def entry_displayed_as(entry: LedgerEntry) -> str:
    return entry.description or type_name(entry.transaction_type_id)


def _entry_order(stmt: Select[Any]) -> Select[Any]:
    return stmt.order_by(LedgerEntry.created_at, LedgerEntry.transaction_id, LedgerEntry.position)


def _no_journal_codes(raw: str) -> ColumnElement[bool]:
    # Journal codes exist only in France, and ledgerd keeps none, so no entry carries one.
    return false()


LEDGER_ENTRIES: Resource[LedgerEntry] = Resource(
    path="ledger_entries", wrapper="ledger_entry", model=LedgerEntry, present=present_entries,
    displayed_as=entry_displayed_as, date_column=LedgerEntry.date, scope=_entry_order,
    filters={
        "transaction_id": lambda v: LedgerEntry.transaction_id == v.strip(),
        "ledger_account_id": lambda v: LedgerEntry.ledger_account_id == v.strip(),
        "transaction_type_id": lambda v: LedgerEntry.transaction_type_id == v.strip().upper(),
        "journal_code_id": _no_journal_codes,
    },
)

routes: list[BaseRoute] = [*resource.routes(TRANSACTIONS), *resource.routes(LEDGER_ENTRIES)]
