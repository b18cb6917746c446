"""Analysis types and their categories, and journal codes."""
