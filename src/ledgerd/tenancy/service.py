"""Tenancy rules: accounts, businesses, memberships, invitations and the lead business."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from ledgerd.clock import Clock
from ledgerd.db.counters import next_value, set_at_least
from ledgerd.db.engine import FastQuery
from ledgerd.db.locks import for_change
from ledgerd.errors import Forbidden, Invalid, NotFound
from ledgerd.passwords import MIN_PASSWORD_LENGTH, Passwords
from ledgerd.regions import COUNTRIES
from ledgerd.tenancy.access import AreaRole, Selected
from ledgerd.tenancy.models import Business, Invitation, Membership, Role, Subscription, User
from ledgerd.tenancy.schemas import BusinessUpdate, UserUpdate

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BUSINESS_ID = re.compile(r"^[0-9a-f]{32}$")
_businesses = Business.__table__.c
_memberships = Membership.__table__.c
_subscriptions = Subscription.__table__.c
_Q = TypeVar("_Q")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise Invalid(f"{email!r} is not a valid e-mail address.", "email")
    return email


def initials_of(first_name: str, last_name: str) -> str:
    return "".join(part[:1].upper() for part in (first_name, last_name) if part)


def find_user(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def password_hash(passwords: Passwords, password: str) -> str:
    """The stored form of a new account's password. Made before the account's transaction opens: hashing
    takes most of a second, which no write transaction (on SQLite, the one writer) should wait for."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", "password")
    return passwords.hash(password)


def create_user(db: Session, clock: Clock, *, email: str, password_hash: str, first_name: str = "",
                last_name: str = "", locale: str = "en-GB", is_admin: bool = False) -> User:
    """A new account (its password hashed by `password_hash`); invitations already sent to its e-mail
    address become memberships."""
    email = normalise_email(email)
    if db.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise Invalid("An account with this e-mail address already exists.", "email")
    now = clock.now()
    user = User(email=email, password_hash=password_hash, first_name=first_name.strip(),
                last_name=last_name.strip(), initials=initials_of(first_name, last_name), locale=locale,
                is_admin=is_admin, created_at=now, updated_at=now)
    db.add(user)
    db.flush()
    for invitation in db.scalars(select(Invitation).where(Invitation.email == email)
                                 .order_by(Invitation.created_at)).all():
        db.add(Membership(user_id=user.id, business_id=invitation.business_id, role=invitation.role,
                          area_roles=dict(invitation.area_roles or {}), created_at=invitation.created_at,
                          updated_at=now))
        db.delete(invitation)
    db.flush()
    return user


def keep_an_administrator(db: Session, user: User) -> None:
    """Refuse to let `user` stop being an administrator (deleted, or the right taken away) when they are the last.
    Every administrator's row is locked, in id order: two administrators removing each other at once cannot both
    see the other one stay."""
    if not user.is_admin:
        return
    admins = db.scalars(for_change(select(User.id).where(User.is_admin).order_by(User.id), User)).all()
    if user.id in admins and len(admins) == 1:
        raise Invalid(f"{user.email} is the last ledgerd administrator; make another one first "
                      "(`ledgerd users grant-admin EMAIL`).", "user")


def set_admin(db: Session, clock: Clock, user: User, is_admin: bool = True) -> User:
    """Make `user` a ledgerd administrator (the sandbox controls, docs/sandbox.md), or no longer one (never the
    last one)."""
    if not is_admin:
        keep_an_administrator(db, user)
    if user.is_admin != is_admin:
        user.is_admin = is_admin
        user.updated_at = clock.now()
        db.flush()
    return user


def upgrade_password_hash(db: Session, user_id: str, old: str, new: str) -> None:
    """Store a rehash of the same password (a stronger cost), unless the hash changed meanwhile."""
    db.execute(update(User).where(User.id == user_id, User.password_hash == old).values(password_hash=new))


def create_business(db: Session, clock: Clock, *, owner: User, name: str, country_id: str,
                    is_demo: bool = False, business_id: str | None = None, legacy_id: int | None = None) -> Business:
    """A business owned by `owner`, with its subscription and no books yet (`onboarding.open_business` gives
    it its region's). `business_id` and `legacy_id` are given only when books are imported with their ids
    (sandbox/state.py); the global counter then stays above that legacy id."""
    country = COUNTRIES.get(country_id.upper())
    if country is None:
        raise Invalid(f"Country {country_id!r} is not served; use one of {', '.join(COUNTRIES)}.", "country")
    if not name.strip():
        raise Invalid("The business name is required.", "name")
    now = clock.now()
    if legacy_id is None:
        legacy_id = next_value(db, "global:business_legacy_id")
    else:
        set_at_least(db, "global:business_legacy_id", legacy_id)
    business = Business(name=name.strip(), country_id=country.id, is_demo=is_demo, created_at=now,
                        updated_at=now, legacy_id=legacy_id)
    if business_id is not None:
        business.id = business_id
    business.subscriptions.append(Subscription(code="ACCOUNTING", active=True, status="paying",
                                               created_at=now, updated_at=now))
    db.add(business)
    db.flush()
    db.add(Membership(user_id=owner.id, business_id=business.id, role=Role.OWNER, created_at=now,
                      updated_at=now))
    db.flush()
    return business


