"""Document lines: checking what a request's lines reference, merging edits into stored lines, and figuring
every line and the document's totals.

A request that sends the lines sends the whole set: a line with `id` updates that stored line (attributes
it leaves out keep their values), a line without `id` is new, and stored lines not sent are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd import limits
from ledgerd.analysis.service import assign_all, category_ids
from ledgerd.artefacts import compute
from ledgerd.artefacts.kinds import Kind
from ledgerd.artefacts.models import Artefact, ArtefactLine
from ledgerd.artefacts.schemas import LineIn
from ledgerd.catalog.models import CatalogItem
from ledgerd.db.base import new_id
from ledgerd.errors import Invalid, Problem
from ledgerd.ledger.accounts import usable
from ledgerd.ledger.models import TaxRate
from ledgerd.ledger.tax_rates import live, percentage_on

ZERO = Decimal(0)
# What a line's figures depend on: when one changes, a stored tax amount no longer stands for the line.
INPUTS = ("quantity", "unit_price", "unit_price_includes_tax", "discount_amount", "tax_rate_id")
ITEM_TYPES = {"product_id": ("PRODUCT", "STOCK_ITEM"), "service_id": ("SERVICE",)}
# The `record_type` of document lines' analysis type categories.
LINES = "artefact_lines"


@dataclass
class Pending:
    """A line about to be figured, with the tax amount and discount the client stands by."""

    row: ArtefactLine
    sent_tax: Decimal | None
    discount_amount: Decimal | None
    discount_percentage: Decimal | None
    source: str
    # Analysis type categories the request gives the line (None: it keeps its own), or the quote line whose
    # categories an invoice line takes; stored by `analyse` once the lines are.
    categories: list[str] | None = None
    copied_from: str | None = None


class LineRefs:
    """Tax rates as they apply on the document date (`ledger.tax_rates.live`); unknown ids become problems."""

    def __init__(self, db: Session, kind: Kind, on: date) -> None:
        self.db = db
        self.kind = kind
        self.on = on
        self.problems: list[Problem] = []

    def _load(self, rate_id: str) -> TaxRate | None:
        return live(self.db, rate_id)

    def check(self, rate_id: str | None, source: str) -> None:
        if not rate_id:
            return
        found = self._load(rate_id)
        if found is None:
            self.problems.append(Problem("RecordInvalid", "Couldn't find tax rate.", source))
        elif found.usage and self.kind.tax_usage not in found.usage:
            self.problems.append(Problem("RecordInvalid", f"Tax rate {rate_id} cannot be used for "
                                                          f"{self.kind.tax_usage}s.", source))

    def rate(self, rate_id: str | None, source: str | None = None) -> compute.Rate | None:
        if not rate_id:
            return None
        if source is not None:
            self.check(rate_id, source)
        found = self._load(rate_id)
        if found is None:
            return None
        parts: list[tuple[str, Decimal]] = []
        for component_id in found.components:
            component = self._load(component_id)
            if component is not None:
                parts.append((component_id, percentage_on(component, self.on)))
        return compute.Rate(found.id, percentage_on(found, self.on), tuple(parts))


def rate_missing(kind: Kind, charges_vat: bool, rate_id: str | None, source: str) -> Problem | None:
    """A VAT-registered business's sales line names its tax rate: without one it would stay out of the
    return's sales figures (GB box 6). Lines without VAT take the zero, exempt or no-VAT rate."""
    if not (charges_vat and kind.sales) or rate_id:
        return None
    what, field = ("Shipping", "shipping_tax_rate_id") if source == "shipping_tax_rate_id" else ("A sales line",
                                                                                               "tax_rate_id")
    return Problem("RecordInvalid", f"{what} of a VAT-registered business needs a tax rate: give {field} (the zero, "
                                    "exempt or no-VAT rate for one without VAT).", source)


def _inputs(row: ArtefactLine) -> tuple[object, ...]:
    return tuple(getattr(row, name) for name in INPUTS)


