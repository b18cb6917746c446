"""Financial and invoice settings: region defaults under what the business stored, validation, numbering.

The singletons are JSON documents in `BusinessSettings`, stored with Sage's request names
(`base_currency_id`, `customer_credit_days`, …) and dates/decimals as strings, except a few keys the region
seed files name differently (`sales_invoice_prefix` for `sales_invoice_number_prefix`, …): those keep the seed
name in storage, so code reading the document directly finds them; `financial` and `invoice` answer with
Sage's names only. Document numbers come from gap-free counters (`take_number`).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledgerd.db.counters import next_value as counter_next
from ledgerd.db.counters import peek, set_at_least
from ledgerd.db.locks import for_change
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.ledger.models import Transaction
from ledgerd.limits import LAST_DAY
from ledgerd.regions.data import RegionDataError, lookup, region
from ledgerd.settings.models import BusinessSettings

FINANCIAL_DEFAULTS: dict[str, Any] = {
    "year_end_lockdown_date": None, "accounting_type": "accrual", "accounts_start_date": None,
    "base_currency_id": None, "multi_currency_enabled": False, "use_live_exchange_rates": False,
    "tax_scheme_id": None, "tax_return_frequency_id": None, "tax_number": None, "general_tax_number": "",
    "tax_office_id": None, "default_irpf_rate": "0.0", "flat_rate_tax_percentage": None,
    "recoverable_percentage": None, "sales_tax_calculation": None, "purchase_tax_calculation": None,
    "postponed_accounting": False, "destination_vat": False,
    "default_sales_tax_rate": None, "default_purchase_tax_rate": None, "tax_return_period_end_month": None,
}

INVOICE_DEFAULTS: dict[str, Any] = {
    "separate_invoice_credit_note_numbering": True, "sales_invoice_number_prefix": "SI-",
    "sales_credit_note_number_prefix": "SCN-", "invoice_terms_and_conditions": "", "default_note_on_invoice": "",
    "default_note_on_credit_note": "", "default_note_on_estimate": "", "default_note_on_quote": "",
    "quote_number_prefix": "SQ-", "estimate_number_prefix": "SE-", "quote_default_days_to_expiry": 30,
    "estimate_default_days_to_expiry": 30, "quote_terms_and_conditions": "", "estimate_terms_and_conditions": "",
    "delivery_note_terms_and_conditions": "", "delivery_note_show_signature": False,
    "delivery_note_show_picked": False, "delivery_note_show_notes": True, "delivery_note_show_contact_details": True,
    "quick_entry_prefix": "", "late_payment_percentage": None, "prompt_payment_percentage": None,
    "show_auto_entrepreneur": False, "show_insurance": False, "insurer_id": None, "insurance_area": None,
    "insurance_type": None, "insurance_text": None, "payment_bank_account_id": None,
    "sales_corrective_invoice_number_prefix": None,
    "document_headings": {
        "sales_invoice": "Sales Invoice", "sales_credit_note": "Sales Credit Note",
        "sales_corrective_invoice": "Corrective Invoice", "sales_quote": "Sales Quote",
        "sales_estimate": "Sales Estimate", "pro_forma": "Pro-Forma Invoice", "remittance_advice": "Remittance Advice",
        "statement": "Statement", "delivery_note": "Delivery Note"},
    "line_item_titles": {"description": "Description", "unit_price": "Unit Price", "quantity": "Qty",
                         "discount": "Discount"},
    "footer_details": {"column_1": "", "column_2": "", "column_3": ""},
    "print_contact_details": {"business_name": True, "website": True, "telephone": True, "mobile": True,
                              "email_address": True, "due_date": True, "default_delivery_address": "INVOICE_ADDRESS"},
    "print_statements": {"days_overdue": True, "table_of_balances": True},
    "customer_credit_days": 30, "vendor_credit_days": 30, "customer_credit_terms": "date_from_invoice",
    "vendor_credit_terms": "date_from_payment",
}

# Storage (region seed) names → Sage's names.
_SEED_NAMES = {
    "sales_invoice_prefix": "sales_invoice_number_prefix",
    "sales_credit_note_prefix": "sales_credit_note_number_prefix",
    "sales_quote_prefix": "quote_number_prefix", "sales_estimate_prefix": "estimate_number_prefix",
    "sales_corrective_invoice_prefix": "sales_corrective_invoice_number_prefix",
    "tax_return_frequency": "tax_return_frequency_id", "tax_scheme": "tax_scheme_id",
}

# Numbered documents → the counter they draw from; `None` entries depend on the settings (see `sequence`).
SEQUENCES = ("SALES_INVOICE", "SALES_CREDIT_NOTE", "SALES_QUOTE", "SALES_ESTIMATE", "SALES_CORRECTIVE_INVOICE")
_PREFIXES = {"SALES_INVOICE": "sales_invoice_number_prefix", "SALES_CREDIT_NOTE": "sales_credit_note_number_prefix",
             "SALES_QUOTE": "quote_number_prefix", "SALES_ESTIMATE": "estimate_number_prefix",
             "SALES_CORRECTIVE_INVOICE": "sales_corrective_invoice_number_prefix"}


def stored_day(value: str | None) -> date | None:
    """A date of a settings document (stored as ISO text)."""
    return date.fromisoformat(value) if value else None


def row(db: Session, *, lock: bool = False) -> BusinessSettings:
    """The business's settings row. `lock`: for a request that changes settings, first thing (db/locks.py):
    concurrent changes then follow one another instead of each merging into what it read before the other."""
    stmt = select(BusinessSettings)
    found = db.scalars(for_change(stmt, BusinessSettings) if lock else stmt).first()
    if found is None:
        raise RuntimeError("business has no settings row")
    return found


_STORAGE_NAMES = {sage: seed for seed, sage in _SEED_NAMES.items()}


def _translated(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {_SEED_NAMES.get(k, k): v for k, v in raw.items()}


def _stored(changes: dict[str, Any]) -> dict[str, Any]:
    return {_STORAGE_NAMES.get(k, k): v for k, v in changes.items()}


# The country groups whose businesses charge a value added tax once registered: GB, IE and the EU members. US
# sales tax and Canada's GST/HST follow their own rules (rates by place of supply), outside this one.
VAT_GROUPS = frozenset({"GBIE", "EU"})
NOT_REGISTERED = "NOT_REGISTERED"


def charges_vat(country: str, stored: Mapping[str, Any]) -> bool:
    """Whether a business of `country` with these financial settings charges VAT on its sales: it is in a VAT
    country and its tax scheme is not NOT_REGISTERED (no scheme, as a German business has, counts as registered)."""
    try:
        group = region(country).country_group
    except RegionDataError:
        return False
    return group in VAT_GROUPS and _translated(stored).get("tax_scheme_id") != NOT_REGISTERED


def _year_end_on_or_after(month: int, day: int, on: date) -> date:
    def at(year: int) -> date:
        # A 29 February year end falls on the 28th in other years (any day past a month's end on its last).
        return date(year, month, min(day, calendar.monthrange(year, month)[1]))

    end = at(on.year)
    if end >= on:
        return end
    # A year that would end after ledgerd's last day ends on it.
    return at(on.year + 1) if on.year < LAST_DAY.year else LAST_DAY


def _year_end_day(stored: dict[str, Any]) -> tuple[int, int]:
    if stored.get("year_end_date"):
        end = date.fromisoformat(stored["year_end_date"])
        return end.month, end.day
    return int(stored.get("year_end_month", 12)), int(stored.get("year_end_day", 31))


# Stored beside the financial settings, not part of them.
_NOT_SHOWN = frozenset({"year_end_day", "year_end_month", "earlier_year_ends"})


def financial(db: Session, today: date) -> dict[str, Any]:
    """The financial settings with defaults filled in; `year_end_date` is the end of the current year
    unless the business set one."""
    stored = _translated(row(db).financial)
    out = {**FINANCIAL_DEFAULTS, **{k: v for k, v in stored.items() if k not in _NOT_SHOWN}}
    if not out.get("year_end_date"):
        out["year_end_date"] = _year_end_on_or_after(*_year_end_day(stored), today).isoformat()
    return out


def base_currency(db: Session) -> str:
    """The base currency of the session's business: chosen at onboarding (GBP for books that never had one)."""
    business_id = current_business(db)
    assert business_id is not None, "the session is bound to a business"
    settings = db.get(BusinessSettings, business_id)
    return str((settings.financial if settings else {}).get("base_currency_id") or "GBP")