def invite(db: Session, clock: Clock, *, business: Business, email: str, role: Role,
           areas: Mapping[str, AreaRole] | None = None) -> Membership | Invitation:
    """Give `email` a role in `business`: at once if the account exists, at sign-up otherwise.

    `areas` overrides the role area by area (e.g. read only, but full access in Bank); an invitation
    states the member's whole access, so inviting again without `areas` clears earlier overrides.
    """
    if role is Role.OWNER:
        raise Invalid("A business has exactly one owner; invite with another role.", "role")
    overrides = {area: AreaRole(value).value for area, value in (areas or {}).items()}
    email = normalise_email(email)
    now = clock.now()
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        invitation = db.scalar(select(Invitation).where(Invitation.business_id == business.id,
                                                        Invitation.email == email))
        if invitation is None:
            invitation = Invitation(business_id=business.id, email=email, role=role, area_roles=overrides,
                                    created_at=now, updated_at=now)
            db.add(invitation)
        else:
            invitation.role, invitation.area_roles, invitation.updated_at = role, overrides, now
        db.flush()
        return invitation
    membership = db.scalar(select(Membership).where(Membership.business_id == business.id,
                                                    Membership.user_id == user.id))
    if membership is None:
        membership = Membership(user_id=user.id, business_id=business.id, role=role, area_roles=overrides,
                                created_at=now, updated_at=now)
        db.add(membership)
    elif membership.role is Role.OWNER:
        raise Invalid("The owner's role cannot be changed.", "role")
    else:
        membership.role, membership.area_roles, membership.updated_at = role, overrides, now
    db.flush()
    return membership


# --------------------------------------------------------------------------------------------------------------
# The user's business: one membership read and one lead rule, for the ORM lookups and for the prebuilt reads
# (FastQuery, outside any session) that every business-scoped call and GET /businesses/{key} make.

LEAD = "lead"
# Which business leads: owned before invited, then the oldest membership (ties: oldest business, id).
_LEAD_FIRST = ((_memberships.role == Role.OWNER.value).desc(), _memberships.created_at, _businesses.created_at,
               _businesses.id)


def _members(*columns: Any) -> Select[Any]:
    """The membership read: `columns` of the businesses the user (bound `user_id`) is a member of."""
    return (select(*columns)
            .join_from(Business.__table__, Membership.__table__, _memberships.business_id == _businesses.id)
            .where(_memberships.user_id == bindparam("user_id")))


# The lead business is the first business the user created; a user who owns none leads with the first
# business they were invited to. Deleting a business or creating one's own moves the lead. Ranked on the
# memberships' keys alone, so the sort stays small (no wide rows to sort).
_LEAD_ID = _members(_memberships.business_id).order_by(*_LEAD_FIRST).limit(1).scalar_subquery()


def _one_of(statement: Select[Any]) -> tuple[Select[Any], Select[Any]]:
    """A read of one of the user's businesses, built for the lead and for an id (bound `business_id`)."""
    return statement.where(_businesses.id == _LEAD_ID), statement.where(_businesses.id == bindparam("business_id"))


def _fast(pair: tuple[Select[Any], Select[Any]]) -> tuple[FastQuery, FastQuery]:
    return FastQuery(pair[0]), FastQuery(pair[1])


def _named(key: str) -> dict[str, str] | None:
    """The parameters naming a business by path key: {} for the lead (`lead` in any case), the id for an id,
    None for a key that can name no business."""
    key = key.strip().lower()
    if key == LEAD:
        return {}
    return {"business_id": key} if _BUSINESS_ID.match(key) else None


def _pick(pair: tuple[_Q, _Q], params: dict[str, str]) -> _Q:
    lead, by_id = pair
    return by_id if params else lead


_BUSINESS_ROLE = _one_of(_members(Business, Membership.role))


def accessible(db: Session, user_id: str) -> list[tuple[Business, Role]]:
    """The user's businesses with their role, lead first."""
    rows = db.execute(_members(Business, Membership.role).order_by(*_LEAD_FIRST), {"user_id": user_id})
    return [(b, r) for b, r in rows.all()]


def accessible_to(db: Session, user_ids: Collection[str]) -> dict[str, list[tuple[Business, Role]]]:
    """The businesses of each of several users with their role, each user's lead first (one query)."""
    found: dict[str, list[tuple[Business, Role]]] = {user_id: [] for user_id in user_ids}
    if found:
        members = (select(_memberships.user_id, Business, Membership.role)
                   .join_from(Business.__table__, Membership.__table__, _memberships.business_id == _businesses.id))
        rows = db.execute(members.where(_memberships.user_id.in_(found)).order_by(_memberships.user_id, *_LEAD_FIRST))
        for user_id, business, role in rows:
            found[user_id].append((business, role))
    return found


