"""Read-only snapshots of rows, for presenting long lists without the ORM's per-attribute costs.

A list page only reads: loading its rows as ORM instances (identity map, instrumented attributes,
change tracking) costs several times the query itself, and even the ORM's column loading runs a Python
getter per value. A snapshot is a plain object with the mapped attribute names, read with a Core
execution on the session's own connection (same transaction), scoped to the session's business with the
same criteria the ORM applies (db/tenancy.py), and converted by the column types (exact decimals, UTC
datetimes, JSON) exactly as ORM loads are. Presenters read either kind alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, inspect
from sqlalchemy.orm import Session

from ledgerd.db.tenancy import current_business, scoped

S = TypeVar("S", bound="Snapshot")


class Snapshot:
    """Attributes of one row, set once; subclasses add the model's computed properties."""

    def __init__(self, values: Any) -> None:
        self.__dict__.update(values)

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any: ...


_LAYOUTS: dict[type[Any], tuple[list[str], list[Any]]] = {}


def _layout(model: type[Any]) -> tuple[list[str], list[Any]]:
    """The mapped attribute names of `model` and their table columns, in the same order. Plain table columns
    (not the ORM's annotated ones) make the statement's cache key about half as dear to compute."""
    found = _LAYOUTS.get(model)
    if found is None:
        attrs = list(inspect(model).column_attrs)
        found = _LAYOUTS[model] = [attr.key for attr in attrs], [attr.columns[0] for attr in attrs]
    return found


# Rows are read by position, so the result needs no keymap for this statement's own column objects; without
# this option a statement served from the compiled cache has one rebuilt for every column (as the ORM does).
_BY_POSITION = {"_result_disable_adapt_to_context": True}


def load(db: Session, stmt: Select[Any], model: type[Any], cls: type[S]) -> list[S]:
    """The rows `stmt` (a select of `model`, with its filters, order and paging) finds, as snapshots."""
    names, table_columns = _layout(model)
    stmt = stmt.with_only_columns(*table_columns).select_from(model).execution_options(**_BY_POSITION)
    business_id = current_business(db)
    if business_id is not None:
        stmt = scoped(stmt, business_id)
    if db.new or db.dirty or db.deleted:
        db.flush()  # what an ORM query would have flushed first
    return [cls(zip(names, row, strict=True)) for row in db.connection().execute(stmt).all()]


def group(rows: Sequence[S], key: str) -> dict[Any, list[S]]:
    out: dict[Any, list[S]] = {}
    for row in rows:
        out.setdefault(getattr(row, key), []).append(row)
    return out
