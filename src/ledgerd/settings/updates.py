"""What a PUT of each settings singleton stores: the rules of `/financial_settings`, `/invoice_settings`,
`/business_settings`, `/email_settings`, `/cis_settings`, `/datev_settings` and `/migrations`.

Each `*_changes(db, country, now, body)` takes the validated body and answers the changes to store in the
business's settings document (raising ledgerd.errors naming the field); the HTTP layer (api/resources/
settings_singleton.Singleton) locks the settings row first, stores the changes and answers the document again.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.contacts.models import Contact
from ledgerd.errors import Invalid
from ledgerd.ledger.models import LedgerAccount
from ledgerd.regions.data import lookups, region_lookups
from ledgerd.settings import service, tax_profiles
from ledgerd.settings.defaults import REGIONAL_FIELDS, email_messages, listed, region_settings
from ledgerd.settings.migrations import migration_changes as _migration_changes
from ledgerd.settings.schemas import (
    BusinessSettingsUpdate,
    CisSettingsUpdate,
    DatevSettingsUpdate,
    EmailSettingsUpdate,
    FinancialSettingsUpdate,
    InvoiceSettingsUpdate,
    MigrationUpdate,
)


def given(body: BaseModel, nullable: Collection[str] = ()) -> dict[str, Any]:
    """The fields a PUT body sets: null clears the `nullable` ones and leaves the others unchanged."""
    return {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k in nullable}


def _stored_value(value: Any) -> Any:
    """Dates and decimals are stored as strings in the JSON documents."""
    return value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, Decimal) else value


# --- /financial_settings ----------------------------------------------------------------------------------------

_NULLABLE_FINANCIAL = frozenset({"year_end_lockdown_date", "accounts_start_date", "tax_scheme_id",
                                 "tax_return_frequency_id", "tax_number", "general_tax_number", "tax_office_id",
                                 "flat_rate_tax_percentage", "recoverable_percentage", "sales_tax_calculation",
                                 "purchase_tax_calculation", "tax_return_period_end_month"})


def _one_of(country: str, name: str, value: str, source: str, what: str) -> None:
    """`value` must be an id of the country's reference list `name` (`/tax_schemes`, …); 422 on `source`."""
    allowed = [item["id"] for item in region_lookups(country).get(name, ())]
    if not allowed:
        raise Invalid(f"{what} are not used in {country}.", source)
    if value not in allowed:
        raise Invalid(f"must be one of {', '.join(allowed)}.", source)


def financial_changes(db: Session, country: str, now: datetime, body: FinancialSettingsUpdate) -> dict[str, Any]:
    changes = given(body, _NULLABLE_FINANCIAL)
    current = service.financial(db, now.date())
    currency = changes.get("base_currency_id")
    if currency is not None:
        currency = changes["base_currency_id"] = currency.upper()
        if not service.currency_known(currency):
            raise Invalid(f"Currency {currency} is not known.", "base_currency_id")
        if currency != current["base_currency_id"] and service.has_transactions(db):
            raise Invalid("The base currency cannot change once the business has transactions.", "base_currency_id")
    year_end = changes.get("year_end_date") or date.fromisoformat(current["year_end_date"])
    lockdown = changes.get("year_end_lockdown_date", service.stored_day(current["year_end_lockdown_date"]))
    if lockdown is not None and lockdown >= year_end:
        raise Invalid("must be before the year end date.", "year_end_lockdown_date")
    for key, name, what in (("tax_scheme_id", "tax_schemes", "Tax schemes"),
                            ("tax_return_frequency_id", "tax_return_frequencies", "Tax return frequencies")):
        if changes.get(key) is not None:
            _one_of(country, name, changes[key], key, what)
    # The flat rate percentage belongs to a flat rate scheme: it goes when the scheme stops being one (switching
    # back to STANDARD), and one sent with another scheme is not kept.
    scheme = changes.get("tax_scheme_id", current["tax_scheme_id"])
    if not str(scheme or "").startswith("FLAT_RATE") and (
            current["flat_rate_tax_percentage"] is not None or changes.get("flat_rate_tax_percentage") is not None):
        changes["flat_rate_tax_percentage"] = None
    out = {key: _stored_value(value) for key, value in changes.items()}
    if changes.get("year_end_date") is not None:
        out.update(service.year_end_changes(db, now.date(), changes["year_end_date"]))
        out.update(_vat_periods_stay(current, out))
    return out


