"""`GET /tax_determinations`: the tax rates a document line may use, determined from the business's region.

Given the usage (sales or purchase), the contact (or the artefact, which names its contact and date), whether
the line is goods or services and the date, the answer is the region's rates for that usage in force on the
date, narrowed by the contact's tax treatment as `[tax_determination]` in region.toml says (e.g. a GB
business: goods to an EU business are zero-rated, services outside the scope of UK VAT). Retailer
(recargo de equivalencia) rates only come with `retailer_rates=true`. With `include_line_determination=true`
the answer is the one rate ledgerd would put on the line. Items are Sage's TaxRate, as `/tax_rates` shows them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from starlette.datastructures import QueryParams
from starlette.routing import BaseRoute

from ledgerd.api import params
from ledgerd.api.listing import ATTRIBUTES, PAGING, Attributes, Page, envelope
from ledgerd.api.pipeline import BusinessCall, Call, Result, business_route
from ledgerd.api.resources.tax_rates import TAX_RATES
from ledgerd.artefacts.models import Artefact, ArtefactLine
from ledgerd.contacts.models import Contact
from ledgerd.errors import NotFound
from ledgerd.http.errors import InvalidParameter
from ledgerd.ledger.models import TaxRate
from ledgerd.settings import service
from ledgerd.settings.defaults import Determination, region_settings

USAGES = {"sales": "sales", "purchase": "purchase", "purchases": "purchase"}
KINDS = ("GOODS", "SERVICES")


def _usage(query: QueryParams) -> str:
    raw = (query.get("usage") or "").strip().lower()
    if not raw:
        raise InvalidParameter("usage is required (sales or purchase).", "usage")
    if raw not in USAGES:
        raise InvalidParameter(f"usage must be sales or purchase, got {raw!r}.", "usage")
    return USAGES[raw]


def _flag(query: QueryParams, name: str) -> bool:
    raw = query.get(name)
    return params.boolean(name, raw) if raw else False


def _checked_line_values(query: QueryParams) -> None:
    """Parameters that describe the line but do not change which rates apply: checked, then unused."""
    raw = query.get("artefact_line_amount")
    if raw:
        params.number("artefact_line_amount", raw)
    for name in ("artefact_line_tax_included", "include_destination_vat"):
        _flag(query, name)


def _line(call: Call, artefact: Artefact | None) -> ArtefactLine | None:
    line_id = call.query.get("artefact_line_id")
    if not line_id:
        return None
    stmt = select(ArtefactLine).join(Artefact, Artefact.id == ArtefactLine.artefact_id).where(
        ArtefactLine.id == line_id)
    if artefact is not None:
        stmt = stmt.where(ArtefactLine.artefact_id == artefact.id)
    line = call.db.scalar(stmt)
    if line is None:
        raise NotFound("Couldn't find artefact line.", "artefact_line_id")
    return line


def _kind(call: Call, line: ArtefactLine | None) -> str | None:
    """GOODS, SERVICES, or None (either) from the parameter, else from the line."""
    raw = call.query.get("artefact_line_goods_services_type")
    if raw:
        if raw.strip().upper() not in KINDS:
            raise InvalidParameter(f"artefact_line_goods_services_type must be GOODS or SERVICES, got {raw!r}.",
                                   "artefact_line_goods_services_type")
        return raw.strip().upper()
    if line is None:
        return None
    if line.eu_goods_services_type_id in KINDS:
        return line.eu_goods_services_type_id
    return "SERVICES" if line.service_id else "GOODS" if line.product_id else None


def _treatment(contact: Contact | None) -> str | None:
    """The contact's tax treatment named in region.toml; None: home."""
    flags = contact.tax_treatment or {} if contact else {}
    return next((name for name in ("eu_tax_registered", "eu_not_tax_registered", "rest_of_world_tax")
                 if flags.get(name)), None)


def _named(rule: Determination | None, kind: str | None) -> list[str] | None:
    """The rate ids a treatment's rule offers for the kind of line; None: the home rates."""
    if rule is None:
        return None
    lists = {"GOODS": rule.goods, "SERVICES": rule.services}
    chosen = [lists[kind]] if kind else [rule.goods, rule.services]
    if any(ids is None for ids in chosen):
        return None
    return list(dict.fromkeys(i for ids in chosen for i in ids or ()))