def new_row() -> ArtefactLine:
    return ArtefactLine(id=new_id(), quantity=Decimal(1), unit_price_includes_tax=False, discount_amount=ZERO,
                        discount_percentage=ZERO, trade_of_asset=False, is_purchase_for_resale=False,
                        tax_breakdown=[])


def _references(db: Session, kind: Kind, refs: LineRefs, row: ArtefactLine, data: LineIn, source: str) -> None:
    sent = data.model_fields_set
    if "ledger_account_id" in sent:
        try:
            usable(db, data.ledger_account_id, area=kind.ledger_area, source=f"{source}.ledger_account_id")
        except Invalid as exc:
            refs.problems.extend(exc.problems)
    if "tax_rate_id" in sent:
        refs.check(data.tax_rate_id, f"{source}.tax_rate_id")
    for name, types in ITEM_TYPES.items():
        item_id = getattr(data, name)
        if name in sent and item_id:
            item = db.scalar(select(CatalogItem).where(CatalogItem.id == item_id))
            if item is None or item.item_type not in types:
                label = name.removesuffix("_id")
                refs.problems.append(Problem("RecordInvalid", f"Couldn't find {label}.", f"{source}.{name}"))


def apply_lines(db: Session, artefact: Artefact, kind: Kind, lines: list[LineIn], *, replace: bool,
                rate_required: bool = False) -> list[Pending]:
    """Merge the sent lines into the document (the sent set replaces the stored one). `rate_required`: the
    business charges VAT, so a new line, or one whose rate is sent, must have a rate (`rate_missing`)."""
    stored = {row.id: row for row in artefact.lines}
    refs = LineRefs(db, kind, artefact.date)
    rows: list[ArtefactLine] = []
    pending: list[Pending] = []
    required = ["description", "ledger_account_id", "unit_price"] + (["quantity"] if kind.line_quantity_required
                                                                     else [])
    for index, data in enumerate(lines):
        source = f"{kind.lines_key}[{index}]"
        if data.id:
            row = stored.get(data.id)
            if row is None or row in rows:
                refs.problems.append(Problem("RecordInvalid", "Couldn't find that line on this document.",
                                             f"{source}.id"))
                continue
            before: tuple[object, ...] | None = _inputs(row)
        else:
            missing = [name for name in required if getattr(data, name) is None]
            refs.problems.extend(Problem("RecordInvalid", "Field required", f"{source}.{name}") for name in missing)
            if missing:
                continue
            row, before = new_row(), None
        _references(db, kind, refs, row, data, source)
        values = data.model_dump(exclude_unset=True, exclude={"id", "tax_amount", "discount_amount",
                                                              "discount_percentage", "analysis_type_categories"})
        for name, value in values.items():
            if name in ("description", "ledger_account_id", "quantity", "unit_price") and value is None:
                continue  # required attributes cannot be cleared
            if name in ("is_purchase_for_resale", "tax_recoverable") and kind.sales:
                continue
            if name.endswith("_id"):
                setattr(row, name, value or None)
            elif value is not None:
                setattr(row, name, value)
        if before is None or "tax_rate_id" in data.model_fields_set:
            missing_rate = rate_missing(kind, rate_required, row.tax_rate_id, f"{source}.tax_rate_id")
            if missing_rate is not None:
                refs.problems.append(missing_rate)
        discount_amount, discount_percentage = _discount(kind, row, data, before is not None)
        if discount_amount is not None:
            row.discount_amount = discount_amount
        unchanged = before is not None and before == _inputs(row) and data.discount_percentage is None
        sent_tax = data.tax_amount if data.tax_amount is not None else (row.tax_amount if unchanged else None)
        rows.append(row)
        pending.append(Pending(row, sent_tax, discount_amount, discount_percentage, source,
                               data.analysis_type_categories))
    if refs.problems:
        raise Invalid(problems=refs.problems)
    if replace:
        artefact.lines = rows
    for position, row in enumerate(artefact.lines):
        row.position = position
    return pending


