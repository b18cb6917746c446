"""`GET /bank_accounts/{key}/bank_feed`: the bank account's feed, simulated locally.

In Sage the feed comes from Banking Cloud, an outside party that ledgerd never calls. Every bank account
has exactly one local feed instead, which delivers nothing: the answer is the swagger's `Base` shape naming
it (`id` = the bank account's id, as a feed belongs to one account; `displayed_as` says it is the local feed;
`$path` = this endpoint). An unknown or foreign bank account is 404, like any other record.
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.routing import BaseRoute

from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.banking.models import BankAccount
from ledgerd.errors import NotFound


def _feed(call: BusinessCall) -> Result:
    bank = call.db.scalars(select(BankAccount).where(BankAccount.id == call.path_params["key"])).first()
    if bank is None:
        raise NotFound()
    return Result({"id": bank.id, "displayed_as": f"{bank.displayed_as} (local bank feed)",
                   "$path": f"/bank_accounts/{bank.id}/bank_feed"}, business_id=call.business.id)


routes: list[BaseRoute] = [business_route("/bank_accounts/{key}/bank_feed", _feed, methods=["GET"])]
