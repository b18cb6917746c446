"""`/attachments` and `/attachments/{key}/file`: the spec, its wire shape and the file download.

The JSON shape never carries the file (`file` is null): a page of 200 attachments would otherwise be
hundreds of megabytes. The bytes come from `$file_path`, `GET /attachments/{key}/file`, which needs
`Accept: application/octet-stream` as Sage's migration guide says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from sqlalchemy import false, func, or_
from sqlalchemy.orm import undefer
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.operations import permitted, record_rules
from ledgerd.api.pipeline import WRITE_METHODS, BusinessCall, Call, Result, business_route
from ledgerd.api.resource import REGISTRY, Resource, forgetting
from ledgerd.attachments import service
from ledgerd.attachments.models import Attachment
from ledgerd.attachments.schemas import AttachmentCreate, AttachmentUpdate
from ledgerd.attachments.service import CONTEXT_TYPES, context_path
from ledgerd.errors import Forbidden, NotFound
from ledgerd.http.errors import InvalidParameter, NotAcceptable
from ledgerd.lookups.lists import link
from ledgerd.regions.data import lookups

OCTET_STREAM = "application/octet-stream"
# Sage: each of the two context filters "Requires filtering by" the other as well.
PAIRED = ("attachment_context_type_id", "attachment_context_id")
# The body of a largest upload: 2,621,440 bytes are 3,495,256 base64 characters; doubling them covers any
# JSON escaping of base64 text (`\/`, escaped line breaks), plus 64 KiB for the other attributes.
UPLOAD_BODY_BYTES = 2 * 3_495_256 + 64 * 1024


def _context_spec(type_id: str) -> Resource[Any] | None:
    """The spec of a context type's resource, which links its records."""
    path = context_path(type_id)
    return REGISTRY.get(path) if path else None


def _transactions(call: Call, ids: set[str]) -> dict[str, dict[str, str]]:
    spec = REGISTRY["transactions"]
    if not ids:
        return {}
    return {t.id: spec.link(t) for t in call.db.scalars(spec.base_query().where(spec.key.in_(ids)))}


def present(call: Call, attachments: Sequence[Attachment]) -> list[dict[str, Any]]:
    contexts = service.records(call.db, [a.context_type_id for a in attachments], [a.context_id for a in attachments])
    shown_transaction = {a.id: a.transaction_id or getattr(contexts.get(a.context_id or ""), "transaction_id", None)
                         for a in attachments}
    transactions = _transactions(call, {t for t in shown_transaction.values() if t})
    out = []
    for a in attachments:
        record = contexts.get(a.context_id or "")
        spec = _context_spec(a.context_type_id) if a.context_type_id else None
        out.append({
            "id": a.id, "displayed_as": a.displayed_as, "$path": f"/attachments/{a.id}", "deleted_at": None,
            "file": None, "mime_type": a.mime_type, "description": a.description, "file_extension": a.file_extension,
            "transaction": transactions.get(shown_transaction[a.id] or ""), "file_size": a.file_size,
            "file_name": a.file_name, "$file_path": f"/attachments/{a.id}/file",
            "attachment_context_type": link(CONTEXT_TYPES, a.context_type_id),
            "attachment_context": spec.link(record) if spec is not None and record is not None else None,
            "is_public": a.is_public, "created_at": a.created_at, "updated_at": a.updated_at,
        })
    return out


def _legacy_type(value: str) -> ColumnElement[bool]:
    # v1/v2 clients wrote types in other spellings ("SalesInvoice"): compare without case or underscores.
    return func.replace(Attachment.context_type_id, "_", "") == value.strip().upper().replace("_", "")


def _legacy_id(value: str) -> ColumnElement[bool]:
    number = params.integer("legacy_attachment_context_id", value.strip())
    # Legacy ids are 32-bit: a larger number names no record (and would not fit the column's type).
    return Attachment.context_legacy_id == number if 0 < number < 2**31 else false()


# --- an attachment is seen and changed with the rights its record asks (Sage's areas, api/operations.py) ---

def _owner(type_id: str | None) -> str | None:
    """The resource whose records an attachment of this context type belongs to (a transaction's when it
    names only a transaction); None for a type that does not exist (the body is refused with 422 later)."""
    return context_path(type_id.upper()) if type_id else "transactions"


def _may(call: BusinessCall, type_id: str | None, *, write: bool) -> bool:
    path = _owner(type_id)
    if path is None:
        return True
    rules = record_rules(path)
    return permitted(call.business.access(), rules.write if write else rules.read, write=write)


def _require(call: BusinessCall, type_id: str | None, *, write: bool) -> None:
    """Reading an attachment takes read access to its record's area; adding, changing or deleting one takes
    the access that changing the record takes (e.g. a bank transfer's: Bank, full or restricted)."""
    if not _may(call, type_id, write=write):
        raise Forbidden()


