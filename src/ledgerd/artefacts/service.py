"""Document rules: create, edit, release, void and delete sales and purchase documents.

Services flush, never commit: a document, its number and its transaction land together or not at all.
Figures come from `compute`, ledger entries from `artefacts.posting`, paid/outstanding/status from
`artefacts.status.refresh` (allocations are the payments package's business).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from ledgerd import limits
from ledgerd.artefacts import cis, compute, posting, status
from ledgerd.artefacts.kinds import SALES_INVOICE, UNPOSTED, Kind
from ledgerd.artefacts.lines import analyse, apply_lines, copy_lines, figure, keep_lines, rate_missing
from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.artefacts.schemas import ArtefactIn
from ledgerd.contacts.models import Contact
from ledgerd.contacts.schemas import AddressIn
from ledgerd.db.base import new_id
from ledgerd.db.locks import lock
from ledgerd.errors import Invalid, Problem
from ledgerd.ledger import treatments
from ledgerd.regions.data import lookup
from ledgerd.settings.models import BusinessSettings
from ledgerd.settings.service import base_currency, charges_vat, check_currency, take_number

ZERO = Decimal(0)
REQUIRED = "Field required"
QUOTE_KINDS = ("SALES_QUOTE", "SALES_ESTIMATE")
# Sage's IRPF withholding: on invoices ("UK (CIS) and Spain (IRPF)"), quotes, estimates and corrective invoices
# ("Spain only"); credit notes carry CIS only (UK) in Sage's definitions.
WITHHOLDING_COUNTRY = "ES"
WITHHOLDING_KINDS = frozenset({"SALES_INVOICE", "PURCHASE_INVOICE", "SALES_QUOTE", "SALES_ESTIMATE",
                               "SALES_CORRECTIVE_INVOICE", "PURCHASE_CORRECTIVE_INVOICE"})


@dataclass(frozen=True)
class Context:
    """What every rule needs to know about the request's business."""

    business_id: str
    base_currency: str
    invoice_settings: dict[str, Any]
    financial_settings: dict[str, Any]
    # A VAT-registered business (settings.service.charges_vat): its sales lines must name a tax rate.
    charges_vat: bool = False
    country_id: str = ""


def context(db: Session, business_id: str, country: str) -> Context:
    settings = db.get(BusinessSettings, business_id)
    return Context(business_id, base_currency(db), dict(settings.invoice) if settings else {},
                   dict(settings.financial) if settings else {},
                   charges_vat(country, settings.financial if settings else {}), country)


def allocated(db: Session, artefact_id: str) -> Decimal:
    """Payments, allocations and discounts applied to a document."""
    amount, discount = db.execute(select(func.sum(Allocation.amount), func.sum(Allocation.discount))
                                  .where(Allocation.artefact_id == artefact_id)).one()
    return (amount or ZERO) + (discount or ZERO)


def find_contact(db: Session, ctx: Context, kind: Kind, contact_id: str) -> Contact:
    """The contact a document of `kind` names: of this business and of the kind's contact type (else 422)."""
    # Its addresses are copied onto the document; its people are loaded only if something reads them.
    contact = db.get(Contact, contact_id, options=[lazyload(Contact.contact_persons)])
    if contact is None or contact.business_id != ctx.business_id or kind.contact_type not in contact.contact_type_ids:
        raise Invalid(f"Couldn't find {kind.contact_label}.", "contact_id")
    return contact


def _address(data: AddressIn | None, current: dict[str, Any] | None, type_id: str) -> dict[str, Any] | None:
    """A sent address replaces the document's copy as a whole (it keeps its id)."""
    if data is None:
        return current
    return {"id": (current or {}).get("id") or new_id(), "address_type_id": type_id,
            **data.model_dump(exclude_none=True)}


