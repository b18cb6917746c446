"""Quick entry rules: a one-line invoice or credit note kept as an artefact of a quick-entry kind.

Everything a quick entry shares with documents is the documents' own code: contact and currency rules from
`artefacts.service`, line arithmetic from `artefacts.compute`, tax rates from `artefacts.lines.LineRefs`,
ledger entries from `artefacts.posting` (so it posts exactly like an invoice or credit note), paid/outstanding/
status from `artefacts.status` and voiding from `artefacts.service.void`. What is its own: the quick entry type,
the single line made of header attributes, and how net, tax and total complete each other.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerd import limits
from ledgerd.artefacts import compute, posting, status
from ledgerd.artefacts import service as documents
from ledgerd.artefacts.kinds import BY_KIND, QUICK_ENTRY_KINDS, Kind
from ledgerd.artefacts.lines import LineRefs, new_row, rate_missing, stored_breakdown
from ledgerd.artefacts.models import Artefact, ArtefactLine
from ledgerd.contacts.models import Contact
from ledgerd.db.base import new_id
from ledgerd.errors import Invalid, Problem
from ledgerd.ledger.accounts import usable
from ledgerd.quick_entries.schemas import QuickEntryIn

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# quick_entry_type_id → the sign of the document it stands for (/quick_entry_types).
TYPES = {"INVOICE": 1, "CREDIT_NOTE": -1}
REQUIRED = ("quick_entry_type_id", "date", "contact_id", "reference", "ledger_account_id")


def kind_for(sales: bool, type_id: str) -> Kind:
    """The artefact kind of a sales or purchase quick entry of a type, or 422 on `quick_entry_type_id`."""
    sign = TYPES.get(type_id.strip().upper())
    if sign is None:
        raise Invalid(f"must be one of {', '.join(TYPES)}.", "quick_entry_type_id")
    return next(k for k in QUICK_ENTRY_KINDS if k.sales == sales and k.sign == sign)


def type_id(artefact: Artefact) -> str:
    """`INVOICE` or `CREDIT_NOTE`: what the quick entry stands for."""
    return "INVOICE" if BY_KIND[artefact.kind].sign > 0 else "CREDIT_NOTE"


def create(db: Session, ctx: documents.Context, sales: bool, body: QuickEntryIn) -> Artefact:
    missing = [Problem("RecordInvalid", documents.REQUIRED, name) for name in REQUIRED if getattr(body, name) is None]
    if body.net_amount is None and body.total_amount is None:
        missing.append(Problem("RecordInvalid", "Give net_amount or total_amount.", "net_amount"))
    if missing:
        raise Invalid(problems=missing)
    assert body.quick_entry_type_id is not None and body.contact_id is not None and body.date is not None
    kind = kind_for(sales, body.quick_entry_type_id)
    if body.status_id is not None and body.status_id.upper() not in kind.initial_statuses:
        raise Invalid("A quick entry is created UNPAID; payments and allocations change its status.", "status_id")
    artefact = Artefact(id=new_id(), business_id=ctx.business_id, kind=kind.kind, status_id="UNPAID",
                        date=body.date, currency_id="", shipping_net_amount=ZERO, shipping_tax_amount=ZERO,
                        base_currency_shipping_net_amount=ZERO, base_currency_shipping_tax_amount=ZERO)
    row = new_row()
    row.position = 0
    _contact(artefact, documents.find_contact(db, ctx, kind, body.contact_id))
    _fill(db, ctx, kind, artefact, row, body)
    artefact.lines = [row]
    db.add(artefact)
    status.refresh(db, artefact, new=True)
    posting.post(db, artefact, kind)  # flushes the entry with its transaction (see artefacts/service.create)
    db.flush()
    return artefact


def update(db: Session, ctx: documents.Context, sales: bool, artefact: Artefact, body: QuickEntryIn) -> Artefact:
    """Apply an edit; a change to what the ledger holds reverses the old transaction and posts the new one."""
    if artefact.status_id == "VOID":
        raise Invalid("A void quick entry cannot be changed.", "base")
    kind = BY_KIND[artefact.kind]
    paid = documents.allocated(db, artefact.id)
    if body.quick_entry_type_id is not None:
        wanted = kind_for(sales, body.quick_entry_type_id)
        if wanted is not kind and paid:
            raise Invalid("The type of a quick entry with payments or allocations cannot be changed.",
                          "quick_entry_type_id")
        kind, artefact.kind = wanted, wanted.kind
    if body.contact_id is not None and body.contact_id != artefact.contact_id:
        if paid:
            raise Invalid("The contact of a quick entry with payments or allocations cannot be changed.",
                          "contact_id")
        _contact(artefact, documents.find_contact(db, ctx, kind, body.contact_id))
    currency = (artefact.currency_id, artefact.exchange_rate)
    with db.no_autoflush:
        _fill(db, ctx, kind, artefact, artefact.lines[0], body)
    if paid and (artefact.currency_id, artefact.exchange_rate) != currency:
        raise Invalid("The currency of a quick entry with payments or allocations cannot be changed.", "currency_id")
    if paid > artefact.total_amount:
        raise Invalid(f"The total cannot go below the {paid} already paid or allocated.", "base")
    db.flush()
    posting.repost(db, artefact, kind, paid=bool(paid))
    status.refresh(db, artefact)
    db.flush()
    return artefact


def void(db: Session, artefact: Artefact) -> None:
    """DELETE: the entry is voided and kept (its transaction reversed), as posted purchase documents are."""
    documents.void(db, BY_KIND[artefact.kind], artefact, None, reason_required=False)


def _contact(artefact: Artefact, contact: Contact) -> None:
    artefact.contact_id, artefact.contact_name, artefact.contact_reference = contact.id, contact.name, contact.reference


def _fill(db: Session, ctx: documents.Context, kind: Kind, artefact: Artefact, row: ArtefactLine,
          body: QuickEntryIn) -> None:
    """Header attributes, dates, currency and the line's figures, from the body over what is stored."""
    for name in ("reference", "contact_name", "contact_reference", "details", "tax_address_region_id"):
        value = getattr(body, name)
        if value is not None:
            setattr(artefact, name, value)
    contact = db.get(Contact, artefact.contact_id)
    documents.apply_dates(artefact, kind, ctx, contact, body)
    if kind.sign < 0:  # a credit note falls due when it is issued
        artefact.due_date = artefact.date
    documents.apply_currency(ctx, artefact, body, contact)
    if body.ledger_account_id is not None:
        row.ledger_account_id = usable(db, body.ledger_account_id, area=kind.ledger_area,
                                       source="ledger_account_id").id
    if "tax_rate_id" in body.model_fields_set:
        row.tax_rate_id = body.tax_rate_id or None
    checked = row.net_amount is None or "tax_rate_id" in body.model_fields_set  # a new entry, or its rate sent
    if checked and (missing := rate_missing(kind, ctx.charges_vat, row.tax_rate_id, "tax_rate_id")) is not None:
        raise Invalid(problems=[missing])
    if body.trade_of_asset is not None:
        row.trade_of_asset = body.trade_of_asset
    row.description = artefact.details or ""
    _figure(db, kind, artefact, row, body)


