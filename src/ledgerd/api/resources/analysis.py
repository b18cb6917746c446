"""`/analysis_types`, `/analysis_type_categories` and `/journal_codes`: specs and wire shapes, and the categories
of document, journal and payment lines as Sage shows them (`line_items`).

Routes of this package (mounted under /v3.1 by `ledgerd.app`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from ledgerd.analysis import journal_codes, service
from ledgerd.analysis.models import AnalysisAssignment, AnalysisType, AnalysisTypeCategory, JournalCode
from ledgerd.analysis.schemas import (
    AnalysisTypeUpdate,
    CategoryCreate,
    CategoryUpdate,
    JournalCodeCreate,
    JournalCodeUpdate,
)
from ledgerd.api import params, resource
from ledgerd.api.pipeline import BusinessCall, Call, Result
from ledgerd.api.resource import Resource, forget
from ledgerd.http.errors import InvalidParameter
from ledgerd.lookups.lists import link

# How Sage shows a level (its analysis types guide: `{"id": 1, "name": "TRANSACTION_LEVEL", ...}`).
LEVELS: dict[str, dict[str, Any]] = {
    "TRANSACTION": {"id": 1, "name": "TRANSACTION_LEVEL", "identifier": "TRANSACTION"},
    "GROUP": {"id": 2, "name": "GROUP_LEVEL", "identifier": "GROUP"},
}


def type_link(analysis_type: AnalysisType) -> dict[str, str]:
    return {"id": analysis_type.id, "displayed_as": analysis_type.name,
            "$path": f"/analysis_types/{analysis_type.id}"}


def category_link(category: AnalysisTypeCategory) -> dict[str, str]:
    return {"id": category.id, "displayed_as": category.name, "$path": f"/analysis_type_categories/{category.id}"}


def _list_order(analysis_type: AnalysisType) -> tuple[datetime, int]:
    return analysis_type.created_at, analysis_type.legacy_id


# Journals and other payments show their lines' categories always; Sage's reads take the flag that asks for them.
SHOWN_ANALYSIS = params.Param("show_analysis_types", "boolean", "Accepted; the lines always show their analysis "
                              "type categories.")


def line_items(db: Session, record_type: str, record_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The categories of these records as Sage's `AnalysisTypeLineItem`s, in two queries."""
    wanted = set(record_ids)
    rows = db.execute(select(AnalysisAssignment.record_id, AnalysisTypeCategory)
                      .join(AnalysisTypeCategory, AnalysisTypeCategory.id == AnalysisAssignment.category_id)
                      .where(AnalysisAssignment.record_type == record_type,
                             AnalysisAssignment.record_id.in_(wanted))).all() if wanted else []
    types = service.types_by_id(db, (category.analysis_type_id for _, category in rows))
    out: dict[str, list[dict[str, Any]]] = {record_id: [] for record_id in wanted}
    # One category per type, shown in the types' list order.
    for record_id, category in sorted(rows, key=lambda row: _list_order(types[row[1].analysis_type_id])):
        out[record_id].append({**category_link(category), "analysis_type": type_link(types[category.analysis_type_id])})
    return out


def _category(category: AnalysisTypeCategory, analysis_type: AnalysisType) -> dict[str, Any]:
    """A category as Sage shows it; `combined_id` joins its type's and its own legacy ids, as Sage's pairs
    of internal ids ("2832223,8604757")."""
    return {**category_link(category), "created_at": category.created_at,
            "updated_at": category.updated_at, "code": category.code, "name": category.name,
            "combined_id": f"{analysis_type.legacy_id},{category.legacy_id}",
            "analysis_type": type_link(analysis_type)}


def present_types(call: Call, types: Sequence[AnalysisType]) -> list[dict[str, Any]]:
    categories = service.categories_of(call.db, [t.id for t in types])
    return [{
        **type_link(t), "created_at": t.created_at, "updated_at": t.updated_at,
        "active_areas": list(t.active_areas), "analysis_type_level": dict(LEVELS[t.level]),
        "analysis_type_categories": [_category(c, t) for c in categories[t.id]], "name": t.name,
    } for t in types]


