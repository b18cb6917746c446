"""Tenant isolation, enforced in one place.

Every tenant row carries `business_id` (the `TenantScoped` mixin). A session opened for a business
(`bind_business`) gets two guards:

* every ORM SELECT/UPDATE/DELETE it runs is filtered to that business (`with_loader_criteria`);
* before each flush, every new or changed tenant row must belong to that business.

Code outside `ledgerd.db` never writes raw SQL against tenant tables.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, TypeVar

from sqlalchemy import ForeignKey, String, event, inspect, select
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.base import Executable

BUSINESS_KEY = "ledgerd.business_id"
E = TypeVar("E", bound=Executable)
T = TypeVar("T", bound="TenantScoped")


class TenantScoped:
    """Mixin for rows that belong to one business."""

    @declared_attr
    def business_id(cls) -> Mapped[str]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(String(32), ForeignKey("businesses.id", ondelete="CASCADE"), index=True)


class TenancyViolation(RuntimeError):
    """A write tried to cross tenants: a bug, never a client error."""


def bind_business(session: Session, business_id: str | None) -> None:
    """Scope every later statement of `session` to `business_id` (None lifts the scope)."""
    if business_id is None:
        session.info.pop(BUSINESS_KEY, None)
    else:
        session.info[BUSINESS_KEY] = business_id


def current_business(session: Session) -> str | None:
    value = session.info.get(BUSINESS_KEY)
    return value if isinstance(value, str) else None


def scoped(statement: E, business_id: str) -> E:
    """`statement` filtered to one business wherever it touches tenant rows (applied when it is compiled,
    so it holds for statements run on the session's connection too: see db/snapshots.py)."""
    return statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.business_id == business_id, include_aliases=True))


def unit_memo(session: Session, name: str) -> dict[Any, Any]:
    """A dict kept for the session's unit of work and business, for what a query would otherwise find again
    (control accounts by role, the tax rates a document's lines name, unknown ids included)."""
    memo: dict[Any, Any] = session.info.setdefault((name, current_business(session)), {})
    return memo


_KEPT = "ledgerd.kept_rows"


@event.listens_for(Session, "loaded_as_persistent")
def _keep(session: Session, instance: object) -> None:
    """Every row a unit of work loads stays in its identity map until the transaction ends. SQLAlchemy holds
    instances weakly, so a row nothing referenced any more (a document's contact once its fields are copied,
    an account a line was checked against) was read again by the next `get` or link of the same request."""
    session.info.setdefault(_KEPT, []).append(instance)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _release(session: Session) -> None:
    session.info.pop(_KEPT, None)


def held(session: Session, model: type[T], ids: Iterable[str], business_id: str | None = None) -> dict[str, T]:
    """The rows among `ids` that the session already holds (its identity map, which keeps every row the unit
    of work loaded), by id: those of `business_id` (default: the session's business) that are not being
    deleted. Callers query only the others."""
    owner = business_id or current_business(session)
    # Primary keys are `id`, or `(id, business_id)` for rows keyed by Sage's mnemonics (tax rates).
    names = [column.key for column in inspect(model).primary_key]
    if owner is None and "business_id" in names:
        return {}
    out: dict[str, T] = {}
    for key in ids:
        found = session.identity_map.get(identity_key(model, [key if name == "id" else owner for name in names]))
        if isinstance(found, model) and (owner is None or found.business_id == owner) and found not in session.deleted:
            out[key] = found
    return out


def rows_by_id(session: Session, model: type[T], ids: Collection[str], business_id: str | None = None,
               ) -> dict[str, T]:
    """The rows of `model` among `ids`, by id: those the session holds (`held`), the others in one query."""
    found = held(session, model, ids, business_id)
    if rest := set(ids) - found.keys():
        key: Any = getattr(model, "id")  # noqa: B009 - TenantScoped does not declare the key
        stmt = select(model).where(key.in_(rest))
        if owner := business_id or current_business(session):
            stmt = stmt.where(model.business_id == owner)
        found.update((row.id, row) for row in session.scalars(stmt))  # type: ignore[attr-defined]
    return found


@event.listens_for(Session, "do_orm_execute")
def _filter_by_business(state: ORMExecuteState) -> None:
    business_id = current_business(state.session)
    if business_id is None or state.is_column_load or state.is_relationship_load:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = scoped(state.statement, business_id)


@event.listens_for(Session, "before_flush")
def _check_tenant_writes(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    business_id = current_business(session)
    if business_id is None:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, TenantScoped):
            owner = obj.business_id
            if owner is None and obj in session.new:
                obj.business_id = business_id
            elif owner != business_id:
                raise TenancyViolation(f"{type(obj).__name__} of business {owner} written in {business_id}")
