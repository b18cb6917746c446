"""The double-entry core: ledger accounts, tax rates, balanced transactions, opening balances, balances."""
