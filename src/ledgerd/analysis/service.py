"""Analysis types and their categories.

Every business has Sage's six analysis types (three for transactions, three for groups of contacts and
items); they can be renamed and given active areas but never added or removed. Categories are free: added,
renamed, and deleted while no record uses them. Records take categories through `assign`, which keeps the
rules of Sage's guide: at most one category per type, each type active in the record's area.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, UOWTransaction

from ledgerd.analysis.models import AnalysisAssignment, AnalysisType, AnalysisTypeCategory
from ledgerd.analysis.schemas import AnalysisTypeUpdate, CategoryCreate, CategoryUpdate
from ledgerd.db.base import new_id
from ledgerd.db.records import Record
from ledgerd.db.tenancy import current_business
from ledgerd.errors import InUse, Invalid, Problem

# The levels of analysis types, with the areas a type of each level may be active in, in Sage's order.
AREAS = {"TRANSACTION": ("SALES", "EXPENSES", "BANKING", "JOURNALS"),
         "GROUP": ("CUSTOMERS", "VENDORS", "PRODUCTS", "SERVICE", "STOCK")}
# Sage's defaults in Sage's list order; each type starts with categories "<name> 1" to "<name> 3".
DEFAULT_TYPES = (("Department", "TRANSACTION"), ("Customer Group", "GROUP"), ("Cost Centre", "TRANSACTION"),
                 ("Supplier Group", "GROUP"), ("Project", "TRANSACTION"), ("Product Group", "GROUP"))
DEFAULT_CATEGORIES = 3
IN_USE = "You cannot delete an Analysis Type Category that is in use."


def seed_analysis_types(db: Session, business_id: str, now: datetime) -> None:
    """Give a business Sage's six analysis types and their default categories (once)."""
    if db.scalar(select(func.count()).select_from(AnalysisType).where(AnalysisType.business_id == business_id)):
        return
    # Lists are in creation order: a microsecond apart keeps Sage's order of the defaults.
    stamps = (now + timedelta(microseconds=n) for n in range(len(DEFAULT_TYPES) * (DEFAULT_CATEGORIES + 1)))
    types = [AnalysisType(id=new_id(), business_id=business_id, name=name, level=level, active_areas=[])
             for name, level in DEFAULT_TYPES]
    categories = [AnalysisTypeCategory(business_id=business_id, analysis_type_id=t.id, code=f"{n:02d}",
                                       name=f"{t.name} {n}") for t in types for n in range(1, DEFAULT_CATEGORIES + 1)]
    records: list[Record] = [*types, *categories]
    for record in records:
        record.created_at = record.updated_at = next(stamps)
    db.add_all(types)
    db.add_all(categories)
    db.flush()


def categories_of(db: Session, type_ids: Iterable[str]) -> dict[str, list[AnalysisTypeCategory]]:
    """The categories of these types, in list order, in one query."""
    wanted = set(type_ids)
    out: dict[str, list[AnalysisTypeCategory]] = {type_id: [] for type_id in wanted}
    if wanted:
        for category in db.scalars(select(AnalysisTypeCategory).where(AnalysisTypeCategory.analysis_type_id.in_(wanted))
                                   .order_by(AnalysisTypeCategory.created_at, AnalysisTypeCategory.legacy_id)):
            out[category.analysis_type_id].append(category)
    return out


def types_by_id(db: Session, type_ids: Iterable[str]) -> dict[str, AnalysisType]:
    wanted = set(type_ids)
    return {t.id: t for t in db.scalars(select(AnalysisType).where(AnalysisType.id.in_(wanted)))} if wanted else {}


# --- analysis types ------------------------------------------------------------------------------------------

def update_type(db: Session, analysis_type: AnalysisType, body: AnalysisTypeUpdate) -> AnalysisType:
    """Rename, set the active areas, and add or rename categories (matched by code); the level is fixed."""
    if body.name is not None:
        analysis_type.name = body.name
    if body.active_areas is not None:
        allowed = AREAS[analysis_type.level]
        for index, area in enumerate(body.active_areas):
            if area not in allowed:
                raise Invalid(f"{area} is not an area of a {analysis_type.level.lower()} analysis type "
                              f"({', '.join(allowed)}).", f"active_areas[{index}]")
        analysis_type.active_areas = [area for area in allowed if area in body.active_areas]
    for index, given in enumerate(body.analysis_type_categories or ()):
        _merge_category(db, analysis_type, given, f"analysis_type_categories[{index}]")
    db.flush()
    return analysis_type