# The longest a changed financial year may run (Companies Act 2006 s392: an accounting reference period may be
# extended to at most 18 months); docs/decisions/vat-schemes.md.
LONGEST_YEAR_MONTHS = 18


def check_currency(stored_financial: Mapping[str, Any], currency: str, base: str, source: str = "currency_id") -> None:
    """A document or payment in a currency other than the base one needs multi-currency switched on in the
    financial settings (`multi_currency_enabled`, as stored), as Sage's does."""
    if currency != base and not stored_financial.get("multi_currency_enabled"):
        raise Invalid(f"Multi-currency is not enabled: a document or payment in {currency} needs "
                      f"multi_currency_enabled in the financial settings (the base currency is {base}).", source)


def financial_year(db: Session, on: date) -> tuple[date, date]:
    """First and last day of the financial year that contains `on`."""
    return _financial_year(row(db).financial, on)


def _financial_year(stored: Mapping[str, Any], on: date) -> tuple[date, date]:
    """Years are twelve months ending on the year end's day and month, except where the year end changed:
    `earlier_year_ends` keeps the last year end before each change, and the year after it runs from there to
    the next year end set (a changed year of up to 18 months); earlier years follow the old year end."""
    ends = sorted({date.fromisoformat(d) for d in stored.get("earlier_year_ends", ())})
    if ends and stored.get("year_end_date"):
        ends.append(date.fromisoformat(stored["year_end_date"]))
    if len(ends) > 1 and ends[0] < on <= ends[-1]:
        after = max(e for e in ends if e < on)
        return after + timedelta(days=1), min(e for e in ends if e >= on)
    # Before the first change: the old year end's pattern; after the last: the current one's.
    pattern = (ends[0].month, ends[0].day) if ends and on <= ends[0] else _year_end_day(dict(stored))
    end = _year_end_on_or_after(*pattern, on)
    previous = _year_end_on_or_after(end.month, end.day, date(end.year - 1, 1, 1))
    return previous + timedelta(days=1), end


