"""What a ledgerd server holds: its users, businesses, apps and token families, listed, revoked and removed.

The one implementation behind `ledgerd users|businesses|apps|tokens list|delete|revoke` and the admin API
(api/admin/inventory.py); docs/sandbox.md, "Inventory". The functions cross businesses by nature: they take a
session bound to no business, flush and never commit. A list costs the same few statements whatever its size
(a page of rows, then one grouped query per figure the page shows), never one per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Delete, Select, delete, func, or_, select
from sqlalchemy.orm import Session

from ledgerd.artefacts.kinds import PURCHASE_INVOICE, SALES_INVOICE
from ledgerd.artefacts.models import ArtefactCount
from ledgerd.auth.apps import delete_app as remove_app
from ledgerd.auth.models import App, AuthorizationCode, BrowserSession, TokenFamily
from ledgerd.auth.server import revoke_families
from ledgerd.clock import Clock
from ledgerd.contacts.models import Contact
from ledgerd.errors import Invalid, NotFound
from ledgerd.tenancy.models import Business, Membership, Role, User
from ledgerd.tenancy.service import accessible_to, keep_an_administrator, normalise_email

T = TypeVar("T")
S = TypeVar("S", bound=Select[*tuple[Any, ...]])
# Why a family ended when an administrator ended it (`revoked_reason`; the OAuth endpoints give their own).
REVOKED = "revoked_by_administrator"


@dataclass(frozen=True, slots=True)
class Listed(Generic[T]):
    """One page of a list and the size of the whole list."""

    total: int
    items: list[T]


def _page(statement: S, offset: int, limit: int | None) -> S:
    statement = statement.offset(offset) if offset else statement
    return statement.limit(limit) if limit is not None else statement


def _total(db: Session, statement: Select[*tuple[Any, ...]]) -> int:
    return db.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0


# --- naming records -------------------------------------------------------------------------------------------

def user_named(db: Session, key: str, source: str = "user") -> User:
    """The user an e-mail address or an id names (404 otherwise, `source` naming the parameter)."""
    key = key.strip()
    if "@" in key:
        user = db.scalar(select(User).where(User.email == normalise_email(key)))
        if user is None:
            raise NotFound(f"No user has the e-mail address {key}.", source)
        return user
    found = db.get(User, key.lower())
    if found is None:
        raise NotFound(f"No user has the id {key}.", source)
    return found


def app_named(db: Session, client_id: str, source: str = "app") -> App:
    """The app a client id names (404 otherwise)."""
    app = db.scalar(select(App).where(App.client_id == client_id.strip()))
    if app is None:
        raise NotFound(f"No app has the client id {client_id}.", source)
    return app


# --- users ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Access:
    """A business a user can see, and their role there."""

    business_id: str
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class UserEntry:
    id: str
    email: str
    first_name: str
    last_name: str
    is_admin: bool
    created_at: datetime
    businesses: tuple[Access, ...]  # lead first


def users(db: Session, *, offset: int = 0, limit: int | None = None) -> Listed[UserEntry]:
    """The accounts, oldest first, each with the businesses it can see."""
    statement = select(User)
    found = db.scalars(_page(statement.order_by(User.created_at, User.id), offset, limit)).all()
    access = accessible_to(db, [user.id for user in found])
    return Listed(_total(db, statement), [
        UserEntry(id=user.id, email=user.email, first_name=user.first_name, last_name=user.last_name,
                  is_admin=user.is_admin, created_at=user.created_at,
                  businesses=tuple(Access(business.id, business.name, role) for business, role in access[user.id]))
        for user in found])


@dataclass(frozen=True, slots=True)
class UserDeleted:
    email: str
    memberships: int
    apps: int
    token_families: int  # the user's own and those of the apps they owned
    browser_sessions: int


def _deleted(db: Session, statement: Delete) -> int:
    """Run a DELETE; how many rows it removed."""
    removed: int = db.execute(statement).rowcount  # type: ignore[attr-defined]
    return removed


def delete_user(db: Session, clock: Clock, user: User) -> UserDeleted:
    """Remove an account with its memberships, browser sessions, token families (revoked first, so its tokens stop
    working at once) and the apps it owns with theirs. Refused while it owns a business (those are deleted first,
    with their books: `ledgerd businesses delete`), and for the last administrator."""
    owned = db.execute(select(Business.id, Business.name)
                       .join(Membership, Membership.business_id == Business.id)
                       .where(Membership.user_id == user.id, Membership.role == Role.OWNER)
                       .order_by(Business.created_at, Business.id)).all()
    if owned:
        names = ", ".join(f"{name} ({business_id})" for business_id, name in owned)
        how = (f"it first (`ledgerd businesses delete {owned[0][0]}`)" if len(owned) == 1 else
               "them first (`ledgerd businesses delete BUSINESS_ID` for each)")
        raise Invalid(f"{user.email} owns {len(owned)} business{'es' if len(owned) > 1 else ''}: {names}. Delete "
                      f"{how}, then delete the user.", "user")
    keep_an_administrator(db, user)
    apps = db.scalars(select(App).where(App.owner_id == user.id).order_by(App.id)).all()
    families = set(revoke_families(db, clock, TokenFamily.user_id == user.id, REVOKED))
    for app in apps:
        families.update(remove_app(db, clock, app))
    memberships = _deleted(db, delete(Membership).where(Membership.user_id == user.id))
    sessions = _deleted(db, delete(BrowserSession).where(BrowserSession.user_id == user.id))
    db.execute(delete(AuthorizationCode).where(AuthorizationCode.user_id == user.id))
    db.execute(delete(TokenFamily).where(TokenFamily.user_id == user.id))
    db.delete(user)
    db.flush()
    return UserDeleted(email=user.email, memberships=memberships, apps=len(apps), token_families=len(families),
                       browser_sessions=sessions)


# --- businesses -----------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BusinessEntry:
    id: str
    name: str
    country_id: str
    owner_id: str | None
    owner_email: str | None
    members: int  # memberships, the owner's included
    contacts: int
    sales_invoices: int
    purchase_invoices: int
    created_at: datetime


def _grouped(db: Session, column: Any, ids: Sequence[str], *where: ColumnElement[bool]) -> dict[str, int]:
    """How many rows of `column`'s table each of `ids` has (one grouped query)."""
    if not ids:
        return {}
    rows = db.execute(select(column, func.count()).where(column.in_(ids), *where).group_by(column))
    return {key: count for key, count in rows}


