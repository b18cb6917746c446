"""Named snapshots of a business's state (sandbox/state.py), kept in the database so every process of a
deployment sees them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base, IdMixin
from ledgerd.db.tenancy import TenantScoped


class BusinessSnapshot(TenantScoped, IdMixin, Base):
    """One snapshot: the business's books document (the export format, docs/sandbox.md), zlib-compressed."""

    __tablename__ = "business_snapshots"
    __table_args__ = (UniqueConstraint("business_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    # The version of the books document inside `content` (sandbox/state.py FORMAT_VERSION when taken).
    format_version: Mapped[int] = mapped_column(Integer)
    # Bytes of the document before compression, and how many rows it holds.
    size: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column()
