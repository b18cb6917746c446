"""Request bodies of the ledger resources (ledger accounts, journals, opening balance journals, tax rates)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.analysis.schemas import CategoryIds

Amount = Decimal


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class LedgerAccountUpdate(_Body):
    ledger_account_type_id: str | None = None
    included_in_chart: bool | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    display_name: str | None = Field(None, min_length=1, max_length=200)
    nominal_code: int | None = Field(None, ge=1, le=99_999_999)
    ledger_account_classification_id: str | None = None
    tax_rate_id: str | None = None
    fixed_tax_rate: bool | None = None
    visible_in_banking: bool | None = None
    visible_in_expenses: bool | None = None
    visible_in_journals: bool | None = None
    visible_in_other_payments: bool | None = None
    visible_in_other_receipts: bool | None = None
    visible_in_reporting: bool | None = None
    visible_in_sales: bool | None = None
    control_name: str | None = None
    tax_recoverable: bool | None = None
    recoverable_percentage: Decimal | None = Field(None, ge=0, le=100, decimal_places=6)
    non_recoverable_ledger_account_id: str | None = None
    cis_materials: bool | None = None
    cis_labour: bool | None = None
    gifi_code: int | None = Field(None, ge=1000, le=9999)


class LedgerAccountCreate(LedgerAccountUpdate):
    ledger_account_type_id: str
    included_in_chart: bool
    name: str = Field(min_length=1, max_length=200)
    display_name: str = Field(min_length=1, max_length=200)
    nominal_code: int = Field(ge=1, le=99_999_999)


class JournalLineIn(_Body):
    ledger_account_id: str
    debit: Amount = Field(ge=0, decimal_places=2, max_digits=15)
    credit: Amount = Field(ge=0, decimal_places=2, max_digits=15)
    details: str = Field("", max_length=255)
    analysis_type_categories: CategoryIds | None = None
    include_on_tax_return: bool = False


class JournalCreate(_Body):
    date: dt.date
    reference: str = Field(min_length=1, max_length=255)
    description: str = Field("", max_length=200)
    total: Amount | None = Field(None, ge=0, decimal_places=2)
    journal_lines: list[JournalLineIn] = Field(min_length=1)


class JournalReissue(_Body):
    """`POST /journals/{key}/reissue`: whatever is given replaces the old journal's value."""

    date: dt.date | None = None
    reference: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = Field(None, max_length=200)
    total: Amount | None = Field(None, ge=0, decimal_places=2)
    journal_lines: list[JournalLineIn] | None = Field(None, min_length=1)


class OpeningBalanceLineIn(_Body):
    ledger_account_id: str
    debit: Amount = Field(ge=0, decimal_places=2, max_digits=15)
    credit: Amount = Field(ge=0, decimal_places=2, max_digits=15)
    details: str = Field("", max_length=255)


class OpeningBalanceJournalCreate(_Body):
    date: dt.date | None = None
    reference: str | None = Field(None, max_length=25)
    journal_lines: list[OpeningBalanceLineIn] = Field(min_length=1)


class ComponentTaxRateIn(_Body):
    name: str = Field(min_length=1, max_length=100)
    agency: str | None = Field(None, max_length=100)
    percentage: Decimal = Field(Decimal(0), ge=0, le=100, decimal_places=6)


class TaxRateCreate(_Body):
    name: str = Field(min_length=1, max_length=100)
    agency: str | None = Field(None, max_length=100)
    is_visible: bool = True
    # Not in Sage's postTaxRates: the percentage of a rate without components (else it starts at 0%).
    percentage: Decimal | None = Field(None, ge=0, le=100, decimal_places=6)
    component_tax_rate: list[ComponentTaxRateIn] | None = None


class TaxRateUpdate(_Body):
    name: str | None = Field(None, min_length=1, max_length=100)
    agency: str | None = Field(None, max_length=100)
    percentage: Decimal | None = Field(None, ge=0, le=100, decimal_places=6)
    from_date: dt.datetime | dt.date | None = None
    is_visible: bool | None = None


class LedgerAccountOpeningBalanceUpdate(_Body):
    ledger_account_id: str | None = None
    debit: Amount | None = Field(None, ge=0, decimal_places=2, max_digits=15)
    credit: Amount | None = Field(None, ge=0, decimal_places=2, max_digits=15)
    details: str | None = Field(None, max_length=255)


class LedgerAccountOpeningBalanceCreate(LedgerAccountOpeningBalanceUpdate):
    ledger_account_id: str
    debit: Amount = Field(ge=0, decimal_places=2, max_digits=15)
    credit: Amount = Field(ge=0, decimal_places=2, max_digits=15)
