"""HTTP routes of the ledger: chart of accounts, tax rates, journals, the audit trail and the trial balance."""

from __future__ import annotations

from starlette.routing import BaseRoute

from ledgerd.api.resources import ledger_accounts as accounts_api
from ledgerd.api.resources import ledger_opening_balances as opening_balances_api
from ledgerd.api.resources import tax_rates, transactions, trial_balance
from ledgerd.ledger import journals

routes: list[BaseRoute] = [*accounts_api.routes, *tax_rates.routes, *journals.routes, *transactions.routes,
                           *trial_balance.routes, *opening_balances_api.routes]
