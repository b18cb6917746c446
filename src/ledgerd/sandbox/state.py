"""Business state: snapshots, restore, reset, clone, export and import, delete (docs/sandbox.md, "Business state").

One implementation for the CLI, the admin API and the pytest kit. Each operation works in the caller's unit of
work (one transaction: all or nothing) and touches one business (two for a clone). It first takes that business's
writer lock (db/locks.writer_lock: on PostgreSQL, every request creating records of the business queues behind
it, and it waits for those already running) and locks the business's row; SQLite has one writer anyway.

What a business's state is: the business's details and its *books*, the rows of every table holding rows of it
(found from the metadata, db/business_rows.py) and its counters (legacy ids, document numbers), except

* who may use it and its snapshots (ACCESS): members, invitations, subscriptions, snapshots stay as they are
  through a restore or a reset;
* document counts kept by triggers from the documents themselves (DERIVED, migration 0002): they follow;
* replays of idempotent requests (TRANSIENT): kept in snapshots, so a restored business replays as it did,
  but not exported nor cloned (they hold another business's answers);
* tombstones (HISTORY) are exported but not cloned: a clone's records were never deleted.

The books document (`export_books`) is also what a snapshot stores, compressed.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import Session

from ledgerd.clock import Clock
from ledgerd.db import business_rows as rows
from ledgerd.db.base import Base, new_id
from ledgerd.db.counters import rewritten, set_at_least
from ledgerd.db.locks import writer_lock
from ledgerd.db.tenancy import bind_business
from ledgerd.db.unit import forget_all
from ledgerd.errors import Invalid, NotFound
from ledgerd.onboarding import seed_business
from ledgerd.sandbox.models import BusinessSnapshot
from ledgerd.tenancy.models import Business, Membership, Role, User
from ledgerd.tenancy.service import create_business

FORMAT = "ledgerd.books"
FORMAT_VERSION = 1
COUNTERS = "counters"
ACCESS = frozenset({"memberships", "invitations", "subscriptions", "business_snapshots"})
DERIVED = frozenset({"artefact_counts"})
TRANSIENT = frozenset({"idempotency_records"})
HISTORY = frozenset({"deletions"})
# The business's columns a restore or an import never takes from a document as they are.
_FIXED = ("id", "legacy_id", "country_id", "created_at")
_ID = re.compile(r"[0-9a-f]{32}")
_BUSINESSES = rows.table_of(Business)
NAME_LENGTH = 100
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SnapshotInfo:
    name: str
    business_id: str
    created_at: datetime
    format_version: int
    size: int
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "business_id": self.business_id, "created_at": self.created_at.isoformat(),
                "format_version": self.format_version, "size": self.size, "rows": self.rows}


@functools.cache
def _all_tables() -> tuple[rows.Owned, ...]:
    return tuple(rows.owned_tables(Base.metadata))


def _tables(*, leave_out: Iterable[str] = ()) -> list[rows.Owned]:
    skipped = ACCESS | DERIVED | set(leave_out)
    return [owned for owned in _all_tables() if owned.name not in skipped]


def _books(kind: str) -> dict[str, rows.Owned]:
    """The tables a document of `kind` ("snapshot", "export", "clone") carries, by name, parents first."""
    leave_out = {"snapshot": (), "export": TRANSIENT, "clone": TRANSIENT | HISTORY}[kind]
    return {owned.name: owned for owned in _tables(leave_out=leave_out)}


def _known(db: Session, business_id: str) -> Business:
    business = db.get(Business, business_id) if _ID.fullmatch(business_id or "") else None
    if business is None:
        raise NotFound(f"No business with id {business_id!r}.", "business")
    return business


def _business(db: Session, business_id: str) -> Business:
    """The business, its writer lock and its row locked (see the module docstring)."""
    business = _known(db, business_id)
    bind_business(db, business.id)
    writer_lock(db)
    locked = db.scalar(select(Business).where(Business.id == business.id).with_for_update()
                       .execution_options(populate_existing=True))
    assert locked is not None
    return locked


def _conn(db: Session) -> Connection:
    db.flush()
    return db.connection()


# --- the books document ---------------------------------------------------------------------------------------

def _document(db: Session, business: Business, kind: str) -> dict[str, Any]:
    conn = _conn(db)
    details = _details(conn, business.id)
    tables: dict[str, Any] = {}
    for name, owned in _books(kind).items():
        names = rows.columns_of(owned.table, without=("business_id",))
        found = rows.read(conn, owned, business.id, names)
        if found:
            tables[name] = {"columns": names, "rows": found}
    counters = rows.counters(conn, business.id)
    if counters:
        tables[COUNTERS] = {"columns": ["name", "value"], "rows": counters}
    return {"format": FORMAT, "version": FORMAT_VERSION, "business": details, "tables": tables}


def _details(conn: Connection, business_id: str) -> dict[str, Any]:
    table = _BUSINESSES
    names = rows.columns_of(table)
    statement = select(*table.c).where(table.c.id == business_id)
    found = conn.execute(statement).one()
    out = {}
    for name, value in zip(names, found, strict=True):
        encode = rows.codec(table.c[name]).encode
        out[name] = encode(value) if encode is not None and value is not None else value
    return out


def export_books(db: Session, business_id: str) -> dict[str, Any]:
    """The business's books as a document of the documented format (docs/sandbox.md). A read: on PostgreSQL its
    transaction sees one snapshot of the database, so it locks nothing."""
    business = _known(db, business_id)
    bind_business(db, business.id)
    return _document(db, business, "export")


def _check(document: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The document's business and tables, once its shape is one this version reads (422 otherwise)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise Invalid(f"This is not a ledgerd books document: its \"format\" must be {FORMAT!r}.", "format")
    version = document.get("version")
    if version != FORMAT_VERSION:
        raise Invalid(f"Books document version {version!r} is not one this ledgerd reads "
                      f"(it reads version {FORMAT_VERSION}).", "version")
    business, tables = document.get("business"), document.get("tables")
    if not isinstance(business, dict) or not all(isinstance(business.get(key), str) for key in ("id", "name")):
        raise Invalid("The document's \"business\" must be an object with at least its \"id\" and \"name\".",
                      "business")
    if not isinstance(tables, dict):
        raise Invalid("The document's \"tables\" must be an object of tables by name.", "tables")
    known = _books("snapshot")
    for name, table in tables.items():
        if name != COUNTERS and name not in known:
            raise Invalid(f"Unknown table {name!r} in the books document.", f"tables.{name}")
        if not isinstance(table, dict) or not isinstance(table.get("columns"), list) \
                or not isinstance(table.get("rows"), list):
            raise Invalid(f"Table {name!r} must be an object with \"columns\" and \"rows\" lists.", f"tables.{name}")
        columns = known[name].table.c if name in known else {"name": None, "value": None}
        for column in table["columns"]:
            if column == "business_id" or column not in columns:
                raise Invalid(f"Unknown column {column!r} of table {name!r} in the books document.",
                              f"tables.{name}.columns")
    return business, tables


def _row_count(tables: dict[str, Any]) -> int:
    return sum(len(table["rows"]) for name, table in tables.items() if name != COUNTERS)


def _load(db: Session, business_id: str, tables: dict[str, Any], kind: str,
          progress: Progress | None = None) -> int:
    """Write the document's tables into the business (whose books are empty); how many rows."""
    conn = _conn(db)
    total, done = _row_count(tables), 0
    fixed = {"business_id": business_id}

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    carried = _books(kind)
    written: list[rows.Owned] = []
    for name, owned in carried.items():
        table = tables.get(name)
        if not table:
            continue
        try:
            rows.write(conn, owned.table, table["columns"], table["rows"], fixed if owned.link is None else None,
                       advance)
        except OperationalError:
            raise  # a deadlock victim is retried by the caller, not a bad document
        except (ValueError, TypeError, KeyError, StatementError) as exc:
            detail = getattr(exc, "orig", None) or exc
            raise Invalid(f"Table {name!r} of the books document cannot be written: {detail}",
                          f"tables.{name}") from None
        written.append(owned)
    counters = tables.get(COUNTERS)
    values: dict[str, int] = {}
    if counters:
        try:
            values = {str(name): int(value) for name, value in
                      (dict(zip(counters["columns"], row, strict=True)).values() for row in counters["rows"])}
        except (ValueError, TypeError) as exc:
            raise Invalid(f"The document's counters cannot be read: {exc}", f"tables.{COUNTERS}") from None
    rewritten(db)
    rows.write_counters(conn, business_id, values)
    # Legacy ids come with the rows: the next new record of each table must get a higher one.
    for table_name, top in rows.max_legacy_ids(conn, written, business_id).items():
        set_at_least(db, f"{business_id}:legacy:{table_name}", top)
    return total


