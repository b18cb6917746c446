"""Journals and opening balance journals: manual postings, each one transaction in the ledger."""