def _merge_category(db: Session, analysis_type: AnalysisType, given: CategoryUpdate, source: str) -> None:
    if given.analysis_type_id not in (None, analysis_type.id):
        raise Invalid("must be the analysis type being updated.", f"{source}.analysis_type_id")
    if given.code is None:
        raise Invalid("can't be blank.", f"{source}.code")
    found = db.scalars(select(AnalysisTypeCategory).where(AnalysisTypeCategory.analysis_type_id == analysis_type.id,
                                                          AnalysisTypeCategory.code == given.code)).first()
    if found is not None:
        if given.name is not None:
            found.name = given.name
        return
    if given.name is None:
        raise Invalid("can't be blank.", f"{source}.name")
    _check_code(db, analysis_type.id, given.code, None, f"{source}.code")
    db.add(AnalysisTypeCategory(business_id=analysis_type.business_id, analysis_type_id=analysis_type.id,
                                code=given.code, name=given.name))


# --- categories ----------------------------------------------------------------------------------------------

def _check_code(db: Session, type_id: str, code: str, exclude: str | None, source: str) -> None:
    """Sage's guide: a category code is numeric and unique within its analysis type."""
    if not code.isdigit():
        raise Invalid("must contain only digits.", source)
    stmt = select(func.count()).select_from(AnalysisTypeCategory).where(
        AnalysisTypeCategory.analysis_type_id == type_id, AnalysisTypeCategory.code == code)
    if exclude is not None:
        stmt = stmt.where(AnalysisTypeCategory.id != exclude)
    if db.scalar(stmt):
        raise Invalid("must be unique.", source)


def _next_code(db: Session, type_id: str) -> str:
    """One above the type's highest numeric code, as wide as Sage's defaults ("04")."""
    codes = db.scalars(select(AnalysisTypeCategory.code).where(AnalysisTypeCategory.analysis_type_id == type_id))
    highest = max((int(code) for code in codes if code.isdigit()), default=0)
    return f"{highest + 1:02d}"


def create_category(db: Session, business_id: str, body: CategoryCreate) -> AnalysisTypeCategory:
    analysis_type = db.scalars(select(AnalysisType).where(AnalysisType.id == body.analysis_type_id)).first()
    if analysis_type is None:
        raise Invalid("Couldn't find analysis type.", "analysis_type_id")
    code = body.code or _next_code(db, analysis_type.id)
    _check_code(db, analysis_type.id, code, None, "code")
    category = AnalysisTypeCategory(business_id=business_id, analysis_type_id=analysis_type.id, code=code,
                                    name=body.name)
    db.add(category)
    db.flush()
    return category


def update_category(db: Session, category: AnalysisTypeCategory, body: CategoryUpdate) -> AnalysisTypeCategory:
    if body.analysis_type_id not in (None, category.analysis_type_id):
        raise Invalid("A category cannot move to another analysis type.", "analysis_type_id")
    if body.code is not None and body.code != category.code:
        _check_code(db, category.analysis_type_id, body.code, category.id, "code")
        category.code = body.code
    if body.name is not None:
        category.name = body.name
    db.flush()
    return category


def release_category(db: Session, category: AnalysisTypeCategory) -> None:
    """Before deleting: refuse (405, as Sage does) while any record uses the category."""
    used = select(func.count()).select_from(AnalysisAssignment).where(AnalysisAssignment.category_id == category.id)
    if db.scalar(used):
        raise InUse(IN_USE)


# --- categories on records -----------------------------------------------------------------------------------

# The records that take categories, by table (`AnalysisAssignment.record_type`): document, journal and
# other-payment lines. When one is deleted (an edit drops a line, a document or journal goes), its
# assignments go with it, so a category is "in use" only while a record stands on it.
RECORD_TYPES = frozenset({"artefact_lines", "journal_lines", "payment_lines"})
# Record id → (the category ids it takes, the `$source` of that list in the request).
Wanted = Mapping[str, tuple[Sequence[str], str]]
_DELETED = "ledgerd.analysis.deleted_records"


