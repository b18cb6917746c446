"""Request bodies of contact payments, contact allocations, other payments and contact opening balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.analysis.schemas import CategoryIds
from ledgerd.limits import MAX_LINES, Amount, Day, ExchangeRate, Id, Percentage
from ledgerd.limits import NonNegativeAmount as NonNegative
from ledgerd.limits import PositiveAmount as Positive

ContactPaymentType = Literal["CUSTOMER_RECEIPT", "CUSTOMER_REFUND", "VENDOR_PAYMENT", "VENDOR_REFUND"]
AllocationType = Literal["CUSTOMER_ALLOCATION", "VENDOR_ALLOCATION"]
OtherPaymentType = Literal["OTHER_PAYMENT", "OTHER_RECEIPT"]
OpeningBalanceType = Literal["INVOICE", "CREDIT_NOTE"]
OpeningBalanceTransactionType = Literal["CUSTOMER_OPENING_BALANCE_INVOICE", "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE",
                                        "VENDOR_OPENING_BALANCE_INVOICE", "VENDOR_OPENING_BALANCE_CREDIT_NOTE"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AllocatedPaymentArtefactIn(_Body):
    artefact_id: Id
    amount: Amount
    discount: NonNegative = Decimal(0)


class PaymentOnAccountIn(_Body):
    reference: str | None = Field(None, max_length=255)
    total_amount: NonNegative | None = None


class ContactPaymentUpdate(_Body):
    transaction_type_id: ContactPaymentType | None = None
    contact_id: Id | None = None
    bank_account_id: Id | None = None
    date: Day | None = None
    total_amount: Positive | None = None
    payment_method_id: str | None = None
    currency_id: str | None = Field(None, min_length=3, max_length=3)
    exchange_rate: ExchangeRate | None = None
    base_currency_total_amount: Positive | None = None
    reference: str | None = Field(None, max_length=255)
    allocated_artefacts: list[AllocatedPaymentArtefactIn] | None = Field(None, max_length=MAX_LINES)
    payment_on_account: PaymentOnAccountIn | None = None


class ContactPaymentCreate(ContactPaymentUpdate):
    transaction_type_id: ContactPaymentType
    contact_id: Id
    bank_account_id: Id
    date: Day
    total_amount: Positive


class AllocatedArtefactIn(_Body):
    artefact_id: Id
    amount: Amount


class ContactAllocationUpdate(_Body):
    transaction_type_id: AllocationType | None = None
    contact_id: Id | None = None
    date: Day | None = None
    allocated_artefacts: list[AllocatedArtefactIn] | None = Field(None, min_length=2, max_length=MAX_LINES)


class ContactAllocationCreate(ContactAllocationUpdate):
    transaction_type_id: AllocationType
    contact_id: Id
    allocated_artefacts: list[AllocatedArtefactIn] = Field(min_length=2, max_length=MAX_LINES)


class PaymentLineIn(_Body):
    ledger_account_id: Id
    total_amount: NonNegative
    net_amount: NonNegative | None = None
    tax_amount: NonNegative | None = None
    tax_rate_id: str | None = None
    details: str | None = Field(None, max_length=255)
    # Other payments only (Sage: Canada): false claims none of the line's tax back.
    tax_recoverable: bool | None = None
    analysis_type_categories: CategoryIds | None = None


class OtherPaymentUpdate(_Body):
    transaction_type_id: OtherPaymentType | None = None
    date: Day | None = None
    total_amount: Positive | None = None
    payment_method_id: str | None = None
    contact_id: Id | None = None
    bank_account_id: Id | None = None
    reference: str | None = Field(None, max_length=255)
    payment_lines: list[PaymentLineIn] | None = Field(None, min_length=1, max_length=MAX_LINES)
    # Spanish IRPF (docs/decisions/spain.md): ES businesses only, checked by the service.
    withholding_tax_rate: Percentage | None = None
    withholding_tax_amount: Amount | None = Field(None, ge=0)


class OtherPaymentCreate(OtherPaymentUpdate):
    transaction_type_id: OtherPaymentType
    date: Day
    total_amount: Positive
    payment_lines: list[PaymentLineIn] = Field(min_length=1, max_length=MAX_LINES)


class ContactOpeningBalanceUpdate(_Body):
    contact_opening_balance_type_id: OpeningBalanceType | None = None
    transaction_type_id: OpeningBalanceTransactionType | None = None
    date: Day | None = None
    contact_id: Id | None = None
    reference: str | None = Field(None, min_length=1, max_length=25)
    details: str | None = Field(None, max_length=255)
    total_amount: Positive | None = None
    net_amount: NonNegative | None = None
    tax_rate_id: str | None = None
    tax_amount: NonNegative | None = None
    currency_id: str | None = Field(None, min_length=3, max_length=3)
    exchange_rate: ExchangeRate | None = None
    base_currency_total_amount: Positive | None = None


class ContactOpeningBalanceCreate(ContactOpeningBalanceUpdate):
    contact_opening_balance_type_id: OpeningBalanceType
    date: Day
    contact_id: Id
    reference: str = Field(min_length=1, max_length=25)
    total_amount: Positive
