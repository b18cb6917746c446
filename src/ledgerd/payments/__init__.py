"""Money movement: contact payments and receipts, allocations, other payments."""
