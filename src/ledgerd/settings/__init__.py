"""Per-business settings singletons: financial settings and invoice settings."""
