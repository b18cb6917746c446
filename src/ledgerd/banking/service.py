"""Bank accounts (each backed by a BANK ledger account), transfers, cash deposits and opening balances.

Every money movement is a ledger posting; editing one reverses its transaction and posts a new one,
deleting one reverses it. A bank account's balance is the balance of its ledger account.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ledgerd.banking.models import BankAccount, BankDeposit, BankOpeningBalance, BankTransfer, default_payment_method
from ledgerd.banking.schemas import (
    BankAccountCreate,
    BankAccountUpdate,
    BankDepositCreate,
    BankOpeningBalanceCreate,
    BankOpeningBalanceUpdate,
    BankTransferCreate,
    BankTransferUpdate,
)
from ledgerd.contacts.models import Address, ContactPerson
from ledgerd.contacts.service import set_bank_account_parts
from ledgerd.db.base import new_id
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import LedgerAccount, LedgerEntry, Transaction
from ledgerd.ledger.opening_balances import post_opening, require_one_side
from ledgerd.ledger.posting import Line, post, reverse
from ledgerd.regions.data import lookup
from ledgerd.settings.service import base_currency

ZERO = Decimal(0)
CASH_IN_HAND = "CASH_IN_HAND"


def _business(db: Session) -> str:
    business_id = current_business(db)
    assert business_id is not None
    return business_id


def has_bank_account(db: Session, bank_account_id: str) -> bool:
    """Whether the session's business has this bank account."""
    bank = db.get(BankAccount, bank_account_id)
    return bank is not None and bank.business_id == current_business(db)


def find(db: Session, bank_account_id: str | None, source: str) -> BankAccount:
    """A bank account of this business, or 422 naming the field that referenced it."""
    bank = db.scalars(select(BankAccount).where(BankAccount.id == bank_account_id)).first() if bank_account_id else None
    if bank is None:
        raise Invalid("Couldn't find bank account.", source)
    return bank


def balances(db: Session, ledger_account_ids: Iterable[str]) -> dict[str, Decimal]:
    """Σ debit - Σ credit per ledger account (reversals included, so they cancel out)."""
    ids = list(set(ledger_account_ids))
    if not ids:
        return {}
    rows = db.execute(select(LedgerEntry.ledger_account_id, func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))
                      .where(LedgerEntry.ledger_account_id.in_(ids)).group_by(LedgerEntry.ledger_account_id)).all()
    found = {aid: (debit or ZERO) - (credit or ZERO) for aid, debit, credit in rows}
    return {aid: found.get(aid, ZERO) for aid in ids}


def used(db: Session, ledger_account_ids: Iterable[str]) -> set[str]:
    """The ledger accounts among these that have entries."""
    ids = list(set(ledger_account_ids))
    if not ids:
        return set()
    return set(db.scalars(select(LedgerEntry.ledger_account_id).where(LedgerEntry.ledger_account_id.in_(ids))
                          .distinct()))


def has_entries(db: Session, ledger_account_id: str) -> bool:
    return bool(db.scalar(select(func.count()).select_from(LedgerEntry)
                          .where(LedgerEntry.ledger_account_id == ledger_account_id)))


def unpost(db: Session, transaction_id: str | None) -> None:
    """Reverse a posted transaction (if there is one and it still stands)."""
    transaction = db.get(Transaction, transaction_id) if transaction_id else None
    if transaction is not None and not transaction.deleted:
        reverse(db, transaction)


# --- bank accounts -----------------------------------------------------------------------------------

def _check_lookup(name: str, value: str | None, source: str) -> None:
    if value is not None and lookup(name, value) is None:
        raise Invalid(f"{value} is not a valid {name.rstrip('s').replace('_', ' ')}.", source)


def _free_code(db: Session, wanted: int | None, exclude: str | None = None) -> int:
    def taken(code: int) -> bool:
        stmt = select(func.count()).select_from(LedgerAccount).where(LedgerAccount.nominal_code == code)
        if exclude:
            stmt = stmt.where(LedgerAccount.id != exclude)
        return bool(db.scalar(stmt))

    if wanted is not None:
        if taken(wanted):
            raise Invalid("must be unique.", "nominal_code")
        return wanted
    # New bank accounts follow the main bank account in the chart (GB 1201, 1202…; US 1011…; FR 512001…).
    code = control(db, "BANK").nominal_code + 1
    while taken(code):
        code += 1
    return code