def _clear(db: Session, business_id: str, *, leave_out: Iterable[str] = ()) -> None:
    """Delete the business's books (all but ACCESS), its counters and the counts the triggers keep."""
    conn = _conn(db)
    owned = [table for table in _all_tables() if table.name not in ACCESS and table.name not in set(leave_out)]
    rows.remove(conn, owned, business_id)
    rewritten(db)
    rows.remove_counters(conn, business_id)
    forget_all(db)


def _set_details(db: Session, business_id: str, details: dict[str, Any]) -> None:
    table = _BUSINESSES
    values = {}
    for name, value in details.items():
        if name in _FIXED:
            continue
        if name not in table.c:
            raise Invalid(f"Unknown business attribute {name!r} in the books document.", f"business.{name}")
        decode = rows.codec(table.c[name]).decode
        try:
            values[name] = decode(value) if decode is not None and value is not None else value
        except (ValueError, TypeError) as exc:
            raise Invalid(f"Business attribute {name!r} cannot be read: {exc}", f"business.{name}") from None
    if values:
        _conn(db).execute(table.update().where(table.c.id == business_id).values(**values))


# --- snapshots ------------------------------------------------------------------------------------------------

def _info(snapshot: BusinessSnapshot) -> SnapshotInfo:
    return SnapshotInfo(snapshot.name, snapshot.business_id, snapshot.created_at, snapshot.format_version,
                        snapshot.size, snapshot.rows)