def _readable(call: BusinessCall) -> ColumnElement[bool] | None:
    """SQL: the attachments the caller may read (None: all of them)."""
    types = [item["id"] for item in lookups()[CONTEXT_TYPES]]
    readable = [type_id for type_id in types if _may(call, type_id, write=False)]
    transactions = _may(call, None, write=False)
    if len(readable) == len(types) and transactions:
        return None
    condition = Attachment.context_type_id.in_(readable)
    return or_(condition, Attachment.context_type_id.is_(None)) if transactions else condition


class _Attachments(Resource[Attachment]):
    def find(self, call: BusinessCall, key: str, *, lock: bool = False) -> Attachment:
        """An attachment a read, PUT or DELETE names: the caller must have the right to its record."""
        attachment: Attachment = super().find(call, key, lock=lock)
        _require(call, attachment.context_type_id, write=call.request.method in WRITE_METHODS)
        return attachment


def _create(call: BusinessCall, body: AttachmentCreate) -> Attachment:
    if body.attachment_context_type_id is not None:
        _require(call, body.attachment_context_type_id, write=True)
    elif body.transaction_id and body.attachment_context_id is None:
        _require(call, None, write=True)  # on a transaction alone
    return service.create(call.db, call.business.id, body, quota=call.runtime.settings.attachment_quota_bytes)


def _update(call: BusinessCall, attachment: Attachment, body: AttachmentUpdate) -> Attachment:
    if body.attachment_context_type_id is not None:  # moving it: the new record must be the caller's to change
        _require(call, body.attachment_context_type_id, write=True)
    return service.update(call.db, attachment, body, quota=call.runtime.settings.attachment_quota_bytes)


_delete = forgetting("attachments")


ATTACHMENTS: Resource[Attachment] = _Attachments(
    path="attachments", wrapper="attachment", model=Attachment, present=present,
    displayed_as=lambda a: a.displayed_as,
    filters={"attachment_context_type_id": lambda v: Attachment.context_type_id == v.strip().upper(),
             "attachment_context_id": lambda v: Attachment.context_id == v.strip(),
             "legacy_attachment_context_type": _legacy_type, "legacy_attachment_context_id": _legacy_id},
    create=_create, create_body=AttachmentCreate,
    update=_update, update_body=AttachmentUpdate, delete=_delete, body_limit=UPLOAD_BODY_BYTES,
    # Listed below, after the check that the two context filters come together.
    list_enabled=False)
_LIST = resource.list_handler(ATTACHMENTS)


def list_attachments(call: BusinessCall) -> Result:
    """The attachments the caller may read: those of records in areas without read access are left out."""
    given = [name for name in PAIRED if call.query.get(name)]
    if len(given) == 1:
        other = PAIRED[1 - PAIRED.index(given[0])]
        raise InvalidParameter(f"{given[0]} requires filtering by {other} as well.", given[0])
    readable = _readable(call)
    if readable is None:
        return _LIST(call)
    return resource.list_handler(replace(ATTACHMENTS, scope=lambda stmt: stmt.where(readable)))(call)


def accepts_octet_stream(accept: str) -> bool:
    """Whether an Accept header names application/octet-stream (with a q above 0); wildcards do not count."""
    for part in accept.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        if media.lower() != OCTET_STREAM:
            continue
        quality = next((p.split("=", 1)[1] for p in parameters if p.lower().startswith("q=")), "1")
        try:
            if float(quality) > 0:
                return True
        except ValueError:
            continue
    return False


def _disposition(file_name: str) -> str:
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in file_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def download(call: BusinessCall) -> Result:
    """The file's bytes with its stored content type."""
    if not accepts_octet_stream(call.request.headers.get("accept", "")):
        raise NotAcceptable(f"Set the request header Accept: {OCTET_STREAM} to download an attachment's file.",
                            "Accept")
    attachment = call.db.scalars(ATTACHMENTS.base_query().options(undefer(Attachment.content))
                                 .where(Attachment.id == call.path_params["key"])).first()
    if attachment is None:
        raise NotFound()
    _require(call, attachment.context_type_id, write=False)
    return Result(attachment.content, media_type=attachment.mime_type, business_id=call.business.id,
                  headers={"Content-Disposition": _disposition(attachment.file_name),
                           "X-Content-Type-Options": "nosniff"})


routes: list[BaseRoute] = [
    business_route("/attachments", list_attachments, methods=["GET"], query=ATTACHMENTS.params("list")),
    *resource.routes(ATTACHMENTS),
    business_route("/attachments/{key}/file", download, methods=["GET"]),
]