def business_for_key(db: Session, user_id: str, key: str) -> tuple[Business, Role]:
    """The business named by a path key (`lead` allowed), only if the user is a member."""
    params = _named(key)
    row = None if params is None else db.execute(_pick(_BUSINESS_ROLE, params), {"user_id": user_id, **params}).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def owned_business(db: Session, user_id: str, key: str) -> Business:
    """The business a path key names, to change its details: only its owner may."""
    business, role = business_for_key(db, user_id, key)
    if role is not Role.OWNER:
        raise Forbidden("Only the business owner can change business details.")
    return business


def update_business(db: Session, business: Business, body: BusinessUpdate, now: datetime) -> Business:
    for name, value in body.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(business, name, value)
    business.updated_at = now
    db.flush()
    return business


def update_user(db: Session, user_id: str, body: UserUpdate, now: datetime) -> User:
    """Change an account's names and locale; initials follow the names unless given."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    for name, value in changes.items():
        setattr(user, name, value)
    if "initials" not in changes and ({"first_name", "last_name"} & changes.keys()):
        user.initials = initials_of(user.first_name, user.last_name)
    user.updated_at = now
    db.flush()
    return user


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """A subscription as GET /businesses/{key} reads it."""

    code: str
    active: bool
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class BusinessView:
    """A business as GET /businesses/{key} reads it, with the reader's role and the subscriptions."""

    id: str
    created_at: datetime
    updated_at: datetime
    name: str
    address_line_1: str
    address_line_2: str
    city: str
    postal_code: str
    country_id: str
    region: str
    telephone: str
    mobile: str
    website: str
    is_demo: bool
    ni_based: bool
    role: Role
    subscriptions: tuple[SubscriptionView, ...]


_BUSINESS_FIELDS = tuple(f.name for f in fields(BusinessView) if f.name not in ("role", "subscriptions"))
_SUBSCRIPTION_FIELDS = tuple(f.name for f in fields(SubscriptionView))
# Prebuilt reads without an ORM session: scoped by membership in the query itself, since they cross
# businesses by nature. The business every business-scoped call works on, with the caller's membership
# (fields as in tenancy.access.Selected):
_SELECTED = _fast(_one_of(_members(
    _businesses.id, _businesses.country_id, _businesses.created_at, _businesses.ni_based, _memberships.role,
    _memberships.area_roles)))
# A business with the role and its subscriptions (a handful at most), in one round trip:
_WITH_SUBSCRIPTIONS = _fast(_one_of(
    _members(*(_businesses[name] for name in _BUSINESS_FIELDS), _memberships.role,
             *(_subscriptions[name].label(f"subscription_{name}") for name in _SUBSCRIPTION_FIELDS))
    .outerjoin(Subscription.__table__, _subscriptions.business_id == _businesses.id)))


def select_business(engine: Engine, user_id: str, header: str | None) -> Selected:
    """The business an API call works on: `X-Business`, else the lead business.

    Read with one prebuilt query outside the call's transaction (the call only reads it), together with
    the caller's membership. Unknown, malformed and foreign ids are answered alike, so the header cannot
    probe for businesses.
    """
    if header is None or not header.strip():
        found = _pick(_SELECTED, {}).first(engine, user_id=user_id)
        if found is None:
            raise Forbidden("The current user has no business; create one or accept an invitation first.",
                            "X-Business")
        return Selected(**found)
    params = _named(header)
    found = _pick(_SELECTED, params).first(engine, user_id=user_id, **params) if params else None  # ids only
    if found is None:
        raise Forbidden("The X-Business header names a business the current user cannot access.", "X-Business")
    return Selected(**found)


def read_business(engine: Engine, user_id: str, key: str) -> BusinessView:
    """The business a path key names (`lead` allowed) with its subscriptions, if the user is a member."""
    params = _named(key)
    rows = [] if params is None else _pick(_WITH_SUBSCRIPTIONS, params).all(engine, user_id=user_id, **params)
    if not rows:
        raise NotFound()
    # Ordered here, as the ORM relationship orders them (Business.subscriptions), on a handful of rows.
    subscriptions = sorted((SubscriptionView(**{name: row[f"subscription_{name}"] for name in _SUBSCRIPTION_FIELDS})
                            for row in rows if row["subscription_code"] is not None),
                           key=lambda subscription: (subscription.created_at, subscription.code))
    first = rows[0]
    return BusinessView(**{name: first[name] for name in _BUSINESS_FIELDS}, role=first["role"],
                        subscriptions=tuple(subscriptions))