def _contact_address(contact: Contact, main: bool) -> dict[str, Any] | None:
    found = next((a for a in contact.addresses if (a.is_main_address if main else
                                                  (a.address_type_id == "DELIVERY" and not a.is_main_address))), None)
    if found is None:
        return None
    return {"id": new_id(), "address_line_1": found.address_line_1, "address_line_2": found.address_line_2,
            "city": found.city, "postal_code": found.postal_code, "region": found.region,
            "country_id": found.country_id, "address_type_id": "SALES" if main else "DELIVERY",
            "country_group_id": found.country_group_id}


def _take_contact(artefact: Artefact, kind: Kind, contact: Contact) -> None:
    artefact.contact_id = contact.id
    artefact.contact_name = contact.name
    artefact.contact_reference = contact.reference
    if kind.sales:
        artefact.main_address = _contact_address(contact, main=True)
        artefact.delivery_address = _contact_address(contact, main=False)


def apply_currency(ctx: Context, artefact: Artefact, body: ArtefactIn, contact: Contact | None) -> None:
    """The document's currency (sent, kept, else the contact's, else base) and its exchange rate."""
    wanted = (body.currency_id or "").upper() or artefact.currency_id or (contact.currency_id if contact else None)
    currency = wanted or ctx.base_currency
    if lookup("currencies", currency) is None:
        raise Invalid("Couldn't find currency.", "currency_id")
    changed = currency != artefact.currency_id
    if changed:  # a document kept in its currency stays editable if multi-currency is switched off later
        check_currency(ctx.financial_settings, currency, ctx.base_currency)
    artefact.currency_id = currency
    if currency == ctx.base_currency:
        if body.exchange_rate not in (None, Decimal(1)):
            raise Invalid(f"must be 1 for a document in the base currency ({currency}).", "exchange_rate")
        artefact.exchange_rate = Decimal(1)
    elif body.exchange_rate is not None:
        artefact.exchange_rate = body.exchange_rate
    elif body.inverse_exchange_rate is not None:
        artefact.exchange_rate = compute.inverse(body.inverse_exchange_rate)
        if artefact.exchange_rate <= ZERO:
            raise Invalid("inverse_exchange_rate is too large.", "inverse_exchange_rate")
    elif changed or artefact.exchange_rate is None:
        raise Invalid(f"exchange_rate is required for a document in {currency} (units of {currency} per one "
                      f"{ctx.base_currency}).", "exchange_rate")


def apply_dates(artefact: Artefact, kind: Kind, ctx: Context, contact: Contact | None, body: ArtefactIn) -> None:
    """Date, then expiry date (quotes), due date (from the contact's or the business's credit days) or the
    original invoice's date (credit notes)."""
    if body.date is not None:
        artefact.date = body.date
    if kind.is_quote:
        if body.expiry_date is not None:
            artefact.expiry_date = body.expiry_date
        if artefact.expiry_date is not None and artefact.expiry_date < artefact.date:
            raise Invalid("expiry_date cannot be before date.", "expiry_date")
    elif kind.has_due_date:
        if body.due_date is not None:
            artefact.due_date = body.due_date
        elif artefact.due_date is None:
            days = contact.credit_days if contact and contact.credit_days is not None else \
                ctx.invoice_settings.get("customer_credit_days" if kind.sales else "vendor_credit_days", 30)
            due = limits.days_after(artefact.date, int(days))
            if due is None:
                raise Invalid(f"The due date, {days} days after {artefact.date.isoformat()}, would fall after "
                              f"{limits.LAST_DAY.isoformat()}; give due_date.", "due_date")
            artefact.due_date = due
        if artefact.due_date is not None and artefact.due_date < artefact.date:
            raise Invalid("due_date cannot be before date.", "due_date")
    elif body.original_invoice_date is not None:
        artefact.original_invoice_date = body.original_invoice_date


def _header(artefact: Artefact, body: ArtefactIn) -> None:
    for name in ("reference", "vendor_reference", "notes", "terms_and_conditions", "contact_name",
                 "contact_reference", "sent", "tax_address_region_id"):
        value = getattr(body, name)
        if value is not None:
            setattr(artefact, name, value)
    artefact.main_address = _address(body.main_address, artefact.main_address, "SALES")
    artefact.delivery_address = _address(body.delivery_address, artefact.delivery_address, "DELIVERY")


