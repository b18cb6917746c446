"""Settings are singletons per business; their attributes live in JSON documents seeded from region data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base
from ledgerd.db.tenancy import TenantScoped


class BusinessSettings(TenantScoped, Base):
    __tablename__ = "business_settings"

    business_id: Mapped[str] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True)
    financial: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    invoice: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
