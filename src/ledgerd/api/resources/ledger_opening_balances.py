"""`/ledger_account_opening_balances`: one opening balance per ledger account, each a posted transaction.

The rules (which accounts, one side only, edit = reverse and repost, delete = reverse) are in
`ledger.opening_balances`, shared with bank opening balances; a new one is posted on
`settings.service.opening_date`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.pipeline import Call
from ledgerd.api.resource import Resource, forgetting
from ledgerd.api.resources.ledger_links import links_for
from ledgerd.ledger import opening_balances as service
from ledgerd.ledger.models import LedgerAccountOpeningBalance
from ledgerd.ledger.schemas import LedgerAccountOpeningBalanceCreate, LedgerAccountOpeningBalanceUpdate
from ledgerd.settings.service import opening_date

PATH, WRAPPER = "ledger_account_opening_balances", "ledger_account_opening_balance"


def displayed_as(opening: LedgerAccountOpeningBalance) -> str:
    return opening.details or service.REFERENCE


def present(call: Call, openings: Sequence[LedgerAccountOpeningBalance]) -> list[dict[str, Any]]:
    links = links_for(call.db, call.runtime.clock.now().date(), account_ids=[o.ledger_account_id for o in openings])
    return [{
        "id": o.id, "displayed_as": displayed_as(o), "$path": f"/{PATH}/{o.id}",
        "created_at": o.created_at, "updated_at": o.updated_at,
        "ledger_account": links.account(o.ledger_account_id), "details": o.details, "debit": o.debit,
        "credit": o.credit,
    } for o in openings]


def _create(call: Call, body: LedgerAccountOpeningBalanceCreate) -> LedgerAccountOpeningBalance:
    return service.create(call.db, body, opening_date(call.db, call.runtime.clock.now().date()))


def _update(call: Call, opening: LedgerAccountOpeningBalance,
            body: LedgerAccountOpeningBalanceUpdate) -> LedgerAccountOpeningBalance:
    return service.update(call.db, opening, body)


_delete = forgetting(PATH, service.delete)


LEDGER_ACCOUNT_OPENING_BALANCES: Resource[LedgerAccountOpeningBalance] = Resource(
    path=PATH, wrapper=WRAPPER, model=LedgerAccountOpeningBalance, present=present, displayed_as=displayed_as,
    create=_create, create_body=LedgerAccountOpeningBalanceCreate,
    update=_update, update_body=LedgerAccountOpeningBalanceUpdate, delete=_delete,
)

routes: list[BaseRoute] = resource.routes(LEDGER_ACCOUNT_OPENING_BALANCES)
