"""How documents look on the wire: Sage's definitions, keys in the swagger's order.

One superset of values is built per document and each kind picks its keys in the order of its declaration
(document_fields.py, §5.3), which also says which keys are conditional (§5.1a, §5.2). All link loads are
batched per page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.api import params
from ledgerd.api.fields import Fields, Many
from ledgerd.api.pipeline import Call
from ledgerd.api.presenters import NESTED_ADDRESS, artefact_link, contact_link
from ledgerd.api.resources import document_fields
from ledgerd.api.resources.analysis import line_items
from ledgerd.api.resources.ledger_links import Links, links_for
from ledgerd.artefacts import compute
from ledgerd.artefacts.kinds import BY_KIND, QUICK_ENTRIES, Kind
from ledgerd.artefacts.lines import LINES
from ledgerd.artefacts.models import Allocation, Artefact, ArtefactLine
from ledgerd.catalog.models import CatalogItem
from ledgerd.contacts import service as contacts
from ledgerd.contacts.models import Contact
from ledgerd.db import snapshots
from ledgerd.lookups.lists import link
from ledgerd.memo import remembered
from ledgerd.payments.documents import allocated_base
from ledgerd.payments.models import ContactAllocation, Payment
from ledgerd.regions.data import lookup

ZERO = Decimal(0)


class ArtefactSnapshot(snapshots.Snapshot):
    """A document of a list page, read-only, with its lines."""

    document_number = Artefact.document_number
    is_cis = Artefact.is_cis
    payable = Artefact.payable
    base_payable = Artefact.base_payable
    lines: list[snapshots.Snapshot]


def load_page(db: Session, stmt: Any) -> list[ArtefactSnapshot]:
    """A page of documents and all their lines in two queries, as snapshots (see `ledgerd.db.snapshots`)."""
    docs = snapshots.load(db, stmt, Artefact, ArtefactSnapshot)
    if docs:
        lines = snapshots.load(db, select(ArtefactLine).where(ArtefactLine.artefact_id.in_([d.id for d in docs]))
                               .order_by(ArtefactLine.artefact_id, ArtefactLine.position), ArtefactLine,
                               snapshots.Snapshot)
        by_document = snapshots.group(lines, "artefact_id")
        for doc in docs:
            doc.lines = by_document.get(doc.id, [])
    return docs


def displayed_as(artefact: Artefact) -> str:
    """The document number for sales documents; the reference (else the vendor's) for purchases and quick entries."""
    if artefact.kind.startswith("PURCHASE") or artefact.kind in QUICK_ENTRIES:
        return artefact.reference or artefact.vendor_reference
    return artefact.document_number


def self_link(artefact: Artefact) -> dict[str, Any]:
    kind = BY_KIND.get(artefact.kind)
    if kind is None:  # a payment on account or an opening balance, on the other side of an allocation
        return artefact_link(artefact)
    return {"id": artefact.id, "displayed_as": displayed_as(artefact), "$path": f"/{kind.path}/{artefact.id}",
            "links": []}


class Batch:
    """Everything a page of documents refers to, each kind loaded with one query."""

    def __init__(self, db: Session, artefacts: Sequence[Artefact], today: Any, payments: bool,
                 analysis: bool = False) -> None:
        lines = [row for a in artefacts for row in a.lines]
        # The lines' analysis type categories, when they are shown (`show_analysis_types`).
        self.categories = line_items(db, LINES, [row.id for row in lines]) if analysis else {}
        rate_ids = {row.tax_rate_id for row in lines} | {a.shipping_tax_rate_id for a in artefacts}
        rate_ids |= {part["tax_rate_id"] for row in lines for part in row.tax_breakdown}
        rate_ids |= {part["tax_rate_id"] for a in artefacts for part in (a.shipping_tax_breakdown or [])}
        self.links: Links = links_for(db, today, account_ids=[row.ledger_account_id for row in lines],
                                      tax_rate_ids=rate_ids)
        contact_ids = {a.contact_id for a in artefacts}
        # Contacts the unit of work holds (the one a new document names), else names only: loading Contact
        # entities would also load their addresses and people (selectin).
        self.contacts: dict[str, Any] = dict(contacts.held(db, contact_ids))
        if rest := contact_ids - self.contacts.keys():
            self.contacts.update((row.id, row) for row in db.execute(
                select(Contact.id, Contact.name, Contact.reference).where(Contact.id.in_(rest))))
        item_ids = {i for row in lines for i in (row.product_id, row.service_id) if i}
        self.items = {i.id: i for i in db.scalars(select(CatalogItem).where(CatalogItem.id.in_(item_ids)))} \
            if item_ids else {}
        ids = [a.id for a in artefacts]
        related = {a.original_artefact_id for a in artefacts if a.original_artefact_id}
        self.quotes = {q.id: q for q in db.scalars(select(Artefact).where(Artefact.id.in_(related)))} \
            if related else {}
        self.invoices: dict[str, Artefact] = {}
        quote_ids = [a.id for a in artefacts if BY_KIND[a.kind].is_quote]
        if quote_ids:
            for invoice in db.scalars(select(Artefact).where(Artefact.original_artefact_id.in_(quote_ids),
                                                             Artefact.kind == "SALES_INVOICE",
                                                             Artefact.status_id != "VOID")
                                      .order_by(Artefact.created_at)):
                self.invoices[invoice.original_artefact_id or ""] = invoice
        self.allocations = _allocations(db, ids) if payments else {}
        part_paid = [a.id for a in artefacts if a.outstanding_amount != a.payable and a.status_id != "VOID"]
        self.settled_base = allocated_base(db, part_paid)
        self._lookups: dict[tuple[str, str | None], dict[str, str] | None] = {}

    def link(self, path: str, key: str | None) -> dict[str, str] | None:
        """A reference-list link (`lookups.lists.link`), made once per page and shared within the response."""
        try:
            return self._lookups[path, key]
        except KeyError:
            made = self._lookups[path, key] = link(path, key)
            return made

    def contact(self, contact_id: str) -> dict[str, str] | None:
        contact = self.contacts.get(contact_id)
        if contact is None:
            return None
        return contact_link(contact.id, contact.name, contact.reference)

    def item(self, item_id: str | None) -> dict[str, str] | None:
        item = self.items.get(item_id) if item_id else None
        if item is None:
            return None
        path = {"SERVICE": "services", "STOCK_ITEM": "stock_items"}.get(item.item_type, "products")
        return {"id": item.id, "displayed_as": item.displayed_as, "$path": f"/{path}/{item.id}"}


def _allocations(db: Session, artefact_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    rows = list(db.scalars(select(Allocation).where(Allocation.artefact_id.in_(artefact_ids))
                           .order_by(Allocation.date, Allocation.created_at)))
    payment_ids = {r.payment_id for r in rows if r.payment_id}
    group_ids = {r.contact_allocation_id for r in rows if r.contact_allocation_id}
    payments = {p.id: p for p in db.scalars(select(Payment).where(Payment.id.in_(payment_ids)))} \
        if payment_ids else {}
    groups = {g.id: g for g in db.scalars(select(ContactAllocation).where(ContactAllocation.id.in_(group_ids)))} \
        if group_ids else {}
    # The other side of a contact allocation (e.g. the credit note set against this invoice).
    partners = list(db.scalars(select(Allocation).where(Allocation.contact_allocation_id.in_(group_ids)))) \
        if group_ids else []
    partner_docs = {a.id: a for a in db.scalars(select(Artefact).where(
        Artefact.id.in_({p.artefact_id for p in partners})))} if partners else {}
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        payment = payments.get(row.payment_id) if row.payment_id else None
        group = groups.get(row.contact_allocation_id) if row.contact_allocation_id else None
        type_id = payment.transaction_type_id if payment else (group.transaction_type_id if group else "")
        type_name = (lookup("transaction_types", type_id) or {}).get("displayed_as", type_id)
        reference = payment.reference if payment else ""
        other = next((partner_docs.get(p.artefact_id) for p in partners
                      if p.contact_allocation_id == row.contact_allocation_id and p.artefact_id != row.artefact_id),
                     None) if group else None
        out.setdefault(row.artefact_id, []).append({
            "links": [], "date": row.date, "type": type_name, "reference": reference, "amount": row.amount,
            "discount": row.discount, "stripe_transaction_id": None,
            "contact_allocation": {"id": group.id, "displayed_as": type_name,
                                   "$path": f"/contact_allocations/{group.id}"} if group else None,
            "artefact": self_link(other) if other else None,
            "contact_payment": {"id": payment.id, "displayed_as": reference or type_name,
                                "$path": f"/contact_payments/{payment.id}"} if payment else None,
            "displayed_as": reference or type_name, "negative_payment": False,
        })
    return out


def _address(batch: Batch, data: dict[str, Any] | None, shown: str | None) -> dict[str, Any] | None:
    """An address copied onto a document; `shown` is its free form (`_free_form`)."""
    if not data:
        return None
    return NESTED_ADDRESS(data, {"displayed_as": shown, "$path": ""}, batch.link)


_FREE_FORM = ("address_line_1", "address_line_2", "city", "region", "postal_code")


def _free_form(data: dict[str, Any] | None) -> str | None:
    if not data:
        return None
    return "\n".join(part for part in map(data.get, _FREE_FORM) if part)


# `inverse_exchange_rate`: a page shows the same few rates (usually 1) on every document.
inverse_rate = remembered(compute.inverse)


# Tax breakdowns keep their figures as text (JSON columns): each distinct text is parsed once per process.
_figure = remembered(Decimal)


Breakdown = list[dict[str, Any]]


def breakdowns(batch: Batch, parts: list[dict[str, str]], on: Any) -> tuple[Breakdown, Breakdown]:
    """A stored tax breakdown on the wire, in the document's currency and in base currency (one pass)."""
    shown: Breakdown = []
    base: Breakdown = []
    for part in parts:
        rate = batch.links.tax_rate(part["tax_rate_id"], on)
        percentage = _figure(part["percentage"])
        amount = part["amount"]
        shown.append({"tax_rate": rate, "percentage": percentage, "amount": _figure(amount)})
        base.append({"tax_rate": rate, "percentage": percentage,
                     "amount": _figure(part.get("base_currency_amount", amount))})
    return shown, base


def _line(batch: Batch, artefact: Artefact, row: ArtefactLine) -> dict[str, Any]:
    on = artefact.date
    breakdown, base_breakdown = breakdowns(batch, row.tax_breakdown, on)
    return {
        "id": row.id, "displayed_as": row.description, "is_purchase_for_resale": row.is_purchase_for_resale,
        "analysis_type_categories": batch.categories.get(row.id, []), "description": row.description,
        "product": batch.item(row.product_id),
        "service": batch.item(row.service_id), "ledger_account": batch.links.account(row.ledger_account_id),
        "trade_of_asset": row.trade_of_asset, "quantity": row.quantity, "unit_price": row.unit_price,
        "net_amount": row.net_amount, "tax_rate": batch.links.tax_rate(row.tax_rate_id, on),
        "tax_amount": row.tax_amount, "tax_breakdown": breakdown,
        "total_amount": row.total_amount, "base_currency_unit_price": row.base_currency_unit_price,
        "unit_price_includes_tax": row.unit_price_includes_tax,
        "base_currency_net_amount": row.base_currency_net_amount,
        "base_currency_tax_amount": row.base_currency_tax_amount,
        "base_currency_tax_breakdown": base_breakdown,
        "base_currency_total_amount": row.base_currency_total_amount,
        "eu_goods_services_type": batch.link("eu_goods_services_types", row.eu_goods_services_type_id),
        "discount_amount": row.discount_amount, "base_currency_discount_amount": row.base_currency_discount_amount,
        "discount_percentage": row.discount_percentage, "eu_sales_description": None,
        "gst_amount": None, "pst_amount": None, "tax_recoverable": row.tax_recoverable,
    }


def _analysis(batch: Batch, artefact: Artefact) -> list[dict[str, Any]]:
    sums: dict[str, compute.Analysis] = {}
    for row in artefact.lines:
        if row.tax_rate_id:
            entry = sums.setdefault(row.tax_rate_id, compute.Analysis())
            entry.net += row.net_amount
            entry.tax += row.tax_amount
    if artefact.shipping_tax_rate_id and artefact.shipping_net_amount:
        entry = sums.setdefault(artefact.shipping_tax_rate_id, compute.Analysis())
        entry.net += artefact.shipping_net_amount
        entry.tax += artefact.shipping_tax_amount
    return [{"tax_rate": batch.links.tax_rate(rate_id, artefact.date), "net_amount": s.net, "tax_amount": s.tax,
             "total_amount": s.total, "goods_amount": ZERO, "service_amount": ZERO} for rate_id, s in sums.items()]


def _profit(batch: Batch, artefact: Artefact) -> dict[str, Any]:
    def breakdown(description: str, cost: Decimal, sale: Decimal) -> dict[str, Any]:
        profit = sale - cost
        share = (profit / sale * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP) if sale else ZERO
        return {"description": description, "total_cost": cost, "total_sale": sale, "profit": profit,
                "profit_percentage": share}

    rows = []
    for row in artefact.lines:
        item = batch.items.get(row.product_id or row.service_id or "")
        cost = compute.money(row.quantity * item.cost_price) if item else ZERO
        rows.append(breakdown(row.description, cost, row.net_amount))
    total = breakdown("", sum((r["total_cost"] for r in rows), ZERO), sum((r["total_sale"] for r in rows), ZERO))
    return {"total": total, "line_breakdown": rows}


def base_outstanding(batch: Batch, artefact: Artefact) -> Decimal:
    """What the control account still carries for the document: its base value less what was settled."""
    if artefact.status_id == "VOID":
        return ZERO
    if artefact.outstanding_amount == artefact.payable:
        return artefact.base_payable
    return artefact.base_payable - batch.settled_base.get(artefact.id, ZERO)


def _cis(a: Artefact) -> dict[str, Any]:
    """GB CIS figures (docs/decisions/cis.md): the labour the deduction is taken from and what the contact pays
    after it; null on a document that is not CIS."""
    if not a.is_cis:
        return {"is_cis": False, **dict.fromkeys(("cis_applicable_amount", "base_currency_cis_applicable_amount",
                                                   "total_after_cis_deduction",
                                                   "base_currency_total_after_cis_deduction")),
                "has_cis_labour": False, "has_cis_materials": False}
    return {"is_cis": True, "cis_applicable_amount": a.cis_applicable_amount,
            "base_currency_cis_applicable_amount": a.base_currency_cis_applicable_amount,
            "total_after_cis_deduction": a.payable, "base_currency_total_after_cis_deduction": a.base_payable,
            "has_cis_labour": a.has_cis_labour, "has_cis_materials": a.has_cis_materials}


def _withholding(a: Artefact) -> dict[str, Decimal | None]:
    """IRPF (docs/decisions/spain.md) or CIS (docs/decisions/cis.md) withheld on the document; null where none
    applies."""
    if a.withholding_tax_rate is None:
        return dict.fromkeys(("withholding_tax_rate", "withholding_tax_amount",
                              "base_currency_withholding_tax_amount"))
    return {"withholding_tax_rate": a.withholding_tax_rate, "withholding_tax_amount": a.withholding_tax_amount,
            "base_currency_withholding_tax_amount": a.base_currency_withholding_tax_amount}


def _values(batch: Batch, kind: Kind, a: Artefact, payments: bool) -> dict[str, Any]:
    number_name = (kind.number_field or "number").removesuffix("_number")
    status = batch.link("artefact_statuses", a.status_id)
    if kind.is_quote:
        quote_status = lookup("quote_statuses", a.status_id)
        status = {"id": a.status_id, "displayed_as": quote_status["displayed_as"] if quote_status else a.status_id}
    quote = batch.quotes.get(a.original_artefact_id) if a.original_artefact_id else None
    invoice = batch.invoices.get(a.id)
    shipping_total = a.shipping_net_amount + a.shipping_tax_amount
    main, delivery = _free_form(a.main_address), _free_form(a.delivery_address)
    shipping_breakdown, base_shipping_breakdown = breakdowns(batch, a.shipping_tax_breakdown or [], a.date)
    return {
        "id": a.id, "displayed_as": displayed_as(a), "$path": f"/{kind.path}/{a.id}", "created_at": a.created_at,
        "updated_at": a.updated_at, "links": [], "editable": a.status_id not in ("VOID", "INVOICED"),
        "vat_reverse_charge": bool(a.vat_reverse_charge), "tax_calculation_method": None,
        "destination_consignment": False, "destination_vat_rates_in_use": False,
        "transaction": {"id": a.transaction_id, "displayed_as": "", "$path": f"/transactions/{a.transaction_id}"}
        if a.transaction_id else None,
        "transaction_type": batch.link("transaction_types", kind.transaction_type_id),
        "postponed_accounting": bool(a.postponed_accounting), "import": False, "vat_exempt_consignment": False,
        **_cis(a), "contact": batch.contact(a.contact_id),
        "base_currency_total_itc_amount": None, "total_itc_amount": None, "base_currency_total_itr_amount": None,
        "total_itr_amount": None, "part_recoverable": None,
        f"{number_name}_number_prefix": a.number_prefix, f"{number_name}_number": a.document_number,
        "contact_name": a.contact_name, "contact_reference": a.contact_reference, "date": a.date,
        "due_date": a.due_date, "expiry_date": a.expiry_date, "original_invoice_date": a.original_invoice_date,
        "reference": a.reference, "vendor_reference": a.vendor_reference,
        "main_address_free_form": main, "main_address": _address(batch, a.main_address, main),
        "delivery_address_free_form": delivery, "delivery_address": _address(batch, a.delivery_address, delivery),
        "notes": a.notes,
        "terms_and_conditions": a.terms_and_conditions, "shipping_net_amount": a.shipping_net_amount,
        "shipping_tax_rate": batch.links.tax_rate(a.shipping_tax_rate_id, a.date),
        "shipping_tax_amount": a.shipping_tax_amount,
        "shipping_tax_breakdown": shipping_breakdown,
        "shipping_total_amount": shipping_total, "net_amount": a.net_amount, "tax_amount": a.tax_amount,
        "total_amount": a.total_amount, "payments_allocations_total_amount": a.total_paid,
        "payments_allocations_total_discount": a.total_discount_paid,
        "total_paid": a.total_paid + a.total_discount_paid, "outstanding_amount": a.outstanding_amount,
        "currency": batch.link("currencies", a.currency_id), "exchange_rate": a.exchange_rate,
        "inverse_exchange_rate": inverse_rate(a.exchange_rate),
        "base_currency_shipping_net_amount": a.base_currency_shipping_net_amount,
        "base_currency_shipping_tax_amount": a.base_currency_shipping_tax_amount,
        "base_currency_shipping_tax_breakdown": base_shipping_breakdown,
        "base_currency_shipping_total_amount": a.base_currency_shipping_net_amount
        + a.base_currency_shipping_tax_amount,
        "total_quantity": a.total_quantity, "total_discount_amount": a.total_discount_amount,
        "base_currency_total_discount_amount": a.base_currency_total_discount_amount,
        "base_currency_net_amount": a.base_currency_net_amount, "base_currency_tax_amount": a.base_currency_tax_amount,
        "base_currency_total_amount": a.base_currency_total_amount,
        "base_currency_outstanding_amount": base_outstanding(batch, a), "status": status, "sent": a.sent,
        "sent_by_email": a.sent_by_email, "void_reason": a.void_reason,
        kind.lines_key: [_line(batch, a, row) for row in a.lines],
        "tax_analysis": _analysis(batch, a),
        "payments_allocations": batch.allocations.get(a.id, []) if payments else None,
        "last_paid": a.last_paid if a.last_paid is not None else "",  # Sage: "" until paid [DP]
        "original_quote_estimate": self_link(quote) if quote else None,
        "tax_address_region": batch.link("address_regions", a.tax_address_region_id),
        "delivery_performance_date": None, **_withholding(a),
        "profit_analysis": _profit(batch, a) if kind.is_quote else None, "tax_reconciled": False,
        "invoice": self_link(invoice) if invoice else None, "migrated": False, "pas_payment_submission": None,
    }


# Values a further kind adds to the superset (corrective invoices: corrective_invoices.py).
Extra = Callable[[Batch, Artefact], dict[str, Any]]


class Shape:
    """Picks the keys of a declaration (api/fields.py) from a superset dict (`_values`, `_line`) into a new
    dict, in declared order; keys declared `maybe` only when `full` (they were asked for). The superset is
    never changed.

    Where the declared keys are a subsequence of the superset (sales invoices; the lines of every kind), the
    superset is copied and the other keys deleted from the copy, which is several times cheaper than
    inserting ~75 keys one by one; other orders are picked key by key. Which case applies is worked out from
    the first superset (its keys and their order are fixed: it is one dict display)."""

    def __init__(self, fields: Fields, full: bool) -> None:
        self.keys = tuple(f.name for f in fields if full or not f.optional)
        self._pick = itemgetter(*self.keys)
        self._drop: tuple[str, ...] | None = None  # the keys to delete from a copy, when `keys` is a subsequence
        self._learnt = False

    def __call__(self, values: dict[str, Any]) -> dict[str, Any]:
        if not self._learnt:
            rest = iter(values)
            if all(key in rest for key in self.keys):
                wanted = set(self.keys)
                self._drop = tuple(key for key in values if key not in wanted)
            self._learnt = True
        if self._drop is None:
            return dict(zip(self.keys, self._pick(values), strict=True))
        out = values.copy()
        for key in self._drop:
            del out[key]
        return out


SHOW_PAYMENTS = params.Param("show_payments_allocations", "boolean", "Add the document's payments and allocations "
                             "(`payments_allocations`).")
SHOW_ANALYSIS = params.Param("show_analysis_types", "boolean", "Add each line's analysis type categories (always "
                             "shown on quotes and estimates).")


def presenter(kind: Kind, extra: Extra | None = None) -> Any:
    """The `present` function of a kind's resource spec, in its declaration's order (document_fields.py);
    `extra`: values a kind defined elsewhere adds to the superset."""
    fields = document_fields.BY_KIND[kind.kind]
    line_fields = fields[kind.lines_key]
    assert isinstance(line_fields, Many) and isinstance(line_fields.item, Fields)
    shapes = {True: Shape(fields, True), False: Shape(fields, False)}
    line_shapes = {True: Shape(line_fields.item, True), False: Shape(line_fields.item, False)}

    def present(call: Call, artefacts: Sequence[Artefact]) -> list[dict[str, Any]]:
        payments = params.boolean(SHOW_PAYMENTS.name, call.query.get(SHOW_PAYMENTS.name, "false"))
        analysis = kind.is_quote or params.boolean(SHOW_ANALYSIS.name, call.query.get(SHOW_ANALYSIS.name, "false"))
        shape, line_shape = shapes[payments], line_shapes[analysis]
        batch = Batch(call.db, artefacts, call.runtime.clock.now().date(), payments, analysis)
        out = []
        for artefact in artefacts:
            values = _values(batch, kind, artefact, payments)
            if extra is not None:
                values.update(extra(batch, artefact))
            lines = [line_shape(line) for line in values[kind.lines_key]]
            item = shape(values)
            item[kind.lines_key] = lines
            out.append(item)
        return out

    return present