def year_end_changes(db: Session, today: date, year_end: date) -> dict[str, Any]:
    """What storing a new year end changes: the current financial year (the one containing today) now ends on
    it, longer or shorter, from the same first day; years before it keep their dates. 422 on `year_end_date`
    for a year end before that first day or making the year longer than 18 months."""
    stored = row(db).financial
    start, end = _financial_year(stored, today)
    if year_end == end:
        return {"year_end_date": year_end.isoformat()}
    if year_end < start:
        raise Invalid(f"must be on or after {start.isoformat()}, the first day of the current financial year.",
                      "year_end_date")
    latest = _months_later(start, LONGEST_YEAR_MONTHS) - timedelta(days=1)
    if year_end > latest:
        raise Invalid(f"A financial year can be at most {LONGEST_YEAR_MONTHS} months long: the current one started "
                      f"on {start.isoformat()}, so it can end on {latest.isoformat()} at the latest.", "year_end_date")
    before = start - timedelta(days=1)
    earlier = sorted({d for d in stored.get("earlier_year_ends", ()) if date.fromisoformat(d) < start}
                     | {before.isoformat()})
    return {"year_end_date": year_end.isoformat(), "earlier_year_ends": earlier}


def _months_later(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year > LAST_DAY.year:
        return LAST_DAY
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def opening_date(db: Session, today: date) -> date:
    """The day opening balances are posted on: the day before the accounts start, else today."""
    start = financial(db, today)["accounts_start_date"]
    return date.fromisoformat(start) - timedelta(days=1) if start else today


def invoice(db: Session) -> dict[str, Any]:
    """The invoice settings with defaults filled in (nested objects merged key by key)."""
    return _invoice(row(db).invoice)


def _invoice(raw: Mapping[str, Any]) -> dict[str, Any]:
    stored = _translated(raw)
    out = {**INVOICE_DEFAULTS, **stored}
    for key, default in INVOICE_DEFAULTS.items():
        if isinstance(default, dict):
            out[key] = {**default, **(stored.get(key) or {})}
    return out


# Column of `BusinessSettings` → the document it holds.
DOCUMENTS = ("financial", "invoice", "business", "cis", "datev", "email", "migration")


def stored(db: Session, document: str) -> dict[str, Any]:
    """What the business set in one singleton (no defaults)."""
    if document not in DOCUMENTS:
        raise ValueError(f"{document} is not a settings document")
    found: dict[str, Any] = getattr(row(db), document)
    return found


def save_document(db: Session, now: datetime, document: str, changes: dict[str, Any]) -> None:
    """Merge changes (by Sage's names) into one singleton and stamp its `updated_at` (documents are replaced,
    never mutated in place, so the ORM sees the change)."""
    settings = row(db)
    setattr(settings, document, {**stored(db, document), **_stored(changes), "updated_at": now.isoformat()})
    settings.updated_at = now
    db.flush()


def updated_at(db: Session, document: str) -> datetime:
    """When a singleton last changed (the business's creation until its first PUT)."""
    stamp = stored(db, document).get("updated_at")
    return datetime.fromisoformat(stamp) if stamp else row(db).created_at


def has_transactions(db: Session) -> bool:
    return bool(db.scalar(select(func.count()).select_from(select(Transaction.id).limit(1).subquery())))


# --- document numbering ---------------------------------------------------------------------------------

def sequence(db: Session, kind: str) -> str:
    """The counter a document kind draws from (`<business>:number:<kind>`): its own, except credit notes,
    which share the invoices' when `separate_invoice_credit_note_numbering` is off."""
    return _sequence(kind, invoice(db))


def _sequence(kind: str, settings: Mapping[str, Any]) -> str:
    if kind == "SALES_CREDIT_NOTE" and not settings["separate_invoice_credit_note_numbering"]:
        return "SALES_INVOICE"
    if kind not in SEQUENCES:
        raise ValueError(f"{kind} is not a numbered document")
    return kind


def _counter(db: Session, name: str) -> str:
    return f"{current_business(db)}:number:{name}"


def next_number(db: Session, sequence_name: str) -> int:
    """The number the next document of a sequence will get."""
    return peek(db, _counter(db, sequence_name)) + 1


def set_next_number(db: Session, sequence_name: str, number: int, source: str) -> None:
    """Move a sequence forward; never back, so a number is never given twice."""
    current = next_number(db, sequence_name)
    if number < current:
        raise Invalid(f"must be at least {current}: lower numbers may already be in use.", source)
    set_at_least(db, _counter(db, sequence_name), number - 1)


def take_number(db: Session, kind: str, stored_invoice: Mapping[str, Any] | None = None) -> tuple[str, int]:
    """(prefix, number) for a new document of `kind` (SALES_INVOICE, SALES_CREDIT_NOTE, SALES_QUOTE,
    SALES_ESTIMATE, SALES_CORRECTIVE_INVOICE): gap-free and safe under concurrency; a rolled-back
    request gives its number back. `stored_invoice`: the invoice settings as stored, if the caller has
    already read them."""
    settings = _invoice(row(db).invoice if stored_invoice is None else stored_invoice)
    number = counter_next(db, _counter(db, _sequence(kind, settings)))
    return str(settings.get(_PREFIXES[kind]) or ""), number


def currency_known(currency_id: str) -> bool:
    return lookup("currencies", currency_id) is not None
