"""Closed periods: the lock date, the accounts start date and filed VAT returns, enforced on every posting."""
