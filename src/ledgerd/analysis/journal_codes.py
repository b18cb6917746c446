"""Journal codes (France): the region's reserved codes, seeded from `regions/data/<cc>/journal_codes.toml`,
beside the business's own. A code with a control name is reserved: it keeps its control name and type and
cannot be deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ledgerd.analysis.models import JournalCode
from ledgerd.analysis.schemas import JournalCodeCreate, JournalCodeUpdate
from ledgerd.errors import Invalid
from ledgerd.regions.data import journal_codes, lookup


def seed_journal_codes(db: Session, business_id: str, country: str, now: datetime) -> None:
    """Give a business its region's reserved journal codes (once; regions without a data file get none)."""
    defaults = journal_codes(country)
    if not defaults or db.scalar(select(func.count()).select_from(JournalCode)
                                 .where(JournalCode.business_id == business_id)):
        return
    for n, default in enumerate(defaults):
        # Lists are in creation order: a microsecond apart keeps the data file's order.
        stamp = now + timedelta(microseconds=n)
        db.add(JournalCode(business_id=business_id, name=default.name, code=default.code,
                           journal_code_type_id=default.type, control_name=default.control_name,
                           created_at=stamp, updated_at=stamp))
    db.flush()


def _check_type(type_id: str) -> None:
    if lookup("journal_code_types", type_id) is None:
        raise Invalid(f"{type_id} is not a valid journal code type.", "journal_code_type_id")


def _unique(db: Session, column: InstrumentedAttribute[str | None], value: str, exclude: str | None) -> None:
    """Codes and control names identify a journal code: unique in the business, whatever the case."""
    stmt = select(func.count()).select_from(JournalCode).where(func.lower(column) == value.lower())
    if exclude is not None:
        stmt = stmt.where(JournalCode.id != exclude)
    if db.scalar(stmt):
        raise Invalid("must be unique.", column.key)


def create(db: Session, business_id: str, body: JournalCodeCreate) -> JournalCode:
    _check_type(body.journal_code_type_id)
    _unique(db, JournalCode.code, body.code, None)
    if body.control_name:
        _unique(db, JournalCode.control_name, body.control_name, None)
    journal_code = JournalCode(business_id=business_id, name=body.name, code=body.code,
                               journal_code_type_id=body.journal_code_type_id, control_name=body.control_name or None)
    db.add(journal_code)
    db.flush()
    return journal_code


def update(db: Session, journal_code: JournalCode, body: JournalCodeUpdate) -> JournalCode:
    if body.name is not None:
        journal_code.name = body.name
    if body.code is not None and body.code != journal_code.code:
        _unique(db, JournalCode.code, body.code, journal_code.id)
        journal_code.code = body.code
    if body.journal_code_type_id not in (None, journal_code.journal_code_type_id):
        assert body.journal_code_type_id is not None
        if journal_code.reserved:
            raise Invalid("A reserved journal code keeps its type.", "journal_code_type_id")
        _check_type(body.journal_code_type_id)
        journal_code.journal_code_type_id = body.journal_code_type_id
    if body.control_name is not None and (body.control_name or None) != journal_code.control_name:
        if journal_code.reserved:
            raise Invalid("A reserved journal code keeps its control name.", "control_name")
        _unique(db, JournalCode.control_name, body.control_name, journal_code.id)
        journal_code.control_name = body.control_name
    db.flush()
    return journal_code


def check_deletable(journal_code: JournalCode) -> None:
    if journal_code.reserved:
        raise Invalid("A reserved journal code cannot be deleted.", "base")
