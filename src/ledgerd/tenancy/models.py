"""Tenancy models: users, businesses, memberships, invitations, subscriptions."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledgerd.db.base import Base, IdMixin, TimestampMixin
from ledgerd.db.tenancy import TenantScoped


class Role(enum.StrEnum):
    """A user's role in one business, as the Sage UI names them."""

    OWNER = "owner"
    FULL_ACCESS = "full_access"
    READ_ONLY = "read_only"
    NO_ACCESS = "no_access"

    @property
    def can_read(self) -> bool:
        return self is not Role.NO_ACCESS

    @property
    def can_write(self) -> bool:
        return self in (Role.OWNER, Role.FULL_ACCESS)


RoleColumn = Enum(Role, name="role", native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    # `requested_by_id` in token responses: a hyphenated UUID, distinct from the 32-hex `id` (as at Sage).
    subject: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    initials: Mapped[str] = mapped_column(String(10), default="")
    locale: Mapped[str] = mapped_column(String(5), default="en-GB")
    # A ledgerd administrator may use the sandbox controls (/ledgerd/v1/admin, docs/sandbox.md); not a Sage field.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def displayed_as(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


class Business(IdMixin, TimestampMixin, Base):
    __tablename__ = "businesses"

    name: Mapped[str] = mapped_column(String(255))
    address_line_1: Mapped[str] = mapped_column(String(255), default="")
    address_line_2: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(255), default="")
    postal_code: Mapped[str] = mapped_column(String(50), default="")
    country_id: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(255), default="")
    telephone: Mapped[str] = mapped_column(String(50), default="")
    mobile: Mapped[str] = mapped_column(String(50), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    ni_based: Mapped[bool] = mapped_column(Boolean, default=False)
    # Monotonic, never reused: the integer `legacy_id` of v1/v2 clients.
    legacy_id: Mapped[int] = mapped_column(Integer, unique=True)

    # Loaded when read (the business's own PUT answer does): almost nothing that loads a business shows its
    # subscriptions, so loading them with it would cost a statement each time.
    subscriptions: Mapped[list[Subscription]] = relationship(
        order_by="Subscription.created_at", lazy="select", cascade="all, delete-orphan")


class Membership(IdMixin, TimestampMixin, Base):
    """A user's access to a business. Exactly one membership per business has the OWNER role."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "business_id"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(RoleColumn)
    # Per-area overrides of `role` (area → tenancy.access.AreaRole value), e.g. {"bank": "full_access"}.
    area_roles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class Invitation(IdMixin, TimestampMixin, Base):
    """An invitation for an e-mail address that has no account yet; it becomes a membership at sign-up."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("business_id", "email"),)

    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[Role] = mapped_column(RoleColumn)
    area_roles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class Subscription(TenantScoped, TimestampMixin, Base):
    """A product subscription of a business (`ACCOUNTING` = Accounting Plus)."""

    __tablename__ = "subscriptions"

    business_id: Mapped[str] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default="paying")
