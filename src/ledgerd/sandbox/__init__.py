"""Sandbox conveniences for integration developers: demo books (later: reset, snapshots, faults)."""
