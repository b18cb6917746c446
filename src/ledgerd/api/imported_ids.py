"""The API's import mode for migrations: `X-Ledgerd-Legacy-Id` on a create keeps the record's v2 id.

A migration app posts each record as a v3.1 client would, with the id it had in API v2 in this header; the record
is created as usual and then takes that legacy id (db/records.import_legacy_id holds the rule: unique in its
table within the business, above the ids already given out, the counter moved up). Only the business's owner or a
ledgerd administrator may do so (403 for anyone else, whatever the body). docs/migration-kit.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ledgerd.api.pipeline import BusinessCall
from ledgerd.db.records import Record, import_legacy_id
from ledgerd.errors import Forbidden, Invalid
from ledgerd.tenancy.models import Role, User

HEADER = "X-Ledgerd-Legacy-Id"


def requested(call: BusinessCall) -> int | None:
    """The legacy id the call asks its new record to keep (None: an ordinary create); refused before anything is
    written for a caller who may not import, or for a value that is no whole number."""
    text = call.request.headers.get(HEADER)
    if text is None:
        return None
    if call.business.role is not Role.OWNER and not call.db.scalar(
            select(User.is_admin).where(User.id == call.principal.user_id)):
        raise Forbidden(f"Only the business's owner or a ledgerd administrator may create records with their "
                        f"legacy ids ({HEADER}).", "legacy_id")
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise Invalid(f"{HEADER} must be a whole number, the record's id in API v2.", "legacy_id")
    return int(value)


def keep(call: BusinessCall, record: Any, value: int | None) -> None:
    """Give the record just created the legacy id `requested` found (nothing when none was asked)."""
    if value is None:
        return
    if not isinstance(record, Record):
        raise Invalid("Records of this kind have no legacy id to keep.", "legacy_id")
    import_legacy_id(call.db, record, value)
