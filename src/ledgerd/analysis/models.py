"""Tables of this package (imported by `ledgerd.db.registry`): analysis types, their categories, the
categories given to records, and journal codes."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.db.base import Base, IdColumn, IdMixin
from ledgerd.db.records import Record
from ledgerd.db.tenancy import TenantScoped


class AnalysisType(Record, Base):
    """One of the business's six analysis types (three for transactions, three for groups)."""

    __tablename__ = "analysis_types"

    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(20))  # TRANSACTION or GROUP
    # Where its categories may be chosen: SALES, EXPENSES, BANKING, JOURNALS (transaction level) or
    # CUSTOMERS, VENDORS, PRODUCTS, SERVICE, STOCK (group level).
    active_areas: Mapped[list[str]] = mapped_column(JSON, default=list)

    @property
    def displayed_as(self) -> str:
        return self.name


class AnalysisTypeCategory(Record, Base):
    __tablename__ = "analysis_type_categories"

    analysis_type_id: Mapped[str] = mapped_column(ForeignKey("analysis_types.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))

    @property
    def displayed_as(self) -> str:
        return self.name


class AnalysisAssignment(TenantScoped, IdMixin, Base):
    """A category given to a record (a document line, a journal line, a contact…): what makes it "in use".

    `record_type` names the table of the record (e.g. `artefact_lines`), so one table serves every area.
    """

    __tablename__ = "analysis_assignments"
    __table_args__ = (Index("ix_analysis_assignments_record", "business_id", "record_type", "record_id"),)

    category_id: Mapped[str] = mapped_column(ForeignKey("analysis_type_categories.id", ondelete="CASCADE"),
                                             index=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(IdColumn)


class JournalCode(Record, Base):
    """A French journal code; those with a control name are the region's reserved codes."""

    __tablename__ = "journal_codes"

    name: Mapped[str] = mapped_column(String(255))
    code: Mapped[str] = mapped_column(String(255))
    journal_code_type_id: Mapped[str] = mapped_column(String(20))
    control_name: Mapped[str | None] = mapped_column(String(255))

    @property
    def reserved(self) -> bool:
        return bool(self.control_name)

    @property
    def displayed_as(self) -> str:
        return self.name