def assign(db: Session, record_type: str, record_id: str, category_ids: Sequence[str], area: str,
           source: str = "analysis_type_categories") -> None:
    """Give a record (a document line, a journal line…) its categories, replacing those it had: each must
    exist, at most one per analysis type, and its type must be active in `area` (422 otherwise)."""
    assign_all(db, record_type, {record_id: (category_ids, source)}, area)


def assign_all(db: Session, record_type: str, wanted: Wanted, area: str) -> None:
    """`assign` for several records at once (the lines of one request): every problem of every record in one
    422, and a fixed number of queries however many lines there are."""
    if not wanted:
        return
    given = {category_id for category_ids, _ in wanted.values() for category_id in category_ids}
    categories = {c.id: c for c in db.scalars(select(AnalysisTypeCategory)
                                              .where(AnalysisTypeCategory.id.in_(given)))} if given else {}
    types = types_by_id(db, (c.analysis_type_id for c in categories.values()))
    problems = [problem for category_ids, source in wanted.values()
                for problem in _problems(category_ids, categories, types, area, source)]
    if problems:
        raise Invalid(problems=problems)
    db.execute(delete(AnalysisAssignment).where(AnalysisAssignment.record_type == record_type,
                                                AnalysisAssignment.record_id.in_(set(wanted))))
    business_id = current_business(db)
    db.add_all(AnalysisAssignment(business_id=business_id, category_id=category_id, record_type=record_type,
                                  record_id=record_id)
               for record_id, (category_ids, _) in wanted.items() for category_id in category_ids)
    db.flush()


def _problems(category_ids: Sequence[str], categories: Mapping[str, AnalysisTypeCategory],
              types: Mapping[str, AnalysisType], area: str, source: str) -> Iterator[Problem]:
    """The guide's rules for one record's categories; `source` names the list in the request."""
    seen: set[str] = set()
    for index, category_id in enumerate(category_ids):
        category = categories.get(category_id)
        where = f"{source}[{index}]"
        if category is None:
            yield Problem("RecordInvalid", "Couldn't find analysis type category.", where)
            continue
        analysis_type = types[category.analysis_type_id]
        if area not in analysis_type.active_areas:
            yield Problem("RecordInvalid", f"analysis_type_categories are not enabled for Active Area {area}", where)
        elif analysis_type.id in seen:
            yield Problem("RecordInvalid", f"Give at most one category of {analysis_type.name}.", where)
        seen.add(analysis_type.id)


def category_ids(db: Session, record_type: str, record_ids: Iterable[str]) -> dict[str, list[str]]:
    """The ids of the categories these records take, in one query: to carry them over to records that replace
    them (an invoice made from a quote, a reissued journal, an other payment's rebuilt lines)."""
    wanted = set(record_ids)
    out: dict[str, list[str]] = {record_id: [] for record_id in wanted}
    if wanted:
        for record_id, category_id in db.execute(
                select(AnalysisAssignment.record_id, AnalysisAssignment.category_id)
                .where(AnalysisAssignment.record_type == record_type, AnalysisAssignment.record_id.in_(wanted))):
            out[record_id].append(category_id)
    return out


def _note_deleted(session: Session, instance: Any) -> None:
    """Remember deleted lines (also those an edit orphaned) until their flush is over."""
    if getattr(type(instance), "__tablename__", None) in RECORD_TYPES:
        session.info.setdefault(_DELETED, set()).add(instance.id)


def _forget_deleted(session: Session, flush_context: UOWTransaction) -> None:
    """The deleted lines' assignments go in the same database transaction."""
    deleted = session.info.pop(_DELETED, None)
    if deleted:
        session.execute(delete(AnalysisAssignment).where(AnalysisAssignment.record_id.in_(deleted)),
                        execution_options={"synchronize_session": False})


# Listeners rather than calls in the services: the lines that carry categories are mostly deleted by the
# ORM's delete-orphan cascade when an edit replaces a document's, a journal's or a payment's lines, which no
# service sees; and `record_id` names a row of one of three tables, so no foreign key can cascade. Installed
# on ledgerd's session class when the runtime is built (db/session.py).
LISTENERS = (("persistent_to_deleted", _note_deleted), ("after_flush_postexec", _forget_deleted))