def _in_force(rate: TaxRate, on: date) -> bool:
    return any(date.fromisoformat(b["from_date"]) <= on for b in rate.percentages)


def _determined(call: Call, rates: list[TaxRate], contact: Contact | None, usage: str,
                named: list[str] | None) -> list[TaxRate]:
    """The one rate for the line: the first the rule names, else the contact's default sales rate or the
    business's default rate for the usage, if offered."""
    if named:
        return rates[:1]
    financial = service.financial(call.db, call.runtime.clock.now().date())
    wanted = [contact.default_sales_tax_rate_id if contact and usage == "sales" else None,
              financial.get(f"default_{usage}_tax_rate")]
    return next(([r for r in rates if r.id == want] for want in wanted if any(r.id == want for r in rates)), [])


def _handler(call: BusinessCall) -> Result:
    query = call.query
    usage = _usage(query)
    _checked_line_values(query)
    artefact = None
    if query.get("artefact_id"):
        artefact = call.db.get(Artefact, query["artefact_id"])
        if artefact is None:
            raise NotFound("Couldn't find artefact.", "artefact_id")
    contact_id = query.get("contact_id") or (artefact.contact_id if artefact else None)
    contact = call.db.get(Contact, contact_id) if contact_id else None
    if contact_id and contact is None:
        raise NotFound("Couldn't find contact.", "contact_id")
    on = params.day("date", query["date"]) if query.get("date") else \
        artefact.date if artefact else call.runtime.clock.now().date()
    kind = _kind(call, _line(call, artefact))
    treatment = _treatment(contact)
    named = _named(region_settings(call.business.country_id).determinations.get(treatment or ""), kind)
    retailer = _flag(query, "retailer_rates")
    rates = [r for r in call.db.scalars(select(TaxRate).where(TaxRate.deleted.is_(False)).order_by(TaxRate.legacy_id))
             if usage in r.usage and r.is_visible and _in_force(r, on) and (retailer or not r.retailer)
             and (named is None or r.id in named)]
    if named is not None:
        rates.sort(key=lambda r: named.index(r.id))
    if _flag(query, "include_line_determination"):
        rates = _determined(call, rates, contact, usage, named)
    page = Page.from_query(query)
    shown = TAX_RATES.show(call, rates[page.offset:page.offset + page.per_page],
                           Attributes(query.get("attributes"), default_all=False))
    return Result(envelope("/tax_determinations", query.multi_items(), page, len(rates), shown),
                  business_id=call.business.id)


QUERY = (
    params.Param("usage", "text", "sales or purchase (required).", {"type": "string", "enum": list(USAGES)}),
    params.Param("date", "date", "The day the rates apply on (default: the document's date, else today)."),
    params.Param("contact_id", "text", "The contact whose tax treatment chooses the rates (default: the document's)."),
    params.Param("artefact_id", "text", "The document the line is on."),
    params.Param("artefact_line_id", "text", "The line: its goods or services type, when not given."),
    params.Param("artefact_line_goods_services_type", "text", "GOODS or SERVICES.",
                 {"type": "string", "enum": list(KINDS)}),
    params.Param("artefact_line_amount", "number", "The line's amount (checked; the rates do not depend on it)."),
    params.Param("artefact_line_tax_included", "boolean", "Whether the amount includes tax (checked; the rates do "
                 "not depend on it)."),
    params.Param("artefact_line_description", "text", "The line's description (the rates do not depend on it)."),
    params.Param("include_destination_vat", "boolean", "Destination (OSS) rates: ledgerd keeps none (checked)."),
    params.Param("retailer_rates", "boolean", "Include the retailer rates (Ireland)."),
    params.Param("include_line_determination", "boolean", "The rate the line would get first: the contact's "
                 "default, else the business's."),
    *PAGING, ATTRIBUTES,
)
routes: list[BaseRoute] = [business_route("/tax_determinations", _handler, methods=["GET"], query=QUERY)]
