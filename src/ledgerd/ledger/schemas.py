"""Request bodies of the ledger resources (ledger accounts, tax rates, ledger account opening balances)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.limits import MAX_LINES, DateTime, Day, Integer, Percentage
from ledgerd.limits import NonNegativeAmount as Amount


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class LedgerAccountUpdate(_Body):
    ledger_account_type_id: str | None = None
    included_in_chart: bool | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    display_name: str | None = Field(None, min_length=1, max_length=200)
    nominal_code: Integer | None = Field(None, ge=1, le=99_999_999)
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
    control_name: str | None = Field(None, max_length=255)
    tax_recoverable: bool | None = None
    recoverable_percentage: Percentage | None = None
    non_recoverable_ledger_account_id: str | None = None
    cis_materials: bool | None = None
    cis_labour: bool | None = None
    gifi_code: Integer | None = Field(None, ge=1000, le=9999)


class LedgerAccountCreate(LedgerAccountUpdate):
    ledger_account_type_id: str
    included_in_chart: bool
    name: str = Field(min_length=1, max_length=200)
    display_name: str = Field(min_length=1, max_length=200)
    nominal_code: Integer = Field(ge=1, le=99_999_999)


class ComponentTaxRateIn(_Body):
    name: str = Field(min_length=1, max_length=100)
    agency: str | None = Field(None, max_length=100)
    percentage: Percentage = Decimal(0)


class TaxRateCreate(_Body):
    name: str = Field(min_length=1, max_length=100)
    agency: str | None = Field(None, max_length=100)
    is_visible: bool = True
    # Not in Sage's postTaxRates: the percentage of a rate without components (else it starts at 0%).
    percentage: Percentage | None = None
    component_tax_rate: list[ComponentTaxRateIn] | None = Field(None, max_length=MAX_LINES)


class TaxRateUpdate(_Body):
    name: str | None = Field(None, min_length=1, max_length=100)
    agency: str | None = Field(None, max_length=100)
    percentage: Percentage | None = None
    from_date: DateTime | Day | None = None
    is_visible: bool | None = None


class LedgerAccountOpeningBalanceUpdate(_Body):
    ledger_account_id: str | None = None
    debit: Amount | None = None
    credit: Amount | None = None
    details: str | None = Field(None, max_length=255)


class LedgerAccountOpeningBalanceCreate(LedgerAccountOpeningBalanceUpdate):
    ledger_account_id: str
    debit: Amount
    credit: Amount
