"""`/bank_reconciliations`: the resource spec and wire shape (the rules: banking/reconciliations.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.pipeline import Call
from ledgerd.api.presenters import bank_account_links
from ledgerd.api.resource import Resource
from ledgerd.banking.models import BankReconciliation
from ledgerd.banking.reconciliations import save
from ledgerd.banking.schemas import BankReconciliationCreate, BankReconciliationUpdate
from ledgerd.regions.data import lookup


def displayed_as(rec: BankReconciliation) -> str:
    return rec.reference or f"Bank Reconciliation {rec.statement_date.isoformat()}"


def present(call: Call, recs: Sequence[BankReconciliation]) -> list[dict[str, Any]]:
    banks = bank_account_links(call.db, [r.bank_account_id for r in recs])
    out = []
    for r in recs:
        status = lookup("bank_reconciliation_statuses", r.status_id)
        out.append({
            "id": r.id, "displayed_as": displayed_as(r), "$path": f"/bank_reconciliations/{r.id}",
            "created_at": r.created_at, "updated_at": r.updated_at, "bank_account": banks.get(r.bank_account_id),
            "statement_date": r.statement_date, "statement_end_balance": r.statement_end_balance,
            "reference": r.reference, "total_received": r.total_received, "total_paid": r.total_paid,
            "starting_balance": r.starting_balance, "closing_balance": r.closing_balance,
            "reconciled_balance": r.reconciled_balance,
            "balance_difference": r.statement_end_balance - r.reconciled_balance,
            # BankReconciliationStatus has no `$path` (there is no list of them to point at).
            "status": {"id": r.status_id, "displayed_as": status["displayed_as"] if status else r.status_id},
        })
    return out


BANK_RECONCILIATIONS: Resource[BankReconciliation] = Resource(
    path="bank_reconciliations", wrapper="bank_reconciliation", model=BankReconciliation, present=present,
    displayed_as=displayed_as, filters={"bank_account_id": lambda v: BankReconciliation.bank_account_id == v},
    create_body=BankReconciliationCreate,
    create=lambda call, body: save(call.db, None, body, call.runtime.clock.today()),
    update_body=BankReconciliationUpdate,
    update=lambda call, rec, body: save(call.db, rec, body, call.runtime.clock.today()),
)

routes: list[BaseRoute] = resource.routes(BANK_RECONCILIATIONS)
