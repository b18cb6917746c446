"""`/contact_payments`, `/contact_allocations`, `/other_payments`, `/contact_opening_balances` (+ types),
`/unallocated_artefacts`: resource specs and wire shapes (Sage's definition order)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.listing import ATTRIBUTES, PAGING, Attributes, Page, envelope
from ledgerd.api.pipeline import BusinessCall, Call, Result, business_route
from ledgerd.api.presenters import artefact_link, bank_account_links, contact_links, transaction_link
from ledgerd.api.resource import Resource, forget, forgetting
from ledgerd.api.resources.analysis import SHOWN_ANALYSIS, line_items
from ledgerd.api.resources.ledger_links import links_for
from ledgerd.artefacts.models import Allocation, Artefact, listed_kinds
from ledgerd.attachments.service import attached
from ledgerd.banking import service as banking
from ledgerd.errors import NotFound
from ledgerd.ledger.tax_rates import percentage_on
from ledgerd.lookups.lists import link
from ledgerd.payments import allocations, documents, opening_balances, other_payments, service
from ledgerd.payments.documents import CUSTOMER, SIDES, VENDOR
from ledgerd.payments.models import ContactAllocation, Payment
from ledgerd.payments.schemas import (
    ContactAllocationCreate,
    ContactAllocationUpdate,
    ContactOpeningBalanceCreate,
    ContactOpeningBalanceUpdate,
    ContactPaymentCreate,
    ContactPaymentUpdate,
    OtherPaymentCreate,
    OtherPaymentUpdate,
)
from ledgerd.regions.data import lookup


def _type_name(type_id: str) -> str:
    item = lookup("transaction_types", type_id)
    return item["displayed_as"] if item else type_id


def _artefacts(call: Call, ids: Iterable[str | None]) -> dict[str, Artefact]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {a.id: a for a in call.db.scalars(select(Artefact).where(Artefact.id.in_(wanted)))}


def _dated(model: Any) -> dict[str, Any]:
    return {name: getattr(model, name) for name in ("created_at", "updated_at", "date")}


def _payment_name(payment: Payment) -> str:
    return payment.reference or _type_name(payment.transaction_type_id)


# --- contact payments ----------------------------------------------------------------------------------

def _on_account(poa: Artefact, contact: dict[str, str] | None, settled_base: Decimal) -> dict[str, Any]:
    head = artefact_link(poa)
    return {
        "id": poa.id, "displayed_as": head["displayed_as"], "$path": head["$path"],
        "created_at": poa.created_at, "updated_at": poa.updated_at, "contact_name": poa.contact_name,
        "contact_reference": poa.contact_reference, "contact": contact, "date": poa.date, "reference": poa.reference,
        "net_amount": poa.net_amount, "tax_amount": poa.tax_amount, "total_amount": poa.total_amount,
        "outstanding_amount": poa.outstanding_amount, "currency": link("currencies", poa.currency_id),
        "exchange_rate": poa.exchange_rate, "base_currency_net_amount": poa.base_currency_net_amount,
        "base_currency_tax_amount": poa.base_currency_tax_amount,
        "base_currency_total_amount": poa.base_currency_total_amount,
        "base_currency_outstanding_amount": poa.base_currency_total_amount - settled_base,
        "status": link("artefact_statuses", poa.status_id),
    }


def present_contact_payments(call: Call, payments: Sequence[Payment]) -> list[dict[str, Any]]:
    rows = list(call.db.scalars(select(Allocation).where(Allocation.payment_id.in_([p.id for p in payments]))
                                .order_by(Allocation.legacy_id))) if payments else []
    artefacts = _artefacts(call, [r.artefact_id for r in rows] + [p.payment_on_account_id for p in payments])
    settled = documents.allocated_base(call.db, [p.payment_on_account_id for p in payments
                                                 if p.payment_on_account_id])
    contacts = contact_links(call.db, [p.contact_id for p in payments])
    banks = bank_account_links(call.db, [p.bank_account_id for p in payments])
    out = []
    for p in payments:
        kind = service.KINDS[p.transaction_type_id]
        poa = artefacts.get(p.payment_on_account_id) if p.payment_on_account_id else None
        out.append({
            "id": p.id, "displayed_as": _payment_name(p), "$path": f"/contact_payments/{p.id}",
            "created_at": p.created_at, "updated_at": p.updated_at, "links": [],
            "transaction": transaction_link(p.transaction_id, _payment_name(p)),
            "transaction_type": link("transaction_types", p.transaction_type_id), "deleted_at": None,
            "payment_method": link("payment_methods", p.payment_method_id), "contact": contacts.get(p.contact_id or ""),
            "bank_account": banks.get(p.bank_account_id), "date": p.date, "net_amount": p.net_amount,
            "tax_amount": p.tax_amount, "total_amount": p.total_amount, "currency": link("currencies", p.currency_id),
            "exchange_rate": p.exchange_rate, "base_currency_net_amount": p.base_currency_net_amount,
            "base_currency_tax_amount": p.base_currency_tax_amount,
            "base_currency_total_amount": p.base_currency_total_amount,
            "base_currency_currency_charge": p.base_currency_currency_charge, "reference": p.reference,
            "allocated_artefacts": [
                {"id": r.id, "artefact": artefact_link(artefacts[r.artefact_id]),
                 "amount": service.signed(kind, artefacts[r.artefact_id], r.amount), "discount": r.discount}
                for r in rows if r.payment_id == p.id],
            "tax_rate": None,
            "payment_on_account": _on_account(poa, contacts.get(poa.contact_id), settled.get(poa.id, Decimal(0)))
            if poa else None,
            "editable": True,
        })
    return out


_delete_payment = forgetting("contact_payments", service.delete)


CONTACT_PAYMENTS: Resource[Payment] = Resource(
    path="contact_payments", wrapper="contact_payment", model=Payment, present=present_contact_payments,
    displayed_as=_payment_name, scope=lambda stmt: stmt.where(Payment.kind == "CONTACT_PAYMENT"),
    filters={"contact_id": lambda v: Payment.contact_id == v, "bank_account_id": lambda v: Payment.bank_account_id == v,
             "transaction_type_id": lambda v: Payment.transaction_type_id == v.upper()},
    sorts=_dated(Payment), date_column=Payment.date,
    create_body=ContactPaymentCreate, create=lambda call, body: service.create(call.db, body),
    update_body=ContactPaymentUpdate, update=lambda call, p, body: service.update(call.db, p, body),
    delete=_delete_payment,
)


# --- contact allocations ---------------------------------------------------------------------------------

def present_contact_allocations(call: Call, items: Sequence[ContactAllocation]) -> list[dict[str, Any]]:
    rows = list(call.db.scalars(select(Allocation).where(Allocation.contact_allocation_id.in_(
        [a.id for a in items])).order_by(Allocation.legacy_id))) if items else []
    artefacts = _artefacts(call, [r.artefact_id for r in rows])
    contacts = contact_links(call.db, [a.contact_id for a in items])
    out = []
    for a in items:
        side = SIDES[a.transaction_type_id]
        out.append({
            "id": a.id, "displayed_as": _type_name(a.transaction_type_id), "$path": f"/contact_allocations/{a.id}",
            "created_at": a.created_at, "updated_at": a.updated_at, "links": [],
            "transaction": transaction_link(a.transaction_id, _type_name(a.transaction_type_id)),
            "transaction_type": link("transaction_types", a.transaction_type_id), "deleted_at": None, "date": a.date,
            "contact": contacts.get(a.contact_id),
            "allocated_artefacts": [
                {"id": r.id, "artefact": artefact_link(artefacts[r.artefact_id]),
                 "amount": allocations.signed(side, artefacts[r.artefact_id], r.amount)}
                for r in rows if r.contact_allocation_id == a.id],
        })
    return out


_delete_allocation = forgetting("contact_allocations", allocations.delete)


CONTACT_ALLOCATIONS: Resource[ContactAllocation] = Resource(
    path="contact_allocations", wrapper="contact_allocation", model=ContactAllocation,
    present=present_contact_allocations, displayed_as=lambda a: _type_name(a.transaction_type_id),
    filters={"contact_id": lambda v: ContactAllocation.contact_id == v,
             "transaction_type_id": lambda v: ContactAllocation.transaction_type_id == v.upper()},
    sorts=_dated(ContactAllocation),
    create_body=ContactAllocationCreate, create=lambda call, body: allocations.create(call.db, body,
                                           call.runtime.clock.now().date()),
    update_body=ContactAllocationUpdate, update=lambda call, a, body: allocations.update(call.db, a, body),
    delete=_delete_allocation,
)


# --- other payments ----------------------------------------------------------------------------------------

def present_other_payments(call: Call, payments: Sequence[Payment]) -> list[dict[str, Any]]:
    links = links_for(call.db, call.runtime.clock.now().date(),
                      account_ids=[line.ledger_account_id for p in payments for line in p.lines],
                      tax_rate_ids=[line.tax_rate_id for p in payments for line in p.lines])
    contacts = contact_links(call.db, [p.contact_id for p in payments])
    banks = bank_account_links(call.db, [p.bank_account_id for p in payments])
    categories = line_items(call.db, other_payments.LINES, [line.id for p in payments for line in p.lines])
    out = []
    for p in payments:
        out.append({
            "id": p.id, "displayed_as": _payment_name(p), "$path": f"/other_payments/{p.id}",
            "created_at": p.created_at, "updated_at": p.updated_at,
            "transaction": transaction_link(p.transaction_id, _payment_name(p)),
            "transaction_type": link("transaction_types", p.transaction_type_id), "deleted_at": None,
            "base_currency_total_itc_amount": None, "total_itc_amount": None, "base_currency_total_itr_amount": None,
            "total_itr_amount": None, "part_recoverable": False,
            "payment_method": link("payment_methods", p.payment_method_id), "contact": contacts.get(p.contact_id or ""),
            "bank_account": banks.get(p.bank_account_id), "tax_address_region": None, "date": p.date,
            "net_amount": p.net_amount, "tax_amount": p.tax_amount, "total_amount": p.total_amount,
            "reference": p.reference,
            "payment_lines": [{
                "id": line.id, "displayed_as": line.details, "analysis_type_categories": categories[line.id],
                "ledger_account": links.account(line.ledger_account_id), "details": line.details,
                "tax_rate": links.tax_rate(line.tax_rate_id, p.date), "net_amount": line.net_amount,
                "tax_amount": line.tax_amount, "total_amount": line.total_amount,
                "tax_breakdown": _breakdown(links.tax_rate(line.tax_rate_id, p.date),
                                            links.percentage(line.tax_rate_id, p.date), line.tax_amount),
                "is_purchase_for_resale": False, "trade_of_asset": False, "gst_amount": None, "pst_amount": None,
                "tax_recoverable": line.tax_recoverable,
            } for line in p.lines],
            "editable": True, "deletable": True, "withholding_tax_rate": p.withholding_tax_rate,
            "withholding_tax_amount": p.withholding_tax_amount if p.withholding_tax_rate is not None else None,
        })
    return out


def _breakdown(rate: dict[str, str] | None, percentage: str | None, amount: Decimal) -> list[dict[str, Any]]:
    return [{"tax_rate": rate, "percentage": percentage, "amount": amount}] if rate else []


_delete_other = forgetting("other_payments",
                           lambda db, payment: banking.unpost(db, payment.transaction_id))


OTHER_PAYMENTS: Resource[Payment] = Resource(
    path="other_payments", wrapper="other_payment", model=Payment, present=present_other_payments,
    displayed_as=_payment_name, scope=lambda stmt: stmt.where(Payment.kind == "OTHER_PAYMENT"),
    filters={"contact_id": lambda v: Payment.contact_id == v, "bank_account_id": lambda v: Payment.bank_account_id == v,
             "transaction_type_id": lambda v: Payment.transaction_type_id == v.upper(),
             "has_attachments": lambda v: attached(Payment.id) if params.boolean("has_attachments", v)
             else ~attached(Payment.id)},
    sorts=_dated(Payment), date_column=Payment.date,
    create_body=OtherPaymentCreate, create=lambda call, body: other_payments.save(call.db, None, body),
    update_body=OtherPaymentUpdate, update=lambda call, p, body: other_payments.save(call.db, p, body),
    delete=_delete_other,
    query={"read": (SHOWN_ANALYSIS,)},
)


# --- contact opening balances ------------------------------------------------------------------------------

def _opening_type(type_id: str) -> dict[str, str]:
    return {"id": type_id, "displayed_as": opening_balances.TYPES[type_id],
            "$path": f"/contact_opening_balance_types/{type_id}"}


def present_opening_balances(call: Call, items: Sequence[Artefact]) -> list[dict[str, Any]]:
    links = links_for(call.db, call.runtime.clock.now().date(),
                      tax_rate_ids=[a.lines[0].tax_rate_id for a in items if a.lines])
    contacts = contact_links(call.db, [a.contact_id for a in items])
    out = []
    for a in items:
        rate_id = a.lines[0].tax_rate_id if a.lines else None
        rate = links.rate(rate_id)
        percentage = percentage_on(rate, a.date) if rate else None
        base_tax = a.base_currency_tax_amount
        out.append({
            "id": a.id, "displayed_as": a.reference, "$path": f"/contact_opening_balances/{a.id}",
            "created_at": a.created_at, "updated_at": a.updated_at,
            "transaction": transaction_link(a.transaction_id, a.reference),
            "transaction_type": link("transaction_types", a.kind), "deleted_at": None,
            "contact_opening_balance_type": _opening_type(opening_balances.type_of(a)),
            "contact": contacts.get(a.contact_id), "date": a.date, "reference": a.reference, "details": a.details,
            "net_amount": a.net_amount, "tax_rate": links.tax_rate(rate_id, a.date), "tax_amount": a.tax_amount,
            "tax_breakdown": _breakdown(links.tax_rate(rate_id, a.date), str(percentage) if rate else None,
                                        a.tax_amount),
            "total_amount": a.total_amount, "currency": link("currencies", a.currency_id),
            "exchange_rate": a.exchange_rate, "base_currency_net_amount": a.base_currency_net_amount,
            "base_currency_tax_amount": base_tax,
            "base_currency_tax_breakdown": _breakdown(links.tax_rate(rate_id, a.date),
                                                      str(percentage) if rate else None, base_tax),
            "base_currency_total_amount": a.base_currency_total_amount,
        })
    return out


def _opening_contact_type(value: str) -> ColumnElement[bool]:
    prefix = {"CUSTOMER": "CUSTOMER_", "VENDOR": "VENDOR_"}.get(value.strip().upper(), "NONE_")
    return Artefact.kind.startswith(prefix)


def _delete_opening(call: BusinessCall, artefact: Artefact) -> Result | None:
    opening_balances.delete(call.db, artefact)
    forget(call, CONTACT_OPENING_BALANCES, artefact)
    return None


CONTACT_OPENING_BALANCES: Resource[Artefact] = Resource(
    path="contact_opening_balances", wrapper="contact_opening_balance", model=Artefact,
    present=present_opening_balances, displayed_as=lambda a: a.reference,
    **listed_kinds(*opening_balances.KINDS),
    filters={"contact_id": lambda v: Artefact.contact_id == v, "contact_type_id": _opening_contact_type},
    create_body=ContactOpeningBalanceCreate, create=lambda call, body: opening_balances.save(call.db, None, body),
    update_body=ContactOpeningBalanceUpdate, update=lambda call, a, body: opening_balances.save(call.db, a, body),
    delete=_delete_opening,
)


def _opening_types(call: BusinessCall) -> Result:
    items = [_opening_type(t) for t in opening_balances.TYPES]
    page = Page.from_query(call.query)
    shown = [Attributes(call.query.get("attributes"), default_all=False).select(i)
             for i in items[page.offset:page.offset + page.per_page]]
    return Result(envelope("/contact_opening_balance_types", call.query.multi_items(), page, len(items), shown),
                  business_id=call.business.id)


def _opening_type_one(call: BusinessCall) -> Result:
    key = call.path_params["key"]
    if key not in opening_balances.TYPES:
        raise NotFound()
    return Result(Attributes(call.query.get("attributes"), default_all=True).select(_opening_type(key)),
                  business_id=call.business.id)


# --- unallocated artefacts ----------------------------------------------------------------------------------

UNALLOCATED_KINDS = CUSTOMER.credits | VENDOR.credits


def _unallocated_search(term: str) -> ColumnElement[bool]:
    pattern = f"%{term.lower()}%"
    return or_(func.lower(Artefact.contact_name).like(pattern), func.lower(Artefact.contact_reference).like(pattern))


def _unallocated_link(artefact: Artefact) -> dict[str, Any]:
    return {**artefact_link(artefact), "$path": f"/unallocated_artefacts/{artefact.id}"}


# The list shows what is still open; a single one stays readable once used up (payments link to it).
UNALLOCATED_ARTEFACTS: Resource[Artefact] = Resource(
    path="unallocated_artefacts", wrapper="unallocated_artefact", model=Artefact,
    present=lambda call, items: [_unallocated_link(a) for a in items],
    displayed_as=lambda a: artefact_link(a)["displayed_as"],
    scope=lambda stmt: stmt.where(Artefact.kind.in_(UNALLOCATED_KINDS), Artefact.outstanding_amount > 0,
                                  Artefact.status_id.in_(("UNPAID", "PART_PAID"))),
    filters={"contact_id": lambda v: Artefact.contact_id == v}, search=_unallocated_search, read_enabled=False,
)


def _unallocated_one(call: BusinessCall) -> Result:
    artefact = call.db.scalars(select(Artefact).where(Artefact.id == call.path_params["key"],
                                                      Artefact.kind.in_(UNALLOCATED_KINDS))).first()
    if artefact is None:
        raise NotFound()
    item = Attributes(call.query.get("attributes"), default_all=True).select(_unallocated_link(artefact))
    return Result(item, business_id=call.business.id)


routes: list[BaseRoute] = [
    *resource.routes(CONTACT_PAYMENTS), *resource.routes(CONTACT_ALLOCATIONS), *resource.routes(OTHER_PAYMENTS),
    *resource.routes(CONTACT_OPENING_BALANCES),
    business_route("/contact_opening_balance_types", _opening_types, methods=["GET"], query=(*PAGING, ATTRIBUTES)),
    business_route("/contact_opening_balance_types/{key}", _opening_type_one, methods=["GET"], query=(ATTRIBUTES,)),
    *resource.routes(UNALLOCATED_ARTEFACTS),
    business_route("/unallocated_artefacts/{key}", _unallocated_one, methods=["GET"], query=(ATTRIBUTES,)),
]