def _amounts(body: QuickEntryIn, row: ArtefactLine, rate: compute.Rate | None,
             restated: bool) -> tuple[Decimal, Decimal | None]:
    """The net amount and the tax amount the client stands by (None: ours)."""
    tax = body.tax_amount if body.tax_amount is not None else (None if restated else row.tax_amount)
    if body.net_amount is not None:
        return body.net_amount, tax
    if body.total_amount is None:
        return row.net_amount, tax
    if tax is None:  # only a gross figure: the tax is taken out of it at the rate
        percentage = rate.percentage if rate else ZERO
        tax = compute.money(body.total_amount * percentage / (HUNDRED + percentage))
    return body.total_amount - tax, tax


def _figure(db: Session, kind: Kind, artefact: Artefact, row: ArtefactLine, body: QuickEntryIn) -> None:
    """Net, tax (checked against the rate like a document line's), total and their base-currency values."""
    refs = LineRefs(db, kind, artefact.date)
    rate = refs.rate(row.tax_rate_id, source="tax_rate_id")
    if refs.problems:
        raise Invalid(problems=refs.problems)
    restated = bool({"net_amount", "total_amount", "tax_rate_id"} & body.model_fields_set) or row.net_amount is None
    net, sent_tax = _amounts(body, row, rate, restated)
    if net < ZERO:
        raise Invalid("cannot be less than tax_amount.", "total_amount")
    try:
        figures = compute.line(quantity=Decimal(1), unit_price=net, includes_tax=False, discount_amount=None,
                               discount_percentage=None, rate=rate, sent_tax=sent_tax, tax_required=False)
    except compute.TaxMismatch as exc:
        raise Invalid(str(exc), "tax_amount") from None
    if body.total_amount is not None and body.total_amount != figures.total:
        raise Invalid(f"must equal net_amount + tax_amount ({figures.total}).", "total_amount")
    figures = compute.convert(figures, artefact.exchange_rate)
    if not all(limits.within(amount) for amount in (figures.total, figures.base_net, figures.base_total)):
        raise Invalid(f"The quick entry's amounts must stay below {limits.AMOUNT_LIMIT:,} (in its own and in base "
                      f"currency).", "total_amount")
    row.unit_price, row.base_currency_unit_price = net, compute.fine(net / artefact.exchange_rate)
    row.net_amount, row.tax_amount, row.total_amount = figures.net, figures.tax, figures.total
    row.base_currency_net_amount, row.base_currency_tax_amount = figures.base_net, figures.base_tax
    row.base_currency_total_amount, row.base_currency_discount_amount = figures.base_total, ZERO
    row.tax_breakdown = stored_breakdown(figures)
    artefact.net_amount, artefact.tax_amount, artefact.total_amount = figures.net, figures.tax, figures.total
    artefact.base_currency_net_amount, artefact.base_currency_tax_amount = figures.base_net, figures.base_tax
    artefact.base_currency_total_amount, artefact.total_quantity = figures.base_total, Decimal(1)
