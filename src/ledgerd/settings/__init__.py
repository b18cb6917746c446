"""Per-business settings: the singletons (financial, invoice, business, CIS, DATEV, e-mail, migration), tax
profiles, tax determinations, hosted payment settings and migrated tax returns."""