def _treatments(ctx: Context, artefact: Artefact, kind: Kind, body: ArtefactIn) -> None:
    """The document's VAT treatment flags (docs/decisions/vat-treatments.md): the reverse charge on UK and German
    documents, postponed import VAT on UK and Irish purchases; a flag sent true elsewhere is refused."""
    wanted = (("vat_reverse_charge", treatments.REVERSE_CHARGE_COUNTRIES, True),
              ("postponed_accounting", treatments.POSTPONED_COUNTRIES, not kind.sales))
    for name, countries, offered in wanted:
        value = getattr(body, name)
        if value is None:
            continue
        if value and not (offered and ctx.country_id in countries):
            where = "purchase documents of " if name == "postponed_accounting" else "documents of "
            raise Invalid(f"{name} is only used on {where}{' and '.join(sorted(countries))} businesses.", name)
        setattr(artefact, name, value)
    if artefact.vat_reverse_charge and artefact.postponed_accounting:
        raise Invalid("A document is either under the reverse charge or an import with postponed accounting, not "
                      "both.", "postponed_accounting")


def _withholding(db: Session, ctx: Context, artefact: Artefact, kind: Kind, body: ArtefactIn, *, new: bool) -> None:
    """What the contact's tax authority is paid out of the document, once the lines are figured: Spanish IRPF on
    an invoice, quote, estimate or corrective invoice (docs/decisions/spain.md), or a GB CIS deduction on an
    invoice or credit note (docs/decisions/cis.md).

    IRPF: the rate is the one sent, else the document's, else (a new sales document) the business's
    `default_irpf_rate`; a corrective invoice takes its original's (corrective.py) and an invoice made from a quote
    the quote's (`_inherit`); the base is the lines' net (negative on a correction that reduces). CIS: the rate is
    the supplier's (purchases) or the business's own (sales), a different one sent is refused; the base is the
    net of the lines on CIS labour accounts (artefacts/cis.py). Either way the amount is rate x base, a sent one
    checked like a tax amount. ES credit notes and other countries refuse the fields; GB documents that are not
    CIS ignore them, as before."""
    rate_sent = "withholding_tax_rate" in body.model_fields_set
    if ctx.country_id == cis.COUNTRY:
        terms = cis.terms(db, artefact, kind)
        cis.apply(db, artefact, terms)
        if terms is None:
            artefact.withholding_tax_rate = None
            artefact.withholding_tax_amount = artefact.base_currency_withholding_tax_amount = ZERO
            return
        if rate_sent and body.withholding_tax_rate is not None and body.withholding_tax_rate != terms.rate:
            party = "your" if kind.sales else "the supplier's"
            raise Invalid(f"must be {party} CIS deduction rate ({terms.rate.normalize():f}%, {terms.rate_id}).",
                          "withholding_tax_rate")
        rate: Decimal | None = terms.rate
        base = artefact.cis_applicable_amount or ZERO
    elif ctx.country_id == WITHHOLDING_COUNTRY and kind.kind in WITHHOLDING_KINDS:
        rate = body.withholding_tax_rate if rate_sent else artefact.withholding_tax_rate
        if new and not rate_sent and kind.sales and rate is None:
            default = Decimal(str(ctx.financial_settings.get("default_irpf_rate") or "0"))
            rate = default if default > ZERO else None
        base = artefact.net_amount - artefact.shipping_net_amount
    else:
        for name in ("withholding_tax_rate", "withholding_tax_amount"):
            if getattr(body, name):
                raise Invalid(f"{name} (IRPF) is only used on sales and purchase invoices of ES businesses.", name)
        return
    if rate is None or rate == ZERO:
        if body.withholding_tax_amount:
            raise Invalid("withholding_tax_amount needs a withholding_tax_rate above 0.", "withholding_tax_amount")
        artefact.withholding_tax_rate = rate
        artefact.withholding_tax_amount = artefact.base_currency_withholding_tax_amount = ZERO
        return
    try:
        amount = compute.withholding(base, rate, body.withholding_tax_amount)
    except compute.TaxMismatch as exc:
        raise Invalid(str(exc), "withholding_tax_amount") from None
    if abs(amount) > abs(artefact.total_amount):
        raise Invalid("withholding_tax_amount cannot be more than the document's total.", "withholding_tax_amount")
    artefact.withholding_tax_rate = rate
    artefact.withholding_tax_amount = amount
    artefact.base_currency_withholding_tax_amount = compute.to_base(amount, artefact.exchange_rate)


