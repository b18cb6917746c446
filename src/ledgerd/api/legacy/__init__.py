"""Sage's old APIs, v3 and v2, as thin adapters over the v3.1 routes (docs/legacy-apis.md)."""