def _name(name: Any) -> str:
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise Invalid("A snapshot needs a name.", "name")
    if len(text) > NAME_LENGTH:
        raise Invalid(f"A snapshot name has at most {NAME_LENGTH} characters.", "name")
    return text


def take_snapshot(db: Session, clock: Clock, business_id: str, name: str) -> SnapshotInfo:
    """Save the business's state under `name` (replacing a snapshot of that name)."""
    name = _name(name)
    business = _business(db, business_id)
    document = _document(db, business, "snapshot")
    raw = orjson.dumps(document)
    db.execute(delete(BusinessSnapshot).where(BusinessSnapshot.business_id == business.id,
                                              BusinessSnapshot.name == name))
    snapshot = BusinessSnapshot(business_id=business.id, name=name, format_version=FORMAT_VERSION, size=len(raw),
                                rows=_row_count(document["tables"]), content=zlib.compress(raw, 1),
                                created_at=clock.now())
    db.add(snapshot)
    db.flush()
    return _info(snapshot)


def list_snapshots(db: Session, business_id: str) -> list[SnapshotInfo]:
    _known(db, business_id)
    found = db.scalars(select(BusinessSnapshot).where(BusinessSnapshot.business_id == business_id)
                       .order_by(BusinessSnapshot.created_at, BusinessSnapshot.name))
    return [_info(snapshot) for snapshot in found]


def _snapshot(db: Session, business_id: str, name: str) -> BusinessSnapshot:
    found = db.scalar(select(BusinessSnapshot).where(BusinessSnapshot.business_id == business_id,
                                                     BusinessSnapshot.name == _name(name)))
    if found is None:
        raise NotFound(f"Business {business_id} has no snapshot named {name!r}.", "name")
    return found


def restore_snapshot(db: Session, business_id: str, name: str) -> SnapshotInfo:
    """Bring the business back to the state saved under `name`."""
    business = _business(db, business_id)
    snapshot = _snapshot(db, business.id, name)
    info = _info(snapshot)
    document = orjson.loads(zlib.decompress(snapshot.content))
    details, tables = _check(document)
    _clear(db, business.id)
    _set_details(db, business.id, details)
    _load(db, business.id, tables, "snapshot")
    forget_all(db)
    return info


def delete_snapshot(db: Session, business_id: str, name: str) -> None:
    _known(db, business_id)
    db.delete(_snapshot(db, business_id, name))
    db.flush()


# --- reset, import, clone, delete -----------------------------------------------------------------------------

def reset_business(db: Session, clock: Clock, business_id: str) -> Business:
    """Back to the state a new business of its country starts in: same id, name, owner, members, subscriptions
    and snapshots; the details a new business has empty; the books seeded as `onboarding.open_business` does."""
    business = _business(db, business_id)
    key = (business.id, business.name, business.country_id, business.is_demo)
    _clear(db, business.id)
    table = _BUSINESSES
    defaults = {column.name: getattr(column.default, "arg", None) for column in table.columns
                if column.name not in (*_FIXED, "name", "is_demo") and column.default is not None
                and column.default.is_scalar}
    _conn(db).execute(table.update().where(table.c.id == key[0]).values(**defaults, updated_at=clock.now()))
    seed_business(db, clock, key[0], key[2])
    bind_business(db, key[0])
    forget_all(db)
    found = db.get(Business, key[0])
    assert found is not None
    return found


def _owner(db: Session, business_id: str) -> User:
    user = db.scalar(select(User).join(Membership, Membership.user_id == User.id)
                     .where(Membership.business_id == business_id, Membership.role == Role.OWNER))
    if user is None:
        raise Invalid(f"Business {business_id} has no owner.", "business")
    return user


