"""HTTP routes of the ledger: chart of accounts, tax rates, journals, the audit trail and the trial balance."""

from __future__ import annotations

from starlette.routing import BaseRoute

from ledgerd.ledger import accounts_api, balances, journals, opening_balances_api, tax_rates, transactions

routes: list[BaseRoute] = [*accounts_api.routes, *tax_rates.routes, *journals.routes, *transactions.routes,
                           *balances.routes, *opening_balances_api.routes]
