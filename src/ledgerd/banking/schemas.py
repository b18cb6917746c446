"""Request bodies of bank accounts, transfers, deposits and bank opening balances."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ledgerd.contacts.schemas import AddressIn, BankDetailsIn, ContactPersonIn
from ledgerd.limits import Amount, Day, Integer
from ledgerd.limits import NonNegativeAmount as NonNegative
from ledgerd.limits import PositiveAmount as Positive


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class NewBankDetailsIn(BankDetailsIn):
    account_name: str = Field(min_length=1, max_length=200)


class BankAccountUpdate(_Body):
    bank_account_type_id: str | None = None
    nominal_code: Integer | None = Field(None, ge=1, le=99999999)
    default_payment_method_id: str | None = None
    gifi_code: Integer | None = Field(None, ge=0, le=999999)
    is_active: bool | None = None
    currency_id: str | None = Field(None, min_length=3, max_length=3)
    bank_account_details: BankDetailsIn | None = None
    main_address: AddressIn | None = None
    main_contact_person: ContactPersonIn | None = None


class BankAccountCreate(BankAccountUpdate):
    bank_account_type_id: str
    ledger_account_id: str | None = None
    bank_account_details: NewBankDetailsIn


class BankTransferUpdate(_Body):
    from_bank_account_id: str | None = None
    to_bank_account_id: str | None = None
    date: Day | None = None
    amount: Positive | None = None
    reference: str | None = Field(None, max_length=255)
    description: str | None = Field(None, max_length=255)


class BankTransferCreate(BankTransferUpdate):
    from_bank_account_id: str
    to_bank_account_id: str
    date: Day
    amount: Positive


class BankDepositCreate(_Body):
    from_bank_account_id: str
    to_bank_account_id: str
    date: Day
    reference: str = Field(max_length=255)
    cash_amount: NonNegative
    cheque_amount: NonNegative = Decimal(0)
    total_amount: Positive | None = None


class BankOpeningBalanceUpdate(_Body):
    bank_account_id: str | None = None
    date: Day | None = None
    debit: NonNegative | None = None
    credit: NonNegative | None = None


class BankOpeningBalanceCreate(BankOpeningBalanceUpdate):
    bank_account_id: str
    date: Day
    debit: NonNegative
    credit: NonNegative


class BankReconciliationUpdate(_Body):
    """Derived figures a client sends (totals, balances, difference) are ignored: ledgerd computes them."""

    bank_account_id: str | None = None
    statement_date: Day | None = None
    statement_end_balance: Amount | None = None
    reference: str | None = Field(None, max_length=255)
    status_id: str | None = None


class BankReconciliationCreate(BankReconciliationUpdate):
    bank_account_id: str
