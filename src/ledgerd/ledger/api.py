"""HTTP routes of the ledger: chart of accounts, tax rates, journals, the audit trail and the trial balance."""

from __future__ import annotations

from starlette.routing import BaseRoute

from ledgerd.api.resources import ledger_accounts as accounts_api
from ledgerd.api.resources import ledger_opening_balances as opening_balances_api
from ledgerd.api.resources import tax_rates, transactions
from ledgerd.ledger import balances, journals

routes: list[BaseRoute] = [*accounts_api.routes, *tax_rates.routes, *journals.routes, *transactions.routes,
                           *balances.routes, *opening_balances_api.routes]