def _discount(kind: Kind, row: ArtefactLine, data: LineIn, stored: bool) -> tuple[Decimal | None, Decimal | None]:
    """The discount to apply: an amount, a percentage, or the stored amount of an edited line."""
    if not kind.has_discounts:
        return None, None
    if data.discount_amount is not None:
        return data.discount_amount, None
    if data.discount_percentage is not None:
        return None, data.discount_percentage
    return (row.discount_amount, None) if stored else (None, None)


def keep_lines(artefact: Artefact, kind: Kind) -> list[Pending]:
    """The stored lines, standing by their stored tax amounts (a PUT that sends no lines)."""
    return [Pending(row, row.tax_amount, row.discount_amount if kind.has_discounts else None, None,
                    f"{kind.lines_key}[{index}]") for index, row in enumerate(artefact.lines)]


def copy_lines(artefact: Artefact, quote: Artefact, kind: Kind) -> list[Pending]:
    """An invoice made from a quote without lines of its own takes the quote's lines."""
    rows = []
    for row in quote.lines:
        copy = new_row()
        for name in ("description", "product_id", "service_id", "ledger_account_id", "quantity", "unit_price",
                     "unit_price_includes_tax", "discount_amount", "tax_rate_id", "eu_goods_services_type_id",
                     "trade_of_asset"):
            setattr(copy, name, getattr(row, name))
        rows.append((copy, row))
    artefact.lines = [copy for copy, _ in rows]
    for position, (copy, _) in enumerate(rows):
        copy.position = position
    return [Pending(copy, row.tax_amount, row.discount_amount, None, f"{kind.lines_key}[{index}]", copied_from=row.id)
            for index, (copy, row) in enumerate(rows)]


def analyse(db: Session, kind: Kind, pending: list[Pending]) -> None:
    """Store the lines' analysis type categories (sales documents in the SALES area, purchases in EXPENSES):
    what a request gave, or what the quote lines of a converted quote had. Runs once the lines are flushed."""
    carried = category_ids(db, LINES, [p.copied_from for p in pending if p.copied_from])
    wanted = {p.row.id: (p.categories if p.categories is not None else carried.get(p.copied_from or "", []),
                         f"{p.source}.analysis_type_categories")
              for p in pending if p.categories is not None or carried.get(p.copied_from or "")}
    assign_all(db, LINES, wanted, kind.ledger_area.upper())


