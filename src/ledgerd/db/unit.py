"""The unit of work's speed-ups, in one object attached to the session.

A `Unit` holds what one session's unit of work has already paid for, so that a query is not run twice:

* every row the unit of work loads stays referenced until its transaction ends (`keep`, `release`): SQLAlchemy
  holds instances weakly, so a row nothing referenced any more (a document's contact once its fields are
  copied, an account a line was checked against) was read again by the next `get` or link of the request;
* rows by id (`held`: those the identity map holds; `rows_by_id`: those plus one query for the others);
* typed caches (`cache`), each declared once as a `Cache` by the module that fills it (control accounts by
  role, tax rates by id), and kept per business for the session's life.

Business code never calls this module: it reads accounts, tax rates and contacts through ordinary functions
of its own packages (`ledger.accounts.control`, `ledger.tax_rates.live`, ...), which use the unit inside. The
listeners keeping rows are installed with the others (`db/session.install_listeners`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ledgerd.db.tenancy import TenantScoped, current_business

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T", bound=TenantScoped)

_UNIT = "ledgerd.unit"


@dataclass(frozen=True, eq=False)
class Cache(Generic[K, V]):
    """A named cache of the unit of work mapping `K` to `V`; declared once, at module level, by its owner."""

    name: str


class Unit:
    """What one session has loaded and looked up: kept rows and typed caches (see the module docstring)."""

    __slots__ = ("_caches", "_kept")

    def __init__(self) -> None:
        self._caches: dict[tuple[Cache[Any, Any], str | None], dict[Any, Any]] = {}
        self._kept: list[object] = []

    def cache(self, cache: Cache[K, V], business_id: str | None) -> dict[K, V]:
        """The dict of `cache` for `business_id`, created empty on first use."""
        found = self._caches.get((cache, business_id))
        if found is None:
            found = self._caches[(cache, business_id)] = {}
        return found

    def keep(self, instance: object) -> None:
        self._kept.append(instance)

    def release(self) -> None:
        self._kept.clear()

    def clear(self) -> None:
        """Forget every cached answer and kept row (the rows they came from were replaced in bulk)."""
        self._caches.clear()
        self._kept.clear()


def let_go(session: Session) -> None:
    """The rows the unit of work loaded so far are no longer needed (a list page has written them): they are no
    longer kept, so those nothing else refers to are freed (the identity map holds rows weakly; changed rows
    stay, held by the session itself). Its caches stay."""
    found = session.info.get(_UNIT)
    if found is not None:
        found.release()


def unit(session: Session) -> Unit:
    """The session's unit of work, made on first use."""
    found = session.info.get(_UNIT)
    if found is None:
        found = session.info[_UNIT] = Unit()
    return found


def forget_all(session: Session) -> None:
    """After bulk statements replaced rows behind the ORM's back (db/business_rows.py): the session lets go of
    every row it holds and the unit of every cached answer, so what is read next comes from the database."""
    session.expunge_all()
    found = session.info.get(_UNIT)
    if found is not None:
        found.clear()


def cache(session: Session, declared: Cache[K, V]) -> dict[K, V]:
    """The session's dict of `declared` for its current business (what a query would otherwise find again)."""
    return unit(session).cache(declared, current_business(session))


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


# --- listeners (installed by db/session.install_listeners) ---------------------------------------------------

def keep_loaded(session: Session, instance: object) -> None:
    """`loaded_as_persistent`: the unit of work keeps every row it loads until its transaction ends."""
    unit(session).keep(instance)


def release_loaded(session: Session) -> None:
    """`after_commit`, `after_rollback`: the kept rows are let go with the transaction."""
    found = session.info.get(_UNIT)
    if found is not None:
        found.release()


LISTENERS = (("loaded_as_persistent", keep_loaded), ("after_commit", release_loaded),
             ("after_rollback", release_loaded))
