"""Sales and purchase documents (invoices, credit notes, quotes, estimates) and their lines."""
