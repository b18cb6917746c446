"""Sales and purchase quick entries: one-line invoices and credit notes that post like documents."""