def _status(kind: Kind, wanted: str | None) -> str:
    if wanted is None:
        return kind.initial_statuses[0]
    if wanted.upper() not in kind.initial_statuses:
        allowed = ", ".join(kind.initial_statuses)
        raise Invalid(f"status_id must be one of {allowed} for a {kind.wrapper.replace('_', ' ')}.", "status_id")
    return wanted.upper()


def _missing(kind: Kind, body: ArtefactIn) -> list[Problem]:
    needed = ["contact_id", "date"]
    if kind.kind == "PURCHASE_INVOICE":
        needed.append("due_date")
    if kind.is_quote:
        needed.append("expiry_date")
    problems = [Problem("RecordInvalid", REQUIRED, name) for name in needed if getattr(body, name) is None]
    lines = body.lines()
    converting = kind is SALES_INVOICE and body.original_quote_estimate_id
    if lines is None and not converting:
        problems.append(Problem("RecordInvalid", REQUIRED, kind.lines_key))
    elif lines is not None and not lines and not converting:
        problems.append(Problem("RecordInvalid", "A document needs at least one line.", kind.lines_key))
    return problems


def _number(db: Session, ctx: Context, artefact: Artefact, kind: Kind) -> None:
    """Give the next number of the kind; called only once the document is certain to be kept."""
    if kind.number_field is None or artefact.number is not None:
        return
    prefix, artefact.number = take_number(db, kind.kind, ctx.invoice_settings)
    artefact.number_prefix = prefix[:10]


def _quote(db: Session, artefact: Artefact, quote_id: str) -> Artefact:
    """The quote or estimate an invoice is made from, locked: two invoices from one quote follow one another."""
    quote = lock(db, Artefact, [quote_id]).get(quote_id)
    source = "original_quote_estimate_id"
    if quote is None or quote.kind not in QUOTE_KINDS:
        raise Invalid("Couldn't find quote or estimate.", source)
    if quote.status_id == "INVOICED":
        raise Invalid(f"{quote.document_number} has already been invoiced.", source)
    if quote.contact_id != artefact.contact_id:
        raise Invalid(f"{quote.document_number} belongs to another contact.", source)
    return quote


def _settle(db: Session, artefact: Artefact, kind: Kind, *, new: bool = False) -> None:
    """Derive paid/outstanding/status: a draft owes its total, a posted document what allocations leave."""
    if kind.posts:
        artefact.outstanding_amount = artefact.payable
        if artefact.status_id not in UNPOSTED:
            status.refresh(db, artefact, new=new)


