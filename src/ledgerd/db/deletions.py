"""Tombstones: deleted records are removed, and remembered here for `deleted_since`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base, IdColumn, IdMixin
from ledgerd.db.tenancy import TenantScoped


class Deletion(TenantScoped, IdMixin, Base):
    __tablename__ = "deletions"
    __table_args__ = (Index("ix_deletions_lookup", "business_id", "resource", "deleted_at"),)

    resource: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(IdColumn)
    displayed_as: Mapped[str] = mapped_column(String(255), default="")
    deleted_at: Mapped[datetime] = mapped_column()
