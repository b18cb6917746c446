"""Sandbox conveniences for integration developers: demo books, the request journal (later: reset, snapshots,
faults)."""