def businesses(db: Session, *, owner: User | None = None, offset: int = 0,
               limit: int | None = None) -> Listed[BusinessEntry]:
    """The businesses (of one owner, if given), oldest first, with their owner and how much they hold."""
    statement = (select(Business, User.id, User.email)
                 .outerjoin(Membership, (Membership.business_id == Business.id) & (Membership.role == Role.OWNER))
                 .outerjoin(User, User.id == Membership.user_id))
    if owner is not None:
        statement = statement.where(User.id == owner.id)
    rows = db.execute(_page(statement.order_by(Business.created_at, Business.id), offset, limit)).all()
    ids = [business.id for business, _, _ in rows]
    members = _grouped(db, Membership.business_id, ids)
    contacts = _grouped(db, Contact.business_id, ids)
    invoices: dict[tuple[str, str], int] = defaultdict(int)
    if ids:
        for business_id, kind, documents in db.execute(
                select(ArtefactCount.business_id, ArtefactCount.kind, ArtefactCount.documents)
                .where(ArtefactCount.business_id.in_(ids),
                       ArtefactCount.kind.in_((SALES_INVOICE.kind, PURCHASE_INVOICE.kind)))):
            invoices[business_id, kind] = documents
    return Listed(_total(db, statement), [
        BusinessEntry(id=business.id, name=business.name, country_id=business.country_id, owner_id=owner_id,
                      owner_email=owner_email, members=members.get(business.id, 0),
                      contacts=contacts.get(business.id, 0),
                      sales_invoices=invoices[business.id, SALES_INVOICE.kind],
                      purchase_invoices=invoices[business.id, PURCHASE_INVOICE.kind],
                      created_at=business.created_at)
        for business, owner_id, owner_email in rows])


# --- apps -----------------------------------------------------------------------------------------------------

def _live(now: datetime) -> ColumnElement[bool]:
    """A token family that can still be used: not revoked, and its refresh token not expired."""
    return TokenFamily.revoked_at.is_(None) & or_(TokenFamily.refresh_expires_at.is_(None),
                                                   TokenFamily.refresh_expires_at > now)


