"""Tables of this package (imported by `ledgerd.db.registry`).

The file's bytes live in the row itself (a `LargeBinary` column): every process of a multi-worker or
multi-host PostgreSQL deployment sees them, a restart loses nothing, and a rolled-back request leaves no
orphan file behind. The column is deferred, so lists and reads never load the bytes; only
`GET /attachments/{key}/file` does.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base, IdColumn
from ledgerd.db.records import Record


class Attachment(Record, Base):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_context", "business_id", "context_id"),)

    file_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(255), default="")
    file_extension: Mapped[str] = mapped_column(String(50), default="")
    file_size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # What the file is attached to: an /attachment_context_types id and the record's id and legacy id.
    context_type_id: Mapped[str | None] = mapped_column(String(40))
    context_id: Mapped[str | None] = mapped_column(IdColumn)
    context_legacy_id: Mapped[int | None] = mapped_column(Integer)
    # A transaction the client named; otherwise the context record's own transaction is shown.
    transaction_id: Mapped[str | None] = mapped_column(IdColumn)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def displayed_as(self) -> str:
        return self.file_name