def figure(db: Session, artefact: Artefact, kind: Kind, pending: list[Pending],
            shipping_tax: Decimal | None, keep_shipping: bool) -> None:
    """Compute every line and the totals, or raise one 422 listing every problem."""
    refs = LineRefs(db, kind, artefact.date)
    # Under the reverse charge or postponed import accounting the VAT is shown but not charged: the totals are
    # the net (docs/decisions/vat-treatments.md).
    charged = not (artefact.vat_reverse_charge or artefact.postponed_accounting)
    problems: list[Problem] = []
    totals = compute.Totals()
    quantity = ZERO
    for item in pending:
        row = item.row
        try:
            figures = compute.line(quantity=row.quantity, unit_price=row.unit_price,
                                   includes_tax=row.unit_price_includes_tax, discount_amount=item.discount_amount,
                                   discount_percentage=item.discount_percentage, rate=refs.rate(row.tax_rate_id),
                                   sent_tax=item.sent_tax)
        except compute.TaxMismatch as exc:
            problems.append(Problem("RecordInvalid", str(exc), f"{item.source}.tax_amount"))
            continue
        figures = compute.convert(figures, artefact.exchange_rate)
        base_price = compute.fine(row.unit_price / artefact.exchange_rate)
        if not all(limits.within(amount) for amount in (figures.net, figures.total, figures.base_net,
                                                        figures.base_total, base_price)):
            problems.append(Problem("RecordInvalid", f"The line's amounts must stay below {limits.AMOUNT_LIMIT:,} "
                                                     f"(in the document's and in base currency).",
                                    f"{item.source}.unit_price"))
            continue
        row.net_amount, row.tax_amount = figures.net, figures.tax
        row.total_amount = figures.total if charged else figures.net
        row.discount_amount, row.discount_percentage = figures.discount, figures.discount_percentage
        row.tax_breakdown = stored_breakdown(figures)
        row.base_currency_unit_price = base_price
        row.base_currency_net_amount, row.base_currency_tax_amount = figures.base_net, figures.base_tax
        row.base_currency_total_amount = figures.base_total if charged else figures.base_net
        row.base_currency_discount_amount = figures.base_discount
        totals.add(figures, row.tax_rate_id)
        quantity += row.quantity
    if kind.has_shipping:
        rate = refs.rate(artefact.shipping_tax_rate_id, source="shipping_tax_rate_id")
        net = artefact.shipping_net_amount
        try:
            tax = compute.check_tax(shipping_tax, compute.tax_on(net, rate), rate, required=False)
        except compute.TaxMismatch as exc:
            if not keep_shipping:
                problems.append(Problem("RecordInvalid", str(exc), "shipping_tax_amount"))
            tax = compute.tax_on(net, rate)
        figures = compute.convert(compute.Figures(net=net, tax=tax, breakdown=compute.split(tax, net, rate)
                                                  if net else ()), artefact.exchange_rate)
        artefact.shipping_tax_amount = tax
        artefact.shipping_tax_breakdown = stored_breakdown(figures)
        artefact.base_currency_shipping_net_amount = figures.base_net
        artefact.base_currency_shipping_tax_amount = figures.base_tax
        totals.add(figures, artefact.shipping_tax_rate_id if net else None)
    problems.extend(refs.problems)
    if not problems and not all(limits.within(amount) for amount in (totals.net, totals.total, totals.base_net,
                                                                     totals.base_total, totals.discount)):
        problems.append(Problem("RecordInvalid", f"The document's totals must stay below {limits.AMOUNT_LIMIT:,} "
                                                 f"(in the document's and in base currency).", "base"))
    if not problems and totals.total < ZERO and not kind.corrective:
        problems.append(Problem("RecordInvalid", "The total cannot be negative; record a credit note instead.",
                                "base"))
    if problems:
        raise Invalid(problems=problems)
    artefact.net_amount, artefact.tax_amount = totals.net, totals.tax
    artefact.total_amount = totals.total if charged else totals.net
    artefact.total_discount_amount, artefact.total_quantity = totals.discount, quantity
    artefact.base_currency_net_amount, artefact.base_currency_tax_amount = totals.base_net, totals.base_tax
    artefact.base_currency_total_amount = totals.base_total if charged else totals.base_net
    artefact.base_currency_total_discount_amount = totals.base_discount


def stored_breakdown(figures: compute.Figures) -> list[dict[str, str]]:
    return [{"tax_rate_id": p.rate_id, "percentage": str(p.percentage), "amount": str(p.amount),
             "base_currency_amount": str(p.base_amount)} for p in figures.breakdown]


def omitted_tax(db: Session, kind: Kind, on: date, line: LineIn) -> Decimal | None:
    """The tax of a line sent without `tax_amount`, by the rule every line's tax is figured with (`compute.line`,
    its tax not required), on the document date `on`: API v3 let clients leave it out (docs/legacy-v3.md). None
    when the line does not say enough to figure it (no unit price or rate, an unknown rate, a stored line named by
    id): the document's own validation then answers as it does in v3.1."""
    if line.id or line.unit_price is None or not line.tax_rate_id:
        return None
    rate = LineRefs(db, kind, on).rate(line.tax_rate_id)
    if rate is None:
        return None
    by_amount = kind.has_discounts and line.discount_amount is not None
    figures = compute.line(quantity=line.quantity if line.quantity is not None else Decimal(1),
                           unit_price=line.unit_price, includes_tax=bool(line.unit_price_includes_tax),
                           discount_amount=line.discount_amount if by_amount else None,
                           discount_percentage=line.discount_percentage if kind.has_discounts and not by_amount
                           else None, rate=rate, sent_tax=None, tax_required=False)
    return figures.tax


def document_date(db: Session, kind: Kind, key: str) -> date | None:
    """The date of the business's document `key` of `kind`, if there is one."""
    return db.scalar(select(Artefact.date).where(Artefact.id == key, Artefact.kind == kind.kind))