@dataclass(frozen=True, slots=True)
class AppEntry:
    id: str
    name: str
    client_id: str
    owner_id: str
    owner_email: str
    callbacks: tuple[str, ...]
    created_at: datetime
    live_token_families: int


def apps(db: Session, clock: Clock, *, owner: User | None = None, offset: int = 0,
         limit: int | None = None) -> Listed[AppEntry]:
    """The registered apps (of one owner, if given), oldest first, with how many token families are live."""
    statement = select(App, User.email).join(User, User.id == App.owner_id)
    if owner is not None:
        statement = statement.where(App.owner_id == owner.id)
    rows = db.execute(_page(statement.order_by(App.created_at, App.id), offset, limit)).all()
    live = _grouped(db, TokenFamily.app_id, [app.id for app, _ in rows], _live(clock.now()))
    return Listed(_total(db, statement), [
        AppEntry(id=app.id, name=app.name, client_id=app.client_id, owner_id=app.owner_id, owner_email=email,
                 callbacks=tuple(app.callback_urls), created_at=app.created_at,
                 live_token_families=live.get(app.id, 0))
        for app, email in rows])


def delete_app(db: Session, clock: Clock, app: App) -> list[str]:
    """Remove an app, revoking its token families first (auth/apps.py); the ids of the families it revoked."""
    return remove_app(db, clock, app)


# --- token families -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FamilyEntry:
    """A token family: every token descended from one authorization."""

    id: str
    user_id: str
    user_email: str
    client_id: str
    app_name: str
    scope: str
    country: str
    created_at: datetime
    last_issued_at: datetime  # its first tokens, or its latest refresh
    expires_at: datetime | None  # its refresh token's expiry
    revoked_at: datetime | None
    revoked_reason: str | None
    status: str  # live, expired or revoked


def _which(user: User | None, app: App | None, family_id: str | None) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if user is not None:
        found.append(TokenFamily.user_id == user.id)
    if app is not None:
        found.append(TokenFamily.app_id == app.id)
    if family_id is not None:
        found.append(TokenFamily.id == family_id)
    return found


def token_families(db: Session, clock: Clock, *, user: User | None = None, app: App | None = None,
                   offset: int = 0, limit: int | None = None) -> Listed[FamilyEntry]:
    """The token families (of one user, one app, or both), oldest first, revoked and expired ones included."""
    statement = (select(TokenFamily, User.email, App.client_id, App.name)
                 .join(User, User.id == TokenFamily.user_id).join(App, App.id == TokenFamily.app_id)
                 .where(*_which(user, app, None)))
    rows = db.execute(_page(statement.order_by(TokenFamily.created_at, TokenFamily.id), offset, limit)).all()
    now = clock.now()

    def status(family: TokenFamily) -> str:
        if family.revoked_at is not None:
            return "revoked"
        expired = family.refresh_expires_at is not None and family.refresh_expires_at <= now
        return "expired" if expired else "live"

    return Listed(_total(db, statement), [
        FamilyEntry(id=family.id, user_id=family.user_id, user_email=email, client_id=client_id, app_name=name,
                    scope=family.scope, country=family.country, created_at=family.created_at,
                    last_issued_at=family.updated_at, expires_at=family.refresh_expires_at,
                    revoked_at=family.revoked_at, revoked_reason=family.revoked_reason, status=status(family))
        for family, email, client_id, name in rows])


def revoke(db: Session, clock: Clock, *, user: User | None = None, app: App | None = None,
           family_id: str | None = None) -> list[str]:
    """Revoke the token families of a user, of an app, or one family (given together, those matching all): their
    refresh tokens are refused and their access tokens answered 401 from now on. The ids of the families revoked
    now (those revoked before stay as they were)."""
    which = _which(user, app, family_id)
    if not which:
        raise Invalid("Name the token families to revoke: a user, an app or a family.")
    if family_id is not None and db.get(TokenFamily, family_id) is None:
        raise NotFound(f"No token family has the id {family_id}.", "family")
    condition = which[0]
    for more in which[1:]:
        condition = condition & more
    return revoke_families(db, clock, condition, REVOKED)