def _apply(bank: BankAccount, body: BankAccountUpdate) -> None:
    _check_lookup("bank_account_types", body.bank_account_type_id, "bank_account_type_id")
    _check_lookup("payment_methods", body.default_payment_method_id, "default_payment_method_id")
    if body.bank_account_type_id is not None:
        bank.bank_account_type_id = body.bank_account_type_id
    if body.default_payment_method_id is not None:
        bank.default_payment_method_id = body.default_payment_method_id
    elif bank.default_payment_method_id is None and bank.bank_account_type_id is not None:
        bank.default_payment_method_id = default_payment_method(bank.bank_account_type_id)
    if body.is_active is not None:
        bank.is_active = body.is_active
    if body.bank_account_details is not None:
        bank.bank_account_details = {**bank.bank_account_details,
                                     **body.bank_account_details.model_dump(exclude_none=True)}


def _parts(bank: BankAccount, parts: tuple[Address, ContactPerson | None]) -> None:
    """Show the account its (new) main address and person without reading them back."""
    set_committed_value(bank, "main_address", parts[0])
    set_committed_value(bank, "main_contact_person", parts[1])


def create_account(db: Session, body: BankAccountCreate) -> BankAccount:
    currency = body.currency_id or base_currency(db)
    _check_lookup("currencies", currency, "currency_id")
    name = body.bank_account_details.account_name
    if body.ledger_account_id is not None:
        account = db.scalars(select(LedgerAccount).where(LedgerAccount.id == body.ledger_account_id)).first()
        if account is None or account.ledger_account_type_id != "BANK":
            raise Invalid("Couldn't find a bank ledger account.", "ledger_account_id")
        if db.scalar(select(func.count()).select_from(BankAccount)
                     .where(BankAccount.ledger_account_id == account.id)):
            raise Invalid("The ledger account already belongs to a bank account.", "ledger_account_id")
    else:
        account = LedgerAccount(business_id=_business(db), ledger_account_type_id="BANK", name=name,
                                display_name=name, nominal_code=_free_code(db, body.nominal_code),
                                included_in_chart=True, visible_in=["banking", "reporting"],
                                gifi_code=body.gifi_code)
        db.add(account)
        db.flush()
    # One flush writes the bank account, its main address and its person (one counter round trip for the three),
    # and the bank account is shown them and its ledger account without reading them back.
    bank = BankAccount(id=new_id(), business_id=_business(db), ledger_account_id=account.id,
                       bank_account_type_id=body.bank_account_type_id, bank_account_details={},
                       currency_id=currency, is_active=True)
    _apply(bank, body)
    db.add(bank)
    set_committed_value(bank, "ledger_account", account)
    _parts(bank, set_bank_account_parts(db, bank.business_id, bank.id, body.main_address, body.main_contact_person))
    return bank


def update_account(db: Session, bank: BankAccount, body: BankAccountUpdate) -> BankAccount:
    account = db.get(LedgerAccount, bank.ledger_account_id)
    assert account is not None
    if body.currency_id is not None and body.currency_id != bank.currency_id:
        _check_lookup("currencies", body.currency_id, "currency_id")
        if has_entries(db, account.id):
            raise Invalid("The currency of a bank account with transactions cannot be changed.", "currency_id")
        bank.currency_id = body.currency_id
    if body.nominal_code is not None and body.nominal_code != account.nominal_code:
        account.nominal_code = _free_code(db, body.nominal_code, exclude=account.id)
    if body.gifi_code is not None:
        account.gifi_code = body.gifi_code
    if body.bank_account_details is not None and body.bank_account_details.account_name:
        account.name = account.display_name = body.bank_account_details.account_name
    _apply(bank, body)
    db.flush()
    if body.main_address is not None or body.main_contact_person is not None:
        _parts(bank, set_bank_account_parts(db, bank.business_id, bank.id, body.main_address,
                                            body.main_contact_person, bank.main_address, bank.main_contact_person))
    return bank


def delete_account(db: Session, bank: BankAccount) -> LedgerAccount:
    """Check a bank account may go; returns its ledger account, which goes with it."""
    account = db.get(LedgerAccount, bank.ledger_account_id)
    if account is None or account.control_name is not None or has_entries(db, account.id):
        raise Invalid("A bank account with transactions, or the main bank account, cannot be deleted.", "base")
    return account


# --- transfers and deposits --------------------------------------------------------------------------

def _pair(db: Session, from_id: str | None, to_id: str | None) -> tuple[BankAccount, BankAccount]:
    source = find(db, from_id, "from_bank_account_id")
    target = find(db, to_id, "to_bank_account_id")
    if source.id == target.id:
        raise Invalid("The bank accounts must be different.", "to_bank_account_id")
    if source.currency_id != target.currency_id:
        raise Invalid("Both bank accounts must be in the same currency.", "to_bank_account_id")
    return source, target


