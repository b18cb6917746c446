"""Bank accounts, transfers, deposits and bank opening balances."""
