"""`/financial_settings` and `/invoice_settings`: per-business singletons (GET, PUT), in Sage's key order; `routes`
also mounts the other settings endpoints of this package (one module each)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from ledgerd.api.pipeline import BusinessCall
from ledgerd.api.presenters import bank_account_links, contact_links
from ledgerd.api.resources import business_settings as business
from ledgerd.api.resources import email_settings as email
from ledgerd.api.resources import hosted_payment_settings as hosted_payments
from ledgerd.api.resources import migration_settings, tax_determinations, tax_profiles
from ledgerd.api.resources import statutory_settings as statutory
from ledgerd.api.resources.settings_singleton import Singleton
from ledgerd.banking import service as banking
from ledgerd.lookups.lists import link
from ledgerd.settings import service, updates
from ledgerd.settings.schemas import FinancialSettingsUpdate, InvoiceSettingsUpdate


def _decimal(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def _financial_wire(call: BusinessCall) -> dict[str, Any]:
    data = service.financial(call.db, call.runtime.clock.now().date())
    country = call.business.country_id
    gb = country == "GB"
    return {
        "$path": "/financial_settings", "year_end_date": service.stored_day(data["year_end_date"]),
        "year_end_lockdown_date": service.stored_day(data["year_end_lockdown_date"]),
        "accounting_type": data["accounting_type"],
        "accounts_start_date": service.stored_day(data["accounts_start_date"]),
        "base_currency": link("currencies", data["base_currency_id"]),
        "multi_currency_enabled": data["multi_currency_enabled"],
        "use_live_exchange_rates": data["use_live_exchange_rates"],
        # ledgerd never connects to HMRC: Making Tax Digital is unavailable for GB and meaningless elsewhere.
        "mtd_activation_status": "mtd_unavailable" if gb else None, "mtd_connected": False,
        "mtd_authenticated_date": "" if gb else None,
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
        "tax_return_period_end_month": data["tax_return_period_end_month"],
    }


def _invoice_wire(call: BusinessCall) -> dict[str, Any]:
    db = call.db
    data = service.invoice(db)
    insurer_id, bank_account_id = data["insurer_id"], data["payment_bank_account_id"]
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
        "insurer": contact_links(db, [insurer_id]).get(insurer_id), "insurance_area": data["insurance_area"],
        "insurance_type": data["insurance_type"], "insurance_text": data["insurance_text"],
        "payment_bank_account": bank_account_links(db, [bank_account_id]).get(bank_account_id),
        "sales_corrective_invoice_number_prefix": data["sales_corrective_invoice_number_prefix"] if spain else None,
        "next_sales_corrective_invoice_number":
            service.next_number(db, "SALES_CORRECTIVE_INVOICE") if spain else None,
        **{k: data[k] for k in ("document_headings", "line_item_titles", "footer_details", "print_contact_details",
                                "print_statements", "customer_credit_days", "vendor_credit_days",
                                "customer_credit_terms", "vendor_credit_terms")},
        "updated_at": service.updated_at(db, "invoice"),
    }


FINANCIAL_SETTINGS = Singleton("/financial_settings", "financial_settings", "financial", FinancialSettingsUpdate,
                               _financial_wire, updates.financial_changes, updates.financial_saved)
def _invoice_changes(db: Session, country: str, now: datetime, body: InvoiceSettingsUpdate) -> dict[str, Any]:
    if body.payment_bank_account_id:
        banking.find(db, body.payment_bank_account_id, "payment_bank_account_id")
    return updates.invoice_changes(db, country, now, body)


INVOICE_SETTINGS = Singleton("/invoice_settings", "invoice_settings", "invoice", InvoiceSettingsUpdate, _invoice_wire,
                             _invoice_changes)


routes: list[BaseRoute] = [*FINANCIAL_SETTINGS.routes, *INVOICE_SETTINGS.routes,
                           *business.BUSINESS_SETTINGS.routes, *statutory.CIS_SETTINGS.routes,
                           *statutory.DATEV_SETTINGS.routes, *email.EMAIL_SETTINGS.routes,
                           *migration_settings.routes, *tax_profiles.routes, *tax_determinations.routes,
                           *hosted_payments.routes]