def create(db: Session, ctx: Context, kind: Kind, body: ArtefactIn) -> Artefact:
    if problems := _missing(kind, body):
        raise Invalid(problems=problems)
    assert body.contact_id is not None and body.date is not None
    contact = find_contact(db, ctx, kind, body.contact_id)
    # The id is known before anything is written, so the document and its transaction go in one flush.
    artefact = Artefact(id=new_id(), business_id=ctx.business_id, kind=kind.kind,
                        status_id=_status(kind, body.status_id), date=body.date, currency_id="",
                        shipping_net_amount=ZERO, shipping_tax_amount=ZERO, last_paid=None)
    _take_contact(artefact, kind, contact)
    quote = _quote(db, artefact, body.original_quote_estimate_id) \
        if kind is SALES_INVOICE and body.original_quote_estimate_id else None
    lines = body.lines()
    if quote is not None:
        _inherit(artefact, quote)
    _header(artefact, body)
    _treatments(ctx, artefact, kind, body)
    apply_dates(artefact, kind, ctx, contact, body)
    apply_currency(ctx, artefact, body, contact)
    _shipping(ctx, artefact, kind, body)
    pending = copy_lines(artefact, quote, kind) if quote is not None and lines is None else \
        apply_lines(db, artefact, kind, lines or [], replace=True, rate_required=ctx.charges_vat)
    # From a quote, its shipping tax stands unless the request restates shipping.
    inherited = quote is not None and body.shipping_tax_amount is None
    figure(db, artefact, kind, pending, artefact.shipping_tax_amount if inherited else body.shipping_tax_amount,
           keep_shipping=inherited)
    _withholding(db, ctx, artefact, kind, body, new=True)
    if quote is not None:
        quote.status_id = "INVOICED"
        artefact.original_artefact_id = quote.id
    db.add(artefact)
    if kind.is_quote or artefact.status_id not in UNPOSTED:
        _number(db, ctx, artefact, kind)
    _settle(db, artefact, kind, new=True)
    if kind.posts and artefact.status_id not in UNPOSTED:
        posting.post(db, artefact, kind)  # flushes the document with its transaction: one insert each
    db.flush()
    analyse(db, kind, pending)
    db.flush()
    return artefact


def _inherit(artefact: Artefact, quote: Artefact) -> None:
    """An invoice made from a quote starts as a copy of it; the request's attributes then override."""
    for name in ("reference", "notes", "terms_and_conditions", "main_address", "delivery_address",
                 "shipping_net_amount", "shipping_tax_rate_id", "shipping_tax_amount", "currency_id",
                 "exchange_rate", "tax_address_region_id", "vat_reverse_charge", "withholding_tax_rate"):
        setattr(artefact, name, getattr(quote, name))


def _shipping(ctx: Context, artefact: Artefact, kind: Kind, body: ArtefactIn) -> bool:
    """Apply shipping attributes; True when they changed the shipping figures' inputs. Shipping a VAT-registered
    business charges on a sale names its tax rate, as its lines do (`rate_missing`): checked when it changes."""
    if not kind.has_shipping:
        return False
    before = (artefact.shipping_net_amount, artefact.shipping_tax_rate_id)
    if body.shipping_net_amount is not None:
        artefact.shipping_net_amount = body.shipping_net_amount
    if "shipping_tax_rate_id" in body.model_fields_set:
        artefact.shipping_tax_rate_id = body.shipping_tax_rate_id or None
    changed = before != (artefact.shipping_net_amount, artefact.shipping_tax_rate_id)
    if changed and artefact.shipping_net_amount and (problem := rate_missing(
            kind, ctx.charges_vat, artefact.shipping_tax_rate_id, "shipping_tax_rate_id")) is not None:
        raise Invalid(problems=[problem])
    return changed