def _move(db: Session, record: BankTransfer | BankDeposit, kind: str, origin: str, amount: Decimal,
          source: BankAccount, target: BankAccount) -> None:
    post(db, business_id=_business(db), transaction_type_id=kind, on=record.date, reference=record.reference,
         origin=(origin, record.id), lines=[Line(target.ledger_account_id, debit=amount),
                                            Line(source.ledger_account_id, credit=amount)], record=record)


def save_transfer(db: Session, transfer: BankTransfer | None,
                  body: BankTransferCreate | BankTransferUpdate) -> BankTransfer:
    source, target = _pair(db, body.from_bank_account_id or (transfer.from_bank_account_id if transfer else None),
                           body.to_bank_account_id or (transfer.to_bank_account_id if transfer else None))
    if transfer is None:
        assert isinstance(body, BankTransferCreate)
        transfer = BankTransfer(business_id=_business(db), from_bank_account_id=source.id,
                                to_bank_account_id=target.id, date=body.date, amount=body.amount)
        db.add(transfer)
    transfer.from_bank_account_id, transfer.to_bank_account_id = source.id, target.id
    for key in ("date", "amount", "reference", "description"):
        value = getattr(body, key)
        if value is not None:
            setattr(transfer, key, value)
    db.flush()
    unpost(db, transfer.transaction_id)
    _move(db, transfer, "BANK_TRANSFER", "bank_transfers", transfer.amount, source, target)
    db.flush()
    return transfer


def delete_transfer(db: Session, transfer: BankTransfer) -> None:
    unpost(db, transfer.transaction_id)


def create_deposit(db: Session, body: BankDepositCreate) -> BankDeposit:
    source, target = _pair(db, body.from_bank_account_id, body.to_bank_account_id)
    if source.bank_account_type_id != CASH_IN_HAND:
        raise Invalid("Deposits are made from a cash in hand account.", "from_bank_account_id")
    if target.bank_account_type_id == CASH_IN_HAND:
        raise Invalid("Deposits are made into a bank account, not cash in hand.", "to_bank_account_id")
    total = body.cash_amount + body.cheque_amount
    if body.total_amount is not None and body.total_amount != total:
        raise Invalid("must equal cash_amount + cheque_amount.", "total_amount")
    if total <= ZERO:
        raise Invalid("must be greater than 0.", "cash_amount")
    deposit = BankDeposit(business_id=_business(db), from_bank_account_id=source.id, to_bank_account_id=target.id,
                          date=body.date, reference=body.reference, cash_amount=body.cash_amount,
                          cheque_amount=body.cheque_amount, total_amount=total)
    db.add(deposit)
    db.flush()
    _move(db, deposit, "DEPOSIT", "bank_deposits", total, source, target)
    db.flush()
    return deposit


def delete_deposit(db: Session, deposit: BankDeposit) -> None:
    unpost(db, deposit.transaction_id)


# --- opening balances ----------------------------------------------------------------------------------

def save_opening_balance(db: Session, opening: BankOpeningBalance | None,
                         body: BankOpeningBalanceCreate | BankOpeningBalanceUpdate) -> BankOpeningBalance:
    bank = find(db, body.bank_account_id or (opening.bank_account_id if opening else None), "bank_account_id")
    other = select(func.count()).select_from(BankOpeningBalance).where(BankOpeningBalance.bank_account_id == bank.id)
    if opening is not None:
        other = other.where(BankOpeningBalance.id != opening.id)
    if db.scalar(other):
        raise Invalid("The bank account already has an opening balance.", "bank_account_id")
    if opening is None:
        assert isinstance(body, BankOpeningBalanceCreate)
        opening = BankOpeningBalance(business_id=_business(db), bank_account_id=bank.id, date=body.date,
                                     debit=body.debit, credit=body.credit)
        db.add(opening)
    opening.bank_account_id = bank.id
    for key in ("date", "debit", "credit"):
        value = getattr(body, key)
        if value is not None:
            setattr(opening, key, value)
    require_one_side(opening.debit, opening.credit)
    db.flush()
    post_opening(db, opening, ledger_account_id=bank.ledger_account_id, debit=opening.debit, credit=opening.credit,
                 on=opening.date, transaction_type_id="BANK_OPENING_BALANCE", origin="bank_opening_balances")
    db.flush()
    return opening


def delete_opening_balance(db: Session, opening: BankOpeningBalance) -> None:
    unpost(db, opening.transaction_id)
