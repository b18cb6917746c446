"""Attachments: files on documents, contacts and transactions, kept with no loss on restart."""
