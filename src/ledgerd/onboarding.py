"""Opening a business: tenancy creates it, then it gets its region's books (tax rates, chart of accounts, bank
accounts, price types, analysis types, journal codes and settings)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledgerd.analysis.journal_codes import seed_journal_codes
from ledgerd.analysis.service import seed_analysis_types
from ledgerd.banking.models import BankAccount, default_payment_method
from ledgerd.catalog.service import seed_price_types
from ledgerd.clock import Clock
from ledgerd.db.records import bind_clock
from ledgerd.db.tenancy import bind_business, current_business
from ledgerd.ledger.models import LedgerAccount, TaxRate
from ledgerd.regions.data import region
from ledgerd.settings.defaults import seed as seed_settings
from ledgerd.settings.models import BusinessSettings
from ledgerd.tenancy.models import Business, User
from ledgerd.tenancy.service import create_business


def open_business(db: Session, clock: Clock, *, owner: User, name: str, country_id: str,
                  is_demo: bool = False) -> Business:
    """A new business of `owner` with its region's books, in the caller's unit of work."""
    business = create_business(db, clock, owner=owner, name=name, country_id=country_id, is_demo=is_demo)
    seed_business(db, clock, business.id, business.country_id)
    return business


def seed_business(db: Session, clock: Clock, business_id: str, country: str) -> None:
    data = region(country)
    now = clock.now()
    previous = current_business(db)
    bind_business(db, business_id)
    bind_clock(db, clock)
    try:
        for rate in data.tax_rates:
            db.add(TaxRate(
                id=rate.id, business_id=business_id, name=rate.name, agency=rate.agency,
                percentages=[{"percentage": str(p.percentage), "from_date": p.from_date.isoformat(),
                              "to_date": p.to_date.isoformat() if p.to_date else None} for p in rate.percentages],
                label_percentage=rate.label_percentage, is_visible=rate.is_visible, retailer=rate.retailer,
                usage=list(rate.usage), address_regions=list(rate.address_regions),
                components=list(rate.components), editable=False))
        for account in data.accounts:
            ledger_account = LedgerAccount(
                business_id=business_id, ledger_account_type_id=account.type, name=account.name,
                display_name=account.display_name or account.name, nominal_code=account.nominal_code,
                visible_in=list(account.visible_in), tax_rate_id=account.tax_rate, control_name=account.control)
            db.add(ledger_account)
            if account.bank_account_type:
                db.flush()
                db.add(BankAccount(business_id=business_id, ledger_account_id=ledger_account.id,
                                   bank_account_type_id=account.bank_account_type,
                                   bank_account_details={"account_name": account.name},
                                   default_payment_method_id=default_payment_method(account.bank_account_type),
                                   currency_id=data.currency))
        seed_price_types(db, business_id, now)
        seed_analysis_types(db, business_id, now)
        seed_journal_codes(db, business_id, country, now)
        db.add(BusinessSettings(business_id=business_id, financial={"base_currency_id": data.currency,
                                                                    **data.financial_settings},
                                invoice=dict(data.invoice_settings), created_at=now, updated_at=now))
        seed_settings(db, business_id, country)
        db.flush()
    finally:
        bind_business(db, previous)
