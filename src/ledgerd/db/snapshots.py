"""Read-only snapshots of rows, for presenting long lists without the ORM's per-attribute costs.

A list page only reads: loading its rows as ORM instances (identity map, instrumented attributes,
change tracking) costs several times the query itself. A snapshot is a plain object with the mapped
attribute names, loaded through the same session — so tenancy scoping and column types (exact
decimals, UTC datetimes, JSON) apply exactly as for ORM loads. Presenters read either kind alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, inspect
from sqlalchemy.orm import Session

S = TypeVar("S", bound="Snapshot")


class Snapshot:
    """Attributes of one row, set once; subclasses add the model's computed properties."""

    def __init__(self, values: Any) -> None:
        self.__dict__.update(values)

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any: ...


def columns(model: type[Any]) -> list[Any]:
    return [attr.class_attribute for attr in inspect(model).column_attrs]


def load(db: Session, stmt: Select[Any], model: type[Any], cls: type[S]) -> list[S]:
    """The rows `stmt` (a select of `model`, with its filters, order and paging) finds, as snapshots."""
    return [cls(row) for row in db.execute(stmt.with_only_columns(*columns(model))).mappings()]


def group(rows: Sequence[S], key: str) -> dict[Any, list[S]]:
    out: dict[Any, list[S]] = {}
    for row in rows:
        out.setdefault(getattr(row, key), []).append(row)
    return out
