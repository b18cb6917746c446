"""`/financial_settings` and `/invoice_settings`: per-business singletons (GET, PUT), in Sage's key order; `routes`
also mounts the other settings endpoints of this package (one module each)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.api.resources import business_settings as business
from ledgerd.api.resources import email_settings as email
from ledgerd.api.resources import hosted_payment_settings as hosted_payments
from ledgerd.api.resources import migration_settings, tax_determinations, tax_profiles
from ledgerd.api.resources import statutory_settings as statutory
from ledgerd.api.validation import parse_body
from ledgerd.banking.models import BankAccount
from ledgerd.contacts.models import Contact
from ledgerd.errors import Invalid
from ledgerd.ledger.models import LedgerAccount
from ledgerd.lookups.lists import link
from ledgerd.regions.data import region_lookups
from ledgerd.settings import service
from ledgerd.settings.schemas import FinancialSettingsUpdate, InvoiceSettingsUpdate
from ledgerd.tenancy.service import select_business


def _one_of(country: str, name: str, value: str, source: str, what: str) -> None:
    """`value` must be an id of the country's reference list `name` (`/tax_schemes`, …); 422 on `source`."""
    allowed = [item["id"] for item in region_lookups(country).get(name, ())]
    if not allowed:
        raise Invalid(f"{what} are not used in {country}.", source)
    if value not in allowed:
        raise Invalid(f"must be one of {', '.join(allowed)}.", source)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _decimal(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def _financial_wire(call: Call) -> dict[str, Any]:
    assert call.business is not None
    data = service.financial(call.db, call.runtime.clock.now().date())
    country = call.business.country_id
    gb = country == "GB"
    return {
        "$path": "/financial_settings", "year_end_date": _day(data["year_end_date"]),
        "year_end_lockdown_date": _day(data["year_end_lockdown_date"]), "accounting_type": data["accounting_type"],
        "accounts_start_date": _day(data["accounts_start_date"]),
        "base_currency": link("currencies", data["base_currency_id"]),
        "multi_currency_enabled": data["multi_currency_enabled"],
        "use_live_exchange_rates": data["use_live_exchange_rates"],
        # ledgerd never connects to HMRC: Making Tax Digital is unavailable for GB and meaningless elsewhere.
        "mtd_activation_status": "mtd_unavailable" if gb else None, "mtd_connected": False,
        "mtd_authenticated_date": None,
        "tax_scheme": link("tax_schemes", data["tax_scheme_id"], country),
        "tax_return_frequency": link("tax_return_frequencies", data["tax_return_frequency_id"], country),
        "tax_number": data["tax_number"], "general_tax_number": data["general_tax_number"],
        "tax_office": link("tax_offices", data["tax_office_id"], country),
        "default_irpf_rate": _decimal(data["default_irpf_rate"]),
        "flat_rate_tax_percentage": _decimal(data["flat_rate_tax_percentage"]),
        "recoverable_percentage": _decimal(data["recoverable_percentage"]),
        "sales_tax_calculation": data["sales_tax_calculation"],
        "purchase_tax_calculation": data["purchase_tax_calculation"],
        "updated_at": service.updated_at(call.db, "financial"),
        "postponed_accounting": data["postponed_accounting"], "destination_vat": data["destination_vat"],
    }


_NULLABLE_FINANCIAL = frozenset({"year_end_lockdown_date", "accounts_start_date", "tax_scheme_id",
                                 "tax_return_frequency_id", "tax_number", "general_tax_number", "tax_office_id",
                                 "flat_rate_tax_percentage", "recoverable_percentage", "sales_tax_calculation",
                                 "purchase_tax_calculation"})


def _financial_changes(call: Call, body: FinancialSettingsUpdate) -> dict[str, Any]:
    assert call.business is not None
    given = {k: v for k, v in body.model_dump(exclude_unset=True).items()
             if v is not None or k in _NULLABLE_FINANCIAL}
    current = service.financial(call.db, call.runtime.clock.now().date())
    country = call.business.country_id
    currency = given.get("base_currency_id")
    if currency is not None:
        currency = given["base_currency_id"] = currency.upper()
        if not service.currency_known(currency):
            raise Invalid(f"Currency {currency} is not known.", "base_currency_id")
        if currency != current["base_currency_id"] and service.has_transactions(call.db):
            raise Invalid("The base currency cannot change once the business has transactions.", "base_currency_id")
    year_end = given.get("year_end_date") or date.fromisoformat(current["year_end_date"])
    lockdown = given.get("year_end_lockdown_date", _day(current["year_end_lockdown_date"]))
    if lockdown is not None and lockdown >= year_end:
        raise Invalid("must be before the year end date.", "year_end_lockdown_date")
    for key, name, what in (("tax_scheme_id", "tax_schemes", "Tax schemes"),
                            ("tax_return_frequency_id", "tax_return_frequencies", "Tax return frequencies")):
        if given.get(key) is not None:
            _one_of(country, name, given[key], key, what)
    out: dict[str, Any] = {}
    for key, value in given.items():
        out[key] = value.isoformat() if isinstance(value, date) else str(value) if isinstance(value, Decimal) else value
    return out


def _get_financial(call: Call) -> Result:
    assert call.business is not None
    return Result(_financial_wire(call), business_id=call.business.id)


def _put_financial(call: Call) -> Result:
    assert call.business is not None
    service.row(call.db, lock=True)
    changes = _financial_changes(call, parse_body(call.body, "financial_settings", FinancialSettingsUpdate))
    service.save(call.db, call.runtime.clock.now(), financial_changes=changes)
    if changes.keys() & {"tax_number", "tax_return_frequency_id"}:
        tax_profiles.touch_primary(call.db, call.business.country_id, call.runtime.clock.now())
    return Result(_financial_wire(call), business_id=call.business.id)


def _bank_account_link(call: Call, bank_account_id: str | None) -> dict[str, str] | None:
    account = call.db.get(BankAccount, bank_account_id) if bank_account_id else None
    if account is None:
        return None
    ledger = call.db.get(LedgerAccount, account.ledger_account_id)
    shown = ledger.displayed_as if ledger else account.bank_account_details.get("account_name", "")
    return {"id": account.id, "displayed_as": shown, "$path": f"/bank_accounts/{account.id}"}


def _contact_link(call: Call, contact_id: str | None) -> dict[str, str] | None:
    contact = call.db.get(Contact, contact_id) if contact_id else None
    if contact is None:
        return None
    return {"id": contact.id, "displayed_as": contact.displayed_as, "$path": f"/contacts/{contact.id}"}


def _invoice_wire(call: Call) -> dict[str, Any]:
    assert call.business is not None
    db = call.db
    data = service.invoice(db)
    spain = call.business.country_id == "ES"
    return {
        "$path": "/invoice_settings",
        "next_invoice_number": service.next_number(db, "SALES_INVOICE"),
        "next_credit_note_number": service.next_number(db, service.sequence(db, "SALES_CREDIT_NOTE")),
        **{k: data[k] for k in (
            "separate_invoice_credit_note_numbering", "sales_invoice_number_prefix",
            "sales_credit_note_number_prefix", "invoice_terms_and_conditions", "default_note_on_invoice",
            "default_note_on_credit_note", "default_note_on_estimate", "default_note_on_quote")},
        "next_quote_number": service.next_number(db, "SALES_QUOTE"),
        **{k: data[k] for k in (
            "quote_number_prefix", "estimate_number_prefix", "quote_default_days_to_expiry",
            "estimate_default_days_to_expiry", "quote_terms_and_conditions", "estimate_terms_and_conditions",
            "delivery_note_terms_and_conditions", "delivery_note_show_signature", "delivery_note_show_picked",
            "delivery_note_show_notes", "delivery_note_show_contact_details", "quick_entry_prefix")},
        "late_payment_percentage": _decimal(data["late_payment_percentage"]),
        "prompt_payment_percentage": _decimal(data["prompt_payment_percentage"]),
        "show_auto_entrepreneur": data["show_auto_entrepreneur"], "show_insurance": data["show_insurance"],
        "insurer": _contact_link(call, data["insurer_id"]), "insurance_area": data["insurance_area"],
        "insurance_type": data["insurance_type"], "insurance_text": data["insurance_text"],
        "payment_bank_account": _bank_account_link(call, data["payment_bank_account_id"]),
        "sales_corrective_invoice_number_prefix": data["sales_corrective_invoice_number_prefix"] if spain else None,
        "next_sales_corrective_invoice_number":
            service.next_number(db, "SALES_CORRECTIVE_INVOICE") if spain else None,
        **{k: data[k] for k in ("document_headings", "line_item_titles", "footer_details", "print_contact_details",
                                "print_statements", "customer_credit_days", "vendor_credit_days",
                                "customer_credit_terms", "vendor_credit_terms")},
        "updated_at": service.updated_at(db, "invoice"),
    }


_NUMBERS = {"next_invoice_number": "SALES_INVOICE", "next_credit_note_number": "SALES_CREDIT_NOTE",
            "next_quote_number": "SALES_QUOTE", "next_sales_corrective_invoice_number": "SALES_CORRECTIVE_INVOICE"}
_NULLABLE_INVOICE = frozenset({"late_payment_percentage", "prompt_payment_percentage", "insurer_id", "insurance_area",
                               "insurance_type", "insurance_text", "payment_bank_account_id"})


def _invoice_changes(call: Call, body: InvoiceSettingsUpdate) -> dict[str, Any]:
    assert call.business is not None
    db = call.db
    given = body.model_dump(exclude_unset=True)
    if given.get("payment_bank_account_id") and db.get(BankAccount, given["payment_bank_account_id"]) is None:
        raise Invalid("Couldn't find bank account.", "payment_bank_account_id")
    if given.get("insurer_id") and db.get(Contact, given["insurer_id"]) is None:
        raise Invalid("Couldn't find contact.", "insurer_id")
    spain = call.business.country_id == "ES"
    current = service.invoice(db)
    out: dict[str, Any] = {}
    for key, value in given.items():
        if key in ("sales_corrective_invoice_number_prefix", "next_sales_corrective_invoice_number") and not spain:
            continue  # corrective invoices exist only in Spain
        if key in _NUMBERS:
            if value is not None:
                service.set_next_number(db, _NUMBERS[key], value, key)
        elif isinstance(value, dict):
            out[key] = {**current[key], **{k: v for k, v in value.items() if v is not None}}
        elif value is not None or key in _NULLABLE_INVOICE:
            out[key] = str(value) if isinstance(value, Decimal) else value
    return out


def _get_invoice(call: Call) -> Result:
    assert call.business is not None
    return Result(_invoice_wire(call), business_id=call.business.id)


def _put_invoice(call: Call) -> Result:
    assert call.business is not None
    service.row(call.db, lock=True)
    changes = _invoice_changes(call, parse_body(call.body, "invoice_settings", InvoiceSettingsUpdate))
    service.save(call.db, call.runtime.clock.now(), invoice_changes=changes)
    return Result(_invoice_wire(call), business_id=call.business.id)


def _route(path: str, get: Any, put: Any) -> list[BaseRoute]:
    return [api_route(path, get, methods=["GET"], business=True, select_business=select_business),
            api_route(path, put, methods=["PUT"], business=True, select_business=select_business)]


routes: list[BaseRoute] = [*_route("/financial_settings", _get_financial, _put_financial),
                           *_route("/invoice_settings", _get_invoice, _put_invoice),
                           *business.BUSINESS_SETTINGS.routes, *statutory.CIS_SETTINGS.routes,
                           *statutory.DATEV_SETTINGS.routes, *email.EMAIL_SETTINGS.routes,
                           *migration_settings.routes, *tax_profiles.routes, *tax_determinations.routes,
                           *hosted_payments.routes]