def update(db: Session, ctx: Context, kind: Kind, artefact: Artefact, body: ArtefactIn) -> Artefact:
    if artefact.status_id == "VOID":
        raise Invalid(f"A void {kind.wrapper.replace('_', ' ')} cannot be changed.", "base")
    if kind.is_quote and artefact.status_id == "INVOICED":
        raise Invalid("An invoiced quote or estimate cannot be changed.", "base")
    paid = allocated(db, artefact.id) if kind.posts else ZERO
    contact = None
    if body.contact_id is not None and body.contact_id != artefact.contact_id:
        if paid:
            raise Invalid("The contact of a document with payments or allocations cannot be changed.", "contact_id")
        contact = find_contact(db, ctx, kind, body.contact_id)
        _take_contact(artefact, kind, contact)
    old_date, old_currency, old_rate = artefact.date, artefact.currency_id, artefact.exchange_rate
    old_cis = (artefact.base_currency_withholding_tax_amount, artefact.payable) if artefact.is_cis else None
    _header(artefact, body)
    _treatments(ctx, artefact, kind, body)
    apply_dates(artefact, kind, ctx, contact, body)
    apply_currency(ctx, artefact, body, contact)
    if paid and (artefact.currency_id, artefact.exchange_rate) != (old_currency, old_rate):
        raise Invalid("The currency of a document with payments or allocations cannot be changed.", "currency_id")
    if kind.is_quote and body.status_id is not None:
        artefact.status_id = _status(kind, body.status_id)
    shipping_changed = _shipping(ctx, artefact, kind, body) or artefact.date != old_date
    lines = body.lines()
    if lines is not None and not lines:
        raise Invalid("A document needs at least one line.", kind.lines_key)
    sent_shipping = body.shipping_tax_amount if body.shipping_tax_amount is not None else \
        (None if shipping_changed else artefact.shipping_tax_amount)
    with db.no_autoflush:  # new lines have no figures until figure() has run
        pending = keep_lines(artefact, kind) if lines is None else \
            apply_lines(db, artefact, kind, lines, replace=True, rate_required=ctx.charges_vat)
        figure(db, artefact, kind, pending, sent_shipping, keep_shipping=body.shipping_tax_amount is None)
    _withholding(db, ctx, artefact, kind, body, new=False)
    if paid > abs(artefact.payable):  # abs: a corrective invoice may be negative
        raise Invalid(f"The total cannot go below the {paid} already paid or allocated.", "base")
    if paid and old_cis and old_cis[0] and old_cis != (
            (artefact.base_currency_withholding_tax_amount, artefact.payable) if artefact.is_cis else None):
        # Its payments moved shares of the deduction to Realised worked from these figures (docs/decisions/cis.md).
        raise Invalid("The CIS deduction and total of a document with payments or allocations cannot be changed; "
                      "delete them first.", "base")
    db.flush()
    analyse(db, kind, pending)
    if kind.posts and artefact.status_id not in UNPOSTED:
        posting.repost(db, artefact, kind, paid=bool(paid))
    _settle(db, artefact, kind)
    db.flush()
    return artefact


def release(db: Session, ctx: Context, kind: Kind, artefact: Artefact) -> Artefact:
    """A draft (or pro-forma) becomes a numbered, posted document."""
    if artefact.status_id not in UNPOSTED:
        raise Invalid(f"Only a draft can be released; this one is {artefact.status_id}.", "status")
    artefact.status_id = "UNPAID"
    _number(db, ctx, artefact, kind)
    db.flush()
    posting.post(db, artefact, kind)
    _settle(db, artefact, kind)
    db.flush()
    return artefact


def void(db: Session, kind: Kind, artefact: Artefact, reason: str | None, *, reason_required: bool) -> Artefact:
    """Cancel a posted document: its transaction is reversed and it stays, marked VOID."""
    if artefact.status_id == "VOID":
        raise Invalid("The document is already void.", "base")
    if not reason and reason_required:
        raise Invalid("void_reason is required to void a document that is not a draft.", "void_reason")
    if reason and len(reason) > 200:
        raise Invalid("void_reason is limited to 200 characters.", "void_reason")
    posting.guard(db, artefact, kind)
    if allocated(db, artefact.id):
        raise Invalid("The document has payments or allocations; delete them before voiding it.", "base")
    _unlink_quote(db, artefact)  # before posting: rows are locked before the business's writer lock
    posting.cancel(db, artefact)
    artefact.status_id = "VOID"
    artefact.void_reason = reason
    artefact.outstanding_amount = ZERO
    db.flush()
    return artefact


def _unlink_quote(db: Session, artefact: Artefact) -> None:
    """A voided or deleted invoice gives its quote back (locked first): the quote may be invoiced again."""
    if artefact.kind == "SALES_INVOICE" and artefact.original_artefact_id:
        quote = lock(db, Artefact, [artefact.original_artefact_id]).get(artefact.original_artefact_id)
        if quote is not None and quote.status_id == "INVOICED":
            quote.status_id = "PENDING"


def before_delete(db: Session, artefact: Artefact) -> None:
    """What deleting a draft, quote or estimate undoes besides the row itself."""
    _unlink_quote(db, artefact)
