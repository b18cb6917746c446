"""Static lists (countries, currencies, types, statuses): served from the region data files."""