def _renumbered(document: dict[str, Any], new_business: str) -> dict[str, Any]:
    """The document with a new id for the business and every record, each reference to them rewritten, in
    columns and inside JSON values alike (ids are random 128-bit values: a 32-hex string equal to one is a
    reference to it)."""
    mapping = {document["business"]["id"]: new_business}
    tables = document["tables"]
    for name, table in tables.items():
        if name == COUNTERS or "id" not in table["columns"]:
            continue
        at = table["columns"].index("id")
        for row in table["rows"]:
            old = row[at]
            if isinstance(old, str) and _ID.fullmatch(old):
                mapping[old] = new_id()

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        return mapping.get(found, found)

    def remap(value: Any) -> Any:
        if isinstance(value, str):
            if len(value) == 32:
                return mapping.get(value, value)
            return _ID.sub(swap, value) if len(value) > 32 else value
        if isinstance(value, list):
            return [remap(item) for item in value]
        if isinstance(value, dict):
            return {remap(key): remap(item) for key, item in value.items()}
        return value

    out_tables = {}
    for name, table in tables.items():
        if name == COUNTERS:
            out_tables[name] = table
            continue
        out_tables[name] = {"columns": table["columns"], "rows": [remap(row) for row in table["rows"]]}
    return {**document, "business": remap(document["business"]), "tables": out_tables}


def _open(db: Session, clock: Clock, owner: User, details: dict[str, Any], *, name: str | None,
          business_id: str | None, legacy_id: int | None) -> Business:
    business = create_business(db, clock, owner=owner, name=name or details["name"],
                               country_id=str(details.get("country_id") or ""), is_demo=bool(details.get("is_demo")),
                               business_id=business_id, legacy_id=legacy_id)
    bind_business(db, business.id)
    writer_lock(db)
    return business


def import_books(db: Session, clock: Clock, document: Any, *, owner: User, new_ids: bool = False,
                 progress: Progress | None = None) -> Business:
    """A new business of `owner` from a books document: with the document's ids and legacy ids (refused if
    the business exists here), or with `new_ids` as a copy (new ids everywhere, as a clone)."""
    details, tables = _check(document)
    kind = "clone" if new_ids else "snapshot"
    if new_ids:
        document = _renumbered(document, new_id())
        details, tables = document["business"], document["tables"]
        business = _open(db, clock, owner, details, name=None, business_id=details["id"], legacy_id=None)
    else:
        if not _ID.fullmatch(details["id"]):
            raise Invalid(f"{details['id']!r} is not a business id (32 hexadecimal characters).", "business.id")
        if db.get(Business, details["id"]) is not None:
            raise Invalid(f"Business {details['id']} already exists in this database; import the books with new "
                          "ids instead (`--new-ids`, or `new_ids=true`) to make a copy.", "business.id")
        legacy = details.get("legacy_id")
        if not isinstance(legacy, int) or legacy < 1:
            raise Invalid("The document's business needs its integer \"legacy_id\".", "business.legacy_id")
        if db.scalar(select(Business.id).where(Business.legacy_id == legacy)) is not None:
            raise Invalid(f"Another business already has legacy id {legacy}; import the books with new ids "
                          "instead (`--new-ids`, or `new_ids=true`).", "business.legacy_id")
        business = _open(db, clock, owner, details, name=None, business_id=details["id"], legacy_id=legacy)
    _set_details(db, business.id, {k: v for k, v in details.items() if k not in ("legacy_id",)})
    _load(db, business.id, tables, kind, progress)
    forget_all(db)
    found = db.get(Business, business.id)
    assert found is not None
    return found


def clone_business(db: Session, clock: Clock, business_id: str, name: str) -> Business:
    """A copy of the business named `name`, owned by its owner, with new ids everywhere."""
    if not isinstance(name, str) or not name.strip():
        raise Invalid("The copy needs a name.", "name")
    source = _business(db, business_id)
    owner = _owner(db, source.id)
    document = _renumbered(_document(db, source, "clone"), new_id())
    details = {**document["business"], "name": name.strip()}
    bind_business(db, None)
    business = _open(db, clock, owner, details, name=name.strip(), business_id=details["id"], legacy_id=None)
    _set_details(db, business.id, {k: v for k, v in details.items() if k not in ("legacy_id", "updated_at")})
    _load(db, business.id, document["tables"], "clone")
    forget_all(db)
    found = db.get(Business, business.id)
    assert found is not None
    return found


def delete_business(db: Session, business_id: str) -> dict[str, Any]:
    """Delete the business and every row of it. Its members' lead business moves to their next one (the lead
    is ranked from memberships when asked: tenancy/service.py)."""
    business = _business(db, business_id)
    info = {"id": business.id, "name": business.name}
    conn = _conn(db)
    rows.remove(conn, list(_all_tables()), business.id)
    rewritten(db)
    rows.remove_counters(conn, business.id)
    conn.execute(delete(_BUSINESSES).where(_BUSINESSES.c.id == business.id))
    bind_business(db, None)
    forget_all(db)
    return info
