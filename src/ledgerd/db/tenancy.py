"""Tenant isolation, enforced in one place.

Every tenant row carries `business_id` (the `TenantScoped` mixin). A session opened for a business
(`bind_business`) gets two guards:

* every ORM SELECT/UPDATE/DELETE it runs is filtered to that business (`with_loader_criteria`);
* before each flush, every new or changed tenant row must belong to that business.

Code outside `ledgerd.db` never writes raw SQL against tenant tables.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql.base import Executable

BUSINESS_KEY = "ledgerd.business_id"
E = TypeVar("E", bound=Executable)


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


def _filter_by_business(state: ORMExecuteState) -> None:
    business_id = current_business(state.session)
    if business_id is None or state.is_column_load or state.is_relationship_load:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = scoped(state.statement, business_id)


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


# Installed on ledgerd's session class when the runtime is built (db/session.py); first among the
# `before_flush` listeners, so new rows have their business before they are stamped.
LISTENERS = (("do_orm_execute", _filter_by_business), ("before_flush", _check_tenant_writes))
