"""The rows of one business, table by table: read, written and deleted in bulk (sandbox/state.py: snapshots,
export and import, clone, reset, delete).

The tables are found from the metadata, never listed: every table with a `business_id` referring to
`businesses`, and every table without one whose rows hang from such a table by a foreign key (document lines,
journal lines, payment lines). They come in foreign-key order, so inserting in that order and deleting in the
reverse never breaks a constraint. A table added later is carried along without a change here.

Values cross as portable JSON values (`Codec`): decimals and times as text, bytes as base64, JSON as it is, so
one document serves SQLite and PostgreSQL alike. This is raw Core on tenant tables, so it lives in the data
layer, and every statement names its business.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BindParameter,
    Column,
    ColumnElement,
    Connection,
    Date,
    Delete,
    LargeBinary,
    MetaData,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Dialect

from ledgerd.db.base import Scaled, UTCDateTime
from ledgerd.db.counters import Counter

BUSINESSES = "businesses"
Encode = Callable[[Any], Any]


def table_of(model: type[Any]) -> Table:
    """A mapped class's table (typed as one)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


@dataclass(frozen=True)
class Owned:
    """A table holding rows of a business: by its own `business_id`, or through `link` (a foreign key to a
    table that has one)."""

    table: Table
    link: tuple[Column[Any], Table] | None = None

    @property
    def name(self) -> str:
        return str(self.table.name)

    def of(self, business_id: str | BindParameter[str]) -> ColumnElement[bool]:
        """The condition picking the business's rows."""
        if self.link is None:
            return self.table.c.business_id == business_id
        column, parent = self.link
        return column.in_(select(parent.c.id).where(parent.c.business_id == business_id))


_BUSINESS: BindParameter[str] = bindparam("business_id")


@functools.cache
def _deletion(owned: Owned) -> Delete:
    """The DELETE of a business's rows of one table, built once (bound `business_id`): building and keying a
    statement cost more than running it on a table holding none of the business's rows."""
    return delete(owned.table).where(owned.of(_BUSINESS))


def owned_tables(metadata: MetaData) -> list[Owned]:
    """Every table holding a business's rows, parents before children."""
    direct = {table.name for table in metadata.sorted_tables
              if "business_id" in table.c and any(fk.column.table.name == BUSINESSES
                                                  for fk in table.c.business_id.foreign_keys)}
    out: list[Owned] = []
    for table in metadata.sorted_tables:
        if table.name in direct:
            out.append(Owned(table))
            continue
        links = [(fk.parent, fk.column.table) for fk in table.foreign_keys
                 if fk.column.table.name in direct and fk.column.name == "id" and fk.ondelete == "CASCADE"]
        if links:
            out.append(Owned(table, links[0]))
    return out


# --- portable values ------------------------------------------------------------------------------------------

def _decimal_text(value: Decimal) -> str:
    return str(value)


def _encode_datetime(value: datetime) -> str:
    return value.isoformat()