def present_categories(call: Call, categories: Sequence[AnalysisTypeCategory]) -> list[dict[str, Any]]:
    types = service.types_by_id(call.db, [c.analysis_type_id for c in categories])
    return [_category(c, types[c.analysis_type_id]) for c in categories]


def _level(raw: str) -> str:
    """The `analysis_type_level` filter: TRANSACTION or GROUP (400 otherwise)."""
    value = raw.strip().upper()
    if value not in LEVELS:
        raise InvalidParameter("analysis_type_level must be TRANSACTION or GROUP.", "analysis_type_level")
    return value


def _type_level(raw: str) -> ColumnElement[bool]:
    return AnalysisType.level == _level(raw)


def _category_level(raw: str) -> ColumnElement[bool]:
    return AnalysisTypeCategory.analysis_type_id.in_(select(AnalysisType.id).where(_type_level(raw)))


def _search(term: str) -> ColumnElement[bool]:
    return func.lower(AnalysisType.name).like(f"%{term.lower()}%")


ANALYSIS_TYPES: Resource[AnalysisType] = Resource(
    path="analysis_types", wrapper="analysis_type", model=AnalysisType, present=present_types,
    displayed_as=lambda t: t.name, filters={"analysis_type_level": _type_level}, search=_search,
    update_body=AnalysisTypeUpdate, update=lambda call, t, body: service.update_type(call.db, t, body),
)


def _create_category(call: BusinessCall, body: CategoryCreate) -> AnalysisTypeCategory:
    return service.create_category(call.db, call.business.id, body)


def _delete_category(call: BusinessCall, category: AnalysisTypeCategory) -> Result | None:
    service.release_category(call.db, category)
    forget(call, ANALYSIS_TYPE_CATEGORIES, category)
    return None


ANALYSIS_TYPE_CATEGORIES: Resource[AnalysisTypeCategory] = Resource(
    path="analysis_type_categories", wrapper="analysis_type_category", model=AnalysisTypeCategory,
    present=present_categories, displayed_as=lambda c: c.name, filters={"analysis_type_level": _category_level},
    create=_create_category, create_body=CategoryCreate,
    update_body=CategoryUpdate, update=lambda call, c, body: service.update_category(call.db, c, body),
    delete=_delete_category,
)


def present_journal_codes(call: Call, codes: Sequence[JournalCode]) -> list[dict[str, Any]]:
    return [{
        "id": j.id, "displayed_as": j.name, "$path": f"/journal_codes/{j.id}", "created_at": j.created_at,
        "updated_at": j.updated_at, "name": j.name, "code": j.code,
        "journal_code_type": link("journal_code_types", j.journal_code_type_id), "control_name": j.control_name,
        "reserved": j.reserved,
    } for j in codes]


def _create_journal_code(call: BusinessCall, body: JournalCodeCreate) -> JournalCode:
    return journal_codes.create(call.db, call.business.id, body)


def _delete_journal_code(call: BusinessCall, journal_code: JournalCode) -> Result | None:
    journal_codes.check_deletable(journal_code)
    forget(call, JOURNAL_CODES, journal_code)
    return None


JOURNAL_CODES: Resource[JournalCode] = Resource(
    path="journal_codes", wrapper="journal_code", model=JournalCode, present=present_journal_codes,
    displayed_as=lambda j: j.name, create=_create_journal_code, create_body=JournalCodeCreate,
    update_body=JournalCodeUpdate, update=lambda call, j, body: journal_codes.update(call.db, j, body),
    delete=_delete_journal_code,
)

routes: list[BaseRoute] = [
    *resource.routes(ANALYSIS_TYPES), *resource.routes(ANALYSIS_TYPE_CATEGORIES), *resource.routes(JOURNAL_CODES),
]
