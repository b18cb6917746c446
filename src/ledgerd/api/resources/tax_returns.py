"""`/draft_tax_returns`, `/tax_returns`, `/tax_returns/obligation_periods` and `/income_tax_settings`: the VAT
return endpoints of Sage's 2026 spec (GB and IE, and ledgerd's DE, ES, FR and CA returns; obligations and income tax
GB only, api/operations_spec26.toml).

Wire fields follow the DTOs of that spec in their order; each return also shows its boxes (`gb`/`ie`, as
Sage's migrated tax returns do; ledgerd's German, Spanish, French and Canadian returns under `de`, `es`, `fr`,
`ca`: docs/decisions/tax-returns.md), and a filed return HMRC's acknowledgement. Filing is ledgerd's own
`POST /draft_tax_returns/{key}/submit` (Sage's API has no submit operation): docs/decisions/tax-returns.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import resource
from ledgerd.api.listing import PAGING, Page, envelope
from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.api.resource import Resource, forget
from ledgerd.api.resources import income_tax
from ledgerd.api.validation import Body
from ledgerd.tax_returns import figures, periods, service
from ledgerd.tax_returns.models import DraftTaxReturn, TaxReturn
from ledgerd.tax_returns.schemas import DraftTaxReturnCreate, ObligationQuery

# The countries whose boxes Sage's DTOs name (`gb`, `ie`).
SAGE_KEYS = frozenset({"GB", "IE"})


def _status(status_id: str) -> dict[str, str]:
    return {"id": status_id, "name": service.STATUSES[status_id]}


def _return_type(country: str) -> dict[str, str]:
    return dict(periods.country(country).return_type)


def _boxes(call: BusinessCall, stored: dict[str, str]) -> dict[str, Any]:
    """`gb` and `ie`: the boxes under the business's country, the other null (as migrated tax returns); a
    German, Spanish, French or Canadian return's own under its country's key (`de`, …), after them."""
    country = call.business.country_id
    keys = ("gb", "ie") if country in SAGE_KEYS else ("gb", "ie", country.lower())
    return {key: {name: Decimal(stored.get(name, "0")) for name in figures.BOX_NAMES[key.upper()]}
            if key.upper() == country else None for key in keys}


def _submission(ret: TaxReturn) -> dict[str, Any] | None:
    """HMRC's acknowledgement of a UK return (Irish returns have none)."""
    if not ret.receipt:
        return None
    return {"period_key": ret.period_key, "processing_date": ret.receipt["processingDate"],
            "form_bundle_number": ret.receipt["formBundleNumber"],
            "payment_indicator": ret.receipt.get("paymentIndicator"),
            "charge_ref_number": ret.receipt.get("chargeRefNumber")}


def present_drafts(call: BusinessCall, drafts: Sequence[DraftTaxReturn]) -> list[dict[str, Any]]:
    filed = service.returns_by_id(call.db, [d.tax_return_id for d in drafts])
    paid = service.paid(call.db) if filed else {}
    out = []
    for d in drafts:
        ret = filed.get(d.tax_return_id or "")
        out.append({
            "id": d.id, "displayed_as": d.displayed_as, "$path": f"/draft_tax_returns/{d.id}",
            "created_at": d.created_at, "updated_at": d.updated_at,
            "tax_return_number": ret.tax_return_number if ret else None,
            "period_start_date": d.period_start_date, "period_end_date": d.period_end_date,
            "total_amount": d.total_amount, "paid": paid.get(ret.id, False) if ret else False,
            "status": _status(d.status_id), "tax_return_type": _return_type(call.business.country_id),
            "tax_return_id": ret.legacy_id if ret else None,
            "submitted_date": ret.submitted_at.date() if ret else None, **_boxes(call, d.boxes)})
    return out


def present_returns(call: BusinessCall, returns: Sequence[TaxReturn]) -> list[dict[str, Any]]:
    paid = service.paid(call.db) if returns else {}
    return [{
        "id": r.id, "displayed_as": r.displayed_as, "$path": f"/tax_returns/{r.id}",
        "created_at": r.created_at, "updated_at": r.updated_at, "tax_return_number": r.tax_return_number,
        "period_start_date": r.period_start_date, "period_end_date": r.period_end_date,
        "total_amount": r.total_amount, "paid": paid.get(r.id, False), "status": _status(service.SUBMITTED),
        "tax_return_type": _return_type(call.business.country_id), **_boxes(call, r.boxes),
        "submission": _submission(r),
    } for r in returns]


def _create(call: BusinessCall, body: DraftTaxReturnCreate) -> DraftTaxReturn:
    return service.create_draft(call.db, call.business.id, call.business.country_id, body,
                                call.runtime.clock.now().date())


def _delete(call: BusinessCall, draft: DraftTaxReturn) -> Result | None:
    service.delete_check(draft)
    forget(call, DRAFTS, draft)
    return None


DRAFTS: Resource[DraftTaxReturn] = Resource(
    path="draft_tax_returns", wrapper="draft_tax_return", model=DraftTaxReturn, present=present_drafts,
    displayed_as=lambda d: d.displayed_as, date_column=DraftTaxReturn.period_end_date,
    filters={"status_id": lambda v: DraftTaxReturn.status_id == v.strip().upper()},
    sorts={"period_start_date": DraftTaxReturn.period_start_date, "period_end_date": DraftTaxReturn.period_end_date},
    create=_create, create_body=DraftTaxReturnCreate, delete=_delete)

RETURNS: Resource[TaxReturn] = Resource(
    path="tax_returns", wrapper="tax_return", model=TaxReturn, present=present_returns,
    displayed_as=lambda r: r.displayed_as, date_column=TaxReturn.period_end_date,
    sorts={"period_start_date": TaxReturn.period_start_date, "period_end_date": TaxReturn.period_end_date})


def _submit(call: BusinessCall) -> Result:
    # Two filings of one draft at once: the second waits for the first's lock, then finds it submitted.
    draft = DRAFTS.find(call, call.path_params["key"], lock=True)
    ret = service.submit(call.db, draft, call.business.country_id, call.runtime.clock.now())
    return Result(present_returns(call, [ret])[0], status=201, business_id=call.business.id)


def _obligation_periods(call: BusinessCall, query: ObligationQuery) -> Result:
    """HMRC's obligations, in Sage's list envelope (a query: 200). The body is optional."""
    items = service.obligation_periods(call.db, query, call.runtime.clock.now().date())
    page = Page.from_query(call.query)
    shown = items[page.offset:page.offset + page.per_page]
    return Result(envelope("/tax_returns/obligation_periods", call.query.multi_items(), page, len(items), shown),
                  business_id=call.business.id)


routes: list[BaseRoute] = [
    *resource.routes(DRAFTS),
    business_route("/draft_tax_returns/{key}/submit", _submit, methods=["POST"]),
    business_route("/tax_returns/obligation_periods", _obligation_periods, methods=["POST"],
                   body=Body("obligation_period", ObligationQuery, required=False), query=PAGING),
    *resource.routes(RETURNS),
    *income_tax.routes,
]
