"""Attachment rules: base64 files up to 2.5 MiB, kept in the database, attached to a record of this business.

An attachment's context is a record of another v3.1 resource (`/attachment_context_types` names which);
it is found through the context table (attachments/contexts.py), and a record another business owns answers
exactly like one that does not exist. When a context record is deleted, its attachments go with it
(tombstoned for `deleted_since`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session, UOWTransaction
from sqlalchemy.sql import ColumnElement

from ledgerd.attachments.contexts import CONTEXTS, MODELS, Context
from ledgerd.attachments.models import Attachment
from ledgerd.attachments.schemas import MAX_FILE_BYTES, AttachmentCreate, AttachmentUpdate
from ledgerd.db.deletions import Deletion
from ledgerd.db.locks import writer_lock
from ledgerd.db.records import CLOCK_KEY
from ledgerd.errors import Invalid
from ledgerd.ledger.models import Transaction
from ledgerd.regions.data import lookup

CONTEXT_TYPES = "attachment_context_types"
Column = InstrumentedAttribute[Any] | ColumnElement[Any]
_WHITESPACE = re.compile(rb"\s+")


def context_path(type_id: str) -> str | None:
    """The resource path of a context type (`SALES_INVOICE` → `sales_invoices`), None if unknown."""
    found = lookup(CONTEXT_TYPES, type_id)
    return found["path"] if found else None


def context(type_id: str) -> Context | None:
    """Where the records of a context type are, None if the type is unknown."""
    path = context_path(type_id)
    return CONTEXTS.get(path) if path else None


def decode(text: str) -> bytes:
    """The file from its base64 text (line breaks and missing padding tolerated), or 422 naming `file`."""
    raw = _WHITESPACE.sub(b"", text.encode("ascii", errors="replace"))
    raw += b"=" * (-len(raw) % 4)
    try:
        content = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("is not valid base64.", "file") from None
    if not content:
        raise Invalid("can't be blank.", "file")
    if len(content) > MAX_FILE_BYTES:
        raise Invalid(f"is too large ({len(content)} bytes); the largest file allowed is {MAX_FILE_BYTES} bytes.",
                      "file")
    return content


def _context(db: Session, type_id: str | None, record_id: str | None) -> tuple[str, Any]:
    """The context type and record named together by a body; the record must be of this business."""
    if not type_id:
        raise Invalid("can't be blank when attachment_context_id is given.", "attachment_context_type_id")
    place = context(type_id.upper())
    if place is None:
        raise Invalid("Couldn't find attachment context type.", "attachment_context_type_id")
    if not record_id:
        raise Invalid("can't be blank when attachment_context_type_id is given.", "attachment_context_id")
    record = db.scalars(place.query().where(place.model.id == record_id)).first()
    if record is None:
        raise Invalid(f"Couldn't find the {type_id.upper().replace('_', ' ').lower()}.", "attachment_context_id")
    return type_id.upper(), record


def _transaction(db: Session, transaction_id: str) -> str:
    if db.scalars(select(Transaction).where(Transaction.id == transaction_id)).first() is None:
        raise Invalid("Couldn't find transaction.", "transaction_id")
    return transaction_id


def _apply(db: Session, attachment: Attachment, body: AttachmentUpdate) -> None:
    if body.file is not None:
        attachment.content = decode(body.file)
        attachment.file_size = len(attachment.content)
    for name in ("file_name", "mime_type", "description", "is_public"):
        value = getattr(body, name)
        if value is not None:
            setattr(attachment, name, value)
    if body.file_extension is not None:
        attachment.file_extension = body.file_extension
    elif not attachment.file_extension:
        attachment.file_extension = PurePosixPath(attachment.file_name).suffix
    if body.attachment_context_type_id is not None or body.attachment_context_id is not None:
        # A PUT may name only one of the two: the other is the stored one.
        type_id, record = _context(db, body.attachment_context_type_id or attachment.context_type_id,
                                   body.attachment_context_id or attachment.context_id)
        attachment.context_type_id = type_id
        attachment.context_id = record.id
        attachment.context_legacy_id = record.legacy_id
    if body.transaction_id is not None:
        attachment.transaction_id = _transaction(db, body.transaction_id) if body.transaction_id else None
    if attachment.context_id is None and attachment.transaction_id is None:
        raise Invalid("An attachment needs attachment_context_type_id and attachment_context_id, or a "
                      "transaction_id.", "attachment_context_id")


def _within_quota(db: Session, attachment: Attachment, quota: int) -> None:
    """A business's files may take `quota` bytes together (0: no limit); one more file past it is 422 on
    `file`. Uploads of one business are serialised from here to their commit (the business's writer lock), so
    two cannot both fit in the space left for one."""
    if quota <= 0:
        return
    writer_lock(db)
    others = select(func.coalesce(func.sum(Attachment.file_size), 0))
    if attachment.id is not None:
        others = others.where(Attachment.id != attachment.id)
    with db.no_autoflush:
        used = int(db.scalar(others) or 0)
    if used + attachment.file_size > quota:
        raise Invalid(f"would take this business's attachments to {used + attachment.file_size} bytes, over its "
                      f"storage quota of {quota} bytes ({used} bytes are used).", "file")


def create(db: Session, business_id: str, body: AttachmentCreate, *, quota: int) -> Attachment:
    attachment = Attachment(business_id=business_id, file_name=body.file_name, mime_type=body.mime_type,
                            description="", file_extension="", is_public=False)
    _apply(db, attachment, body)
    _within_quota(db, attachment, quota)
    db.add(attachment)
    db.flush()
    return attachment


def update(db: Session, attachment: Attachment, body: AttachmentUpdate, *, quota: int) -> Attachment:
    _apply(db, attachment, body)
    if body.file is not None:
        _within_quota(db, attachment, quota)
    db.flush()
    return attachment


def attached(id_column: Column) -> ColumnElement[bool]:
    """True for records that have an attachment: for the `has_attachments` filters of other resources."""
    return exists().where(Attachment.context_id == id_column)


def _standing_transaction(context_id: Column) -> ColumnElement[Any]:
    """SQL: the transaction a context record stands on now (its `transaction_id`; none for a contact)."""
    models = [model for model in MODELS if hasattr(model, "transaction_id")]
    members = [select(model.transaction_id).where(model.id == context_id).correlate_except(model) for model in models]
    return union_all(*members).scalar_subquery()


def on_transaction(id_column: Column, origin_column: Column) -> ColumnElement[bool]:
    """True for transactions an attachment shows (as `/attachments` does): the one it names, else its context
    record's standing transaction. For the `has_attachments` filter of `/transactions`."""
    return or_(exists().where(Attachment.transaction_id == id_column),
               exists().where(Attachment.transaction_id.is_(None), Attachment.context_id == origin_column,
                              _standing_transaction(Attachment.context_id) == id_column))


def transaction_counts(db: Session, transactions: Sequence[Any]) -> dict[str, int]:
    """How many attachments each of a page of transactions shows (`number_of_attachments`), in one query."""
    ids = {t.id for t in transactions}
    origins = {t.origin_id for t in transactions if t.origin_id}
    if not ids:
        return {}
    candidates = select(func.coalesce(Attachment.transaction_id, _standing_transaction(Attachment.context_id))
                        .label("shown")).where(or_(Attachment.transaction_id.in_(ids),
                                                   and_(Attachment.transaction_id.is_(None),
                                                        Attachment.context_id.in_(origins)))).subquery()
    rows = db.execute(select(candidates.c.shown, func.count()).group_by(candidates.c.shown))
    return {shown: count for shown, count in rows if shown in ids}


def records(db: Session, type_ids: Iterable[str | None], ids: Iterable[str | None]) -> dict[str, Any]:
    """The context records behind a page of attachments, by id: one query per context type present."""
    wanted: dict[str, set[str]] = {}
    for type_id, record_id in zip(type_ids, ids, strict=True):
        if type_id and record_id:
            wanted.setdefault(type_id, set()).add(record_id)
    found: dict[str, Any] = {}
    for type_id, record_ids in wanted.items():
        place = context(type_id)
        if place is not None:
            found.update({r.id: r for r in db.scalars(place.query().where(place.model.id.in_(record_ids)))})
    return found


# --- context records leave, their attachments go with them -------------------------------------------------

def forget_attached(session: Session, deleted: Sequence[Any]) -> None:
    """Delete (and tombstone) the attachments of records being deleted in this flush."""
    ids = {obj.id for obj in deleted if isinstance(obj, MODELS)}
    clock = session.info.get(CLOCK_KEY)
    if not ids or clock is None:
        return
    with session.no_autoflush:
        orphans = session.scalars(select(Attachment).where(Attachment.context_id.in_(ids))).all()
    now = clock.now()
    for attachment in orphans:
        session.add(Deletion(business_id=attachment.business_id, resource="attachments", record_id=attachment.id,
                             displayed_as=attachment.displayed_as[:255], deleted_at=now))
        session.delete(attachment)


def _on_flush(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    if session.deleted:
        forget_attached(session, list(session.deleted))


# A listener rather than a call in each service: a record with attachments leaves through the delete of many
# resources (documents, payments, journals, contacts, bank transfers, ...), some of them deleted by another
# record's cascade, and a flush is the one place that sees them all. The attachments' rows cannot go by a
# database constraint either: `context_id` names a record of one of several tables, and each leaves a
# tombstone. Installed on ledgerd's session class when the runtime is built (db/session.py), after the
# tenancy check and the stamps.
LISTENERS = (("before_flush", _on_flush),)