def _decode_datetime(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return moment


def _decode_decimal(value: Any) -> Decimal:
    if not isinstance(value, str | int):
        raise ValueError(f"{value!r} is not a decimal written as text")
    return Decimal(value)


def _encode_enum(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


@dataclass(frozen=True)
class Codec:
    """How one column's values become portable JSON values and back (None stays None; identity: no entry)."""

    encode: Encode | None
    decode: Encode | None


def codec(column: Column[Any]) -> Codec:
    kind = column.type
    if isinstance(kind, Scaled):
        return Codec(_decimal_text, _decode_decimal)
    if isinstance(kind, UTCDateTime):
        return Codec(_encode_datetime, _decode_datetime)
    if isinstance(kind, Date):
        return Codec(date.isoformat, date.fromisoformat)
    if isinstance(kind, LargeBinary):
        return Codec(lambda raw: base64.b64encode(raw).decode("ascii"),
                     lambda text: base64.b64decode(text, validate=True))
    if isinstance(kind, JSON):
        return Codec(None, None)
    if hasattr(kind, "enum_class") and getattr(kind, "enum_class", None) is not None:
        return Codec(_encode_enum, None)
    return Codec(None, None)


def _converters(table: Table, names: Sequence[str], direction: str) -> list[tuple[int, Encode]]:
    out = []
    for index, name in enumerate(names):
        fn = getattr(codec(table.c[name]), direction)
        if fn is not None:
            out.append((index, fn))
    return out


def columns_of(table: Table, *, without: Iterable[str] = ()) -> list[str]:
    skipped = set(without)
    return [str(column.name) for column in table.columns if column.name not in skipped]


def read(conn: Connection, owned: Owned, business_id: str, columns: Sequence[str]) -> list[list[Any]]:
    """The business's rows of `owned` as lists of portable values in `columns` order, in primary-key order."""
    table = owned.table
    statement = select(*(table.c[name] for name in columns)).where(owned.of(business_id)) \
        .order_by(*table.primary_key.columns)
    converters = _converters(table, columns, "encode")
    rows = []
    for row in conn.execute(statement):
        values = list(row)
        for index, fn in converters:
            value = values[index]
            if value is not None:
                values[index] = fn(value)
        rows.append(values)
    return rows


_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# An aware UTC instant as `datetime.isoformat` writes it, with or without microseconds.
_UTC_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?\+00:00")


def _units(scale: int) -> Encode:
    """Decimal text to the integer units a `Scaled` column stores (exact, or ValueError). Amounts repeat (zeros
    above all): each distinct text is converted once per call of `write`."""
    seen: dict[Any, int] = {}

    def convert(value: Any) -> int:
        found = seen.get(value) if isinstance(value, str) else None
        if found is None:
            found = _to_units(value, scale)
            if isinstance(value, str) and len(seen) < 100_000:
                seen[value] = found
        return found

    return convert


def _to_units(value: Any, scale: int) -> int:
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        whole, _, fraction = value.partition(".")
        if len(fraction) > scale:
            if fraction[scale:].strip("0"):
                raise ValueError(f"{value} has more than {scale} decimal places")
            fraction = fraction[:scale]
        return int(whole + fraction.ljust(scale, "0"))
    exact = _decode_decimal(value).scaleb(scale)
    if exact != exact.to_integral_value():
        raise ValueError(f"{value} has more than {scale} decimal places")
    return int(exact)


def _sqlite_instant(generic: Encode) -> Encode:
    """Instant text to SQLite's stored form (naive UTC, microseconds always): straight for the text exports
    write, through the column type for any other offset."""
    def convert(value: Any) -> Any:
        if isinstance(value, str) and _UTC_INSTANT.fullmatch(value):
            return f"{value[:10]} {value[11:19]}.{value[20:26] if len(value) == 32 else '000000'}"
        return generic(value)

    return convert


def _sqlite_day(value: Any) -> str:
    return date.fromisoformat(value).isoformat()


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _storer(column: Column[Any], dialect: Dialect) -> Encode | None:
    """Portable value to what the driver is handed for this column (None: as it is)."""
    kind = column.type
    if isinstance(kind, Scaled):
        return _units(kind.scale)
    if isinstance(kind, JSON):
        return _json_text
    decode = codec(column).decode
    bind = kind.dialect_impl(dialect).bind_processor(dialect)
    if decode is None and bind is None:
        return None

    def generic(value: Any) -> Any:
        python = decode(value) if decode is not None else value
        return bind(python) if bind is not None else python

    if dialect.name == "sqlite" and isinstance(kind, UTCDateTime):
        return _sqlite_instant(generic)
    if dialect.name == "sqlite" and isinstance(kind, Date):
        return _sqlite_day
    return generic


def _default(column: Column[Any], dialect: Dialect) -> Any:
    """The value a column's Python-side default gives a new row, as the driver takes it."""
    default: Any = column.default
    value = default.arg(None) if default.is_callable else default.arg
    if value is None:
        return None
    if isinstance(column.type, JSON):
        return _json_text(value)
    bind = column.type.dialect_impl(dialect).bind_processor(dialect)
    return bind(value) if bind is not None else value


def _placeholder(column: Column[Any], dialect: Dialect) -> str:
    if dialect.name == "sqlite":
        return "?"
    return "%s::json" if isinstance(column.type, JSON) else "%s"


CHUNK = 2000


def write(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          fixed: dict[str, Any] | None = None, done: Callable[[int], None] | None = None) -> int:
    """Insert portable rows (`columns` order; `fixed`: values every row gets, e.g. its business), converted
    straight to what the driver takes and handed to its executemany in chunks (`done` told how many each time;
    the generic statement path cost three times the insert itself); how many. Raises ValueError, TypeError or
    the driver's error (as SQLAlchemy's) on a value of the wrong shape."""
    dialect = conn.dialect
    extra = dict(fixed or {})
    # A column the document does not have (added to ledgerd after it was written) gets its default.
    for column in table.columns:
        if column.name not in columns and column.name not in extra and column.default is not None:
            extra[column.name] = _default(column, dialect)
    names = [*columns, *extra]
    for name in names:
        if name not in table.c:
            raise KeyError(f"{table.name} has no column {name!r}")
    stores = [(index, store) for index, name in enumerate(columns)
              if (store := _storer(table.c[name], dialect)) is not None]
    tail = tuple(extra.values())
    width = len(columns)
    quote = dialect.identifier_preparer.quote
    # Names checked against the table above, and quoted: nothing of the document's text goes into the SQL.
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "  # noqa: S608
           f"VALUES ({', '.join(_placeholder(table.c[name], dialect) for name in names)})")
    count = 0
    chunk: list[tuple[Any, ...]] = []

    def flush() -> None:
        nonlocal count, chunk
        conn.exec_driver_sql(sql, chunk)
        count += len(chunk)
        if done:
            done(len(chunk))
        chunk = []

    for row in rows:
        if not isinstance(row, list | tuple) or len(row) != width:
            raise ValueError(f"a row of {table.name} does not have {width} values")
        values = list(row)
        for index, store in stores:
            value = values[index]
            if value is not None:
                values[index] = store(value)
        chunk.append((*values, *tail))
        if len(chunk) == CHUNK:
            flush()
    if chunk:
        flush()
    return count


def remove(conn: Connection, tables: Sequence[Owned], business_id: str) -> None:
    """Delete the business's rows of `tables`, children first."""
    for owned in reversed(tables):
        conn.execute(_deletion(owned), {"business_id": business_id})


def max_legacy_ids(conn: Connection, tables: Sequence[Owned], business_id: str) -> dict[str, int]:
    """The highest legacy id of each table that has them (after rows were written with their own)."""
    out = {}
    for owned in tables:
        if "legacy_id" in owned.table.c and owned.link is None:
            top = conn.execute(select(func.max(owned.table.c.legacy_id)).where(owned.of(business_id))).scalar()
            if top:
                out[owned.name] = int(top)
    return out


# --- counters -------------------------------------------------------------------------------------------------
# A business's counters are named "<business id>:<name>" (legacy ids, document numbers: db/counters.py).

_counters = table_of(Counter)


def _prefix(business_id: str) -> str:
    return f"{business_id}:"


def counters(conn: Connection, business_id: str) -> list[list[Any]]:
    """[name without the business's prefix, value] of each of the business's counters, by name."""
    prefix = _prefix(business_id)
    rows = conn.execute(select(_counters.c.name, _counters.c.value)
                        .where(_counters.c.name.startswith(prefix, autoescape=True)).order_by(_counters.c.name))
    return [[name[len(prefix):], value] for name, value in rows]


def remove_counters(conn: Connection, business_id: str) -> None:
    conn.execute(delete(_counters).where(_counters.c.name.startswith(_prefix(business_id), autoescape=True)))


def write_counters(conn: Connection, business_id: str, values: dict[str, int]) -> None:
    """Set the business's counters (the others of it gone: call `remove_counters` first)."""
    if values:
        prefix = _prefix(business_id)
        conn.execute(insert(_counters), [{"name": prefix + name, "value": value} for name, value in values.items()])