def _vat_periods_stay(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """VAT periods do not follow a changed year end: a business filing returns in periods that ended on its old
    year end (no period end month chosen) keeps that month."""
    if "tax_return_period_end_month" in changes or current["tax_return_period_end_month"]:
        return {}
    if not changes.get("tax_return_frequency_id", current["tax_return_frequency_id"]):
        return {}
    old = date.fromisoformat(current["year_end_date"])
    if changes["year_end_date"] == old.isoformat() or old.day != calendar.monthrange(old.year, old.month)[1]:
        return {}
    return {"tax_return_period_end_month": old.month}


def financial_saved(db: Session, country: str, now: datetime, changes: dict[str, Any]) -> None:
    """The primary tax profile shows the registration too: stamp it changed when that changed."""
    if changes.keys() & set(tax_profiles.REGISTRATION):
        tax_profiles.touch_primary(db, country, now)


# --- /invoice_settings ------------------------------------------------------------------------------------------

# Wire field → the numbering sequence it moves.
_NUMBERS = {"next_invoice_number": "SALES_INVOICE", "next_credit_note_number": "SALES_CREDIT_NOTE",
            "next_quote_number": "SALES_QUOTE", "next_sales_corrective_invoice_number": "SALES_CORRECTIVE_INVOICE"}
_NULLABLE_INVOICE = frozenset({"late_payment_percentage", "prompt_payment_percentage", "insurer_id", "insurance_area",
                               "insurance_type", "insurance_text", "payment_bank_account_id"})
# Corrective invoices exist only in Spain: elsewhere their fields are ignored.
_CORRECTIVE = frozenset({"sales_corrective_invoice_number_prefix", "next_sales_corrective_invoice_number"})


def invoice_changes(db: Session, country: str, now: datetime, body: InvoiceSettingsUpdate) -> dict[str, Any]:
    """The invoice settings to store; numbers move their sequences at once. The payment bank account is
    banking's to check (banking.service.find), before."""
    sent = body.model_dump(exclude_unset=True)
    if sent.get("insurer_id") and db.get(Contact, sent["insurer_id"]) is None:
        raise Invalid("Couldn't find contact.", "insurer_id")
    current = service.invoice(db)
    out: dict[str, Any] = {}
    for key, value in sent.items():
        if key in _CORRECTIVE and country != "ES":
            continue
        if key in _NUMBERS:
            if value is not None:
                service.set_next_number(db, service.sequence(db, _NUMBERS[key]), value, key)
        elif isinstance(value, dict):
            out[key] = {**current[key], **{k: v for k, v in value.items() if v is not None}}
        elif value is not None or key in _NULLABLE_INVOICE:
            out[key] = _stored_value(value)
    return out


# --- /business_settings -----------------------------------------------------------------------------------------

# Wire field → the static list its id comes from (stored as `<field>_id`).
LISTS = {"business_activity_type": "business_activity_types", "legal_form_type": "legal_form_types",
         "business_type": "business_types", "country_of_registration": "countries_of_registration"}
# Fields a PUT may clear with null (for the others null means "unchanged").
_NULLABLE_BUSINESS = frozenset({"siret", "rcs_number", "share_capital", "business_activity_type_id",
                                "legal_form_type_id", "business_type_id", "country_of_registration_id"})


def _siret_valid(siret: str) -> bool:
    """Luhn checksum of the 14 digits; La Poste's establishments (SIREN 356000000) use a digit sum instead."""
    if siret.startswith("356000000"):
        return sum(int(d) for d in siret) % 5 == 0
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(siret)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def _ledger_changes(db: Session, sent: dict[str, str | None]) -> dict[str, str]:
    """The business's ledger account choices after a PUT (null goes back to the region's default)."""
    chosen = dict(service.stored(db, "business").get("default_ledger_accounts", {}))
    wanted = {v for v in sent.values() if v}
    found = set(db.scalars(select(LedgerAccount.id).where(LedgerAccount.id.in_(wanted)))) if wanted else set()
    for key, account_id in sent.items():
        role = key.removesuffix("_ledger_account_id")
        if account_id is None:
            chosen.pop(role, None)
        elif account_id not in found:
            raise Invalid("Couldn't find ledger account.", f"default_ledger_accounts.{key}")
        else:
            chosen[role] = account_id
    return chosen


def business_changes(db: Session, country: str, now: datetime, body: BusinessSettingsUpdate) -> dict[str, Any]:
    offered = region_settings(country).offered
    out: dict[str, Any] = {}
    for key, value in given(body, _NULLABLE_BUSINESS).items():
        name = key.removesuffix("_id")
        if name in REGIONAL_FIELDS and name not in offered:
            continue  # a field this region does not have
        if key == "default_ledger_accounts":
            out[key] = _ledger_changes(db, value)
        elif name in LISTS and value is not None and listed(LISTS[name], value) is None:
            raise Invalid(f"{value} is not one of the {LISTS[name].replace('_', ' ')}.", key)
        elif key == "siret" and value is not None and not _siret_valid(value):
            raise Invalid("is not a valid SIRET number (its check digit is wrong).", key)
        else:
            out[key] = _stored_value(value)
    return out


# --- /email_settings --------------------------------------------------------------------------------------------

_LOCALE = re.compile(r"^[a-z]{2}-[A-Z]{2}$")


def email_default_messages(db: Session, country: str) -> list[dict[str, str]]:
    """The messages the business set, else those of its locale's language (data/common/settings.toml)."""
    stored: list[dict[str, str]] | None = service.stored(db, "email").get("default_messages")
    return stored if stored is not None else email_messages(region_settings(country).locale)


def _merged(db: Session, country: str, sent: list[dict[str, str]]) -> list[dict[str, str]]:
    """The messages after a PUT: each given one replaces the message of its type and locale, or is added."""
    types = {m["message_type"] for m in lookups().get("email_messages", ())}
    languages = {m["language"] for m in lookups().get("email_messages", ())}
    out = [dict(m) for m in email_default_messages(db, country)]
    for index, message in enumerate(sent):
        if message["message_type"] not in types:
            raise Invalid(f"must be one of {', '.join(sorted(types))}.", f"default_messages[{index}].message_type")
        if not _LOCALE.match(message["locale"]) or message["locale"][:2] not in languages:
            raise Invalid("is not a supported locale (en-GB, fr-FR, es-ES, de-DE, …).",
                          f"default_messages[{index}].locale")
        key = (message["message_type"], message["locale"])
        current = next((m for m in out if (m["message_type"], m["locale"]) == key), None)
        if current is None:
            out.append(dict(message))
        else:
            current["message"] = message["message"]
    return out


def email_changes(db: Session, country: str, now: datetime, body: EmailSettingsUpdate) -> dict[str, Any]:
    changes = {k: v for k, v in given(body).items() if k != "default_messages"}
    if body.default_messages is not None:
        changes["default_messages"] = _merged(db, country, [m.model_dump() for m in body.default_messages])
    return changes


# --- /cis_settings and /datev_settings --------------------------------------------------------------------------

# The deduction a registered subcontractor suffers unless HMRC grants gross payment status.
CIS_DEFAULT_RATE = "GB_CIS_REGISTERED"
_CIS_NULLABLE = frozenset({"unique_tax_reference", "accounts_office_reference", "paye_reference", "tax_rate_id"})
# What HMRC issues a contractor (PAYE scheme) and every CIS party (UTR); checked once the role is on.
_CONTRACTOR_NEEDS = ("unique_tax_reference", "accounts_office_reference", "paye_reference")
DATEV_DEFAULTS: dict[str, Any] = {"tax_consultant_number": None, "client_number": None,
                                  "next_customer_number": 10000, "next_supplier_number": 70000}


def cis(db: Session) -> dict[str, Any]:
    """The CIS settings with defaults filled in."""
    return {"unique_tax_reference": None, "contractor": False, "subcontractor": False,
            "accounts_office_reference": None, "paye_reference": None, "tax_rate_id": None,
            **service.stored(db, "cis")}


def cis_changes(db: Session, country: str, now: datetime, body: CisSettingsUpdate) -> dict[str, Any]:
    changes = given(body, _CIS_NULLABLE)
    if changes.get("tax_rate_id") is not None and listed("cis_deduction_rates", changes["tax_rate_id"]) is None:
        raise Invalid("is not a CIS deduction rate.", "tax_rate_id")
    after = {**cis(db), **changes}
    if after["contractor"]:
        for key in _CONTRACTOR_NEEDS:
            if not after[key]:
                raise Invalid("is required for a CIS contractor.", key)
    if after["subcontractor"]:
        if not after["unique_tax_reference"]:
            raise Invalid("is required for a CIS subcontractor.", "unique_tax_reference")
        changes["tax_rate_id"] = after["tax_rate_id"] or CIS_DEFAULT_RATE
    else:
        changes["tax_rate_id"] = None  # only subcontractors suffer deductions
    return changes


def datev(db: Session) -> dict[str, Any]:
    """The DATEV settings with defaults filled in."""
    return {**DATEV_DEFAULTS, **service.stored(db, "datev")}


def datev_changes(db: Session, country: str, now: datetime, body: DatevSettingsUpdate) -> dict[str, Any]:
    # The registration numbers may be cleared with null; the next numbers only changed.
    return given(body, ("tax_consultant_number", "client_number"))


# --- /migrations ------------------------------------------------------------------------------------------------

def migration_changes(db: Session, country: str, now: datetime, body: MigrationUpdate) -> dict[str, Any]:
    return _migration_changes(service.stored(db, "migration"), body, now)
