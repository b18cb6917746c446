"""Tables of this package (imported by `ledgerd.db.registry`)."""

from __future__ import annotations
