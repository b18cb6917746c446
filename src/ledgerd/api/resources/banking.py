"""`/bank_accounts`, `/bank_transfers`, `/bank_deposits`, `/bank_opening_balances`: specs and wire shapes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute

from ledgerd.api import params, resource
from ledgerd.api.pipeline import BusinessCall, Call, Result
from ledgerd.api.presenters import (
    BANK_DETAIL_KEYS,
    address_link,
    bank_account_links,
    person_link,
    transaction_link,
)
from ledgerd.api.resource import Resource, forget
from ledgerd.api.resources import bank_feeds as feeds
from ledgerd.api.resources import bank_reconciliations
from ledgerd.api.resources.contact_addresses import ADDRESSES
from ledgerd.api.resources.contact_persons import CONTACT_PERSONS
from ledgerd.banking import service
from ledgerd.banking.models import BankAccount, BankDeposit, BankOpeningBalance, BankTransfer
from ledgerd.banking.schemas import (
    BankAccountCreate,
    BankAccountUpdate,
    BankDepositCreate,
    BankOpeningBalanceCreate,
    BankOpeningBalanceUpdate,
    BankTransferCreate,
    BankTransferUpdate,
)
from ledgerd.contacts import service as contacts
from ledgerd.db.deletions import Deletion
from ledgerd.lookups.lists import link

DATED_SORTS = ("created_at", "updated_at", "date")


def present_accounts(call: Call, banks: Sequence[BankAccount]) -> list[dict[str, Any]]:
    ids = [b.ledger_account_id for b in banks]
    balances, used = service.balances(call.db, ids), service.used(call.db, ids)
    out = []
    for b in banks:
        address, person = b.main_address, b.main_contact_person
        account = b.ledger_account
        ledger = {"id": account.id, "displayed_as": account.displayed_as, "$path": f"/ledger_accounts/{account.id}"}
        out.append({
            "id": b.id, "displayed_as": b.displayed_as, "$path": f"/bank_accounts/{b.id}",
            "created_at": b.created_at, "updated_at": b.updated_at, "deleted_at": None,
            "bank_account_details": {key: b.bank_account_details.get(key) for key in BANK_DETAIL_KEYS},
            "ledger_account": ledger, "bank_account_type": link("bank_account_types", b.bank_account_type_id),
            "balance": balances.get(b.ledger_account_id),
            # Links, as Sage's recorded bank accounts give them [LS]; nested_attributes expands them.
            "main_address": address_link(address) if address else None,
            "main_contact_person": person_link(person) if person else None,
            "nominal_code": account.nominal_code, "editable": True,
            "deletable": account.control_name is None and account.id not in used,
            "journal_code": None,
            "default_payment_method": link("payment_methods", b.default_payment_method_id),
            "gifi_code": account.gifi_code, "is_active": b.is_active,
            "currency": link("currencies", b.currency_id),
        })
    return out


def _create_account(call: Call, body: BankAccountCreate) -> BankAccount:
    return service.create_account(call.db, body)


def _update_account(call: Call, bank: BankAccount, body: BankAccountUpdate) -> BankAccount:
    return service.update_account(call.db, bank, body)


def _delete_account(call: BusinessCall, bank: BankAccount) -> Result | None:
    account = service.delete_account(call.db, bank)
    call.db.add(Deletion(business_id=call.business.id, resource="ledger_accounts", record_id=account.id,
                         displayed_as=account.displayed_as[:255], deleted_at=call.runtime.clock.now()))
    persons, addresses = contacts.bank_account_records(call.db, bank.id)
    for person in persons:
        forget(call, CONTACT_PERSONS, person)
    for address in addresses:
        forget(call, ADDRESSES, address)
    forget(call, BANK_ACCOUNTS, bank)
    call.db.delete(account)
    call.db.flush()
    return None


def _filter_inactive(value: str) -> Any:
    return BankAccount.is_active.is_(True) if params.boolean("filter_inactive_bank_accounts", value) \
        else BankAccount.id.is_not(None)


BANK_ACCOUNTS: Resource[BankAccount] = Resource(
    path="bank_accounts", wrapper="bank_account", model=BankAccount, present=present_accounts,
    displayed_as=lambda b: b.displayed_as,
    filters={"filter_inactive_bank_accounts": _filter_inactive},
    # No Stripe accounts or app-owned accounts exist here: the two parameters are checked and change nothing.
    query={"list": (params.Param("exclude_stripe", "boolean", "Accepted; ledgerd has no Stripe accounts."),
                    params.Param("appName", "text", "Accepted; ledgerd has no accounts owned by an app."))},
    create=_create_account, create_body=BankAccountCreate,
    update=_update_account, update_body=BankAccountUpdate, delete=_delete_account,
)


def _movement(call: Call, rows: Sequence[BankTransfer] | Sequence[BankDeposit]) -> dict[str, dict[str, str]]:
    return bank_account_links(call.db, [i for r in rows for i in (r.from_bank_account_id, r.to_bank_account_id)])


def _transfer_name(t: BankTransfer) -> str:
    return t.reference or t.description or "Bank Transfer"


def present_transfers(call: Call, transfers: Sequence[BankTransfer]) -> list[dict[str, Any]]:
    banks = _movement(call, transfers)
    return [{
        "id": t.id, "displayed_as": _transfer_name(t), "$path": f"/bank_transfers/{t.id}",
        "created_at": t.created_at, "updated_at": t.updated_at,
        "transaction": transaction_link(t.transaction_id, _transfer_name(t)),
        "transaction_type": link("transaction_types", "BANK_TRANSFER"), "deleted_at": None,
        "from_bank_account": banks.get(t.from_bank_account_id), "to_bank_account": banks.get(t.to_bank_account_id),
        "date": t.date, "reference": t.reference, "amount": t.amount, "description": t.description,
    } for t in transfers]


BANK_TRANSFERS: Resource[BankTransfer] = Resource(
    path="bank_transfers", wrapper="bank_transfer", model=BankTransfer, present=present_transfers,
    displayed_as=_transfer_name, sorts={name: getattr(BankTransfer, name) for name in DATED_SORTS},
    date_column=BankTransfer.date,
    create_body=BankTransferCreate, create=lambda call, body: service.save_transfer(call.db, None, body),
    update_body=BankTransferUpdate, update=lambda call, t, body: service.save_transfer(call.db, t, body),
    delete=lambda call, t: _forget_after(call, BANK_TRANSFERS, t, service.delete_transfer),
)


def present_deposits(call: Call, deposits: Sequence[BankDeposit]) -> list[dict[str, Any]]:
    banks = _movement(call, deposits)
    return [{
        "id": d.id, "displayed_as": d.reference or "Bank Deposit", "$path": f"/bank_deposits/{d.id}",
        "created_at": d.created_at, "updated_at": d.updated_at,
        "transaction": transaction_link(d.transaction_id, d.reference or "Bank Deposit"),
        "transaction_type": link("transaction_types", "DEPOSIT"), "deleted_at": None,
        "from_bank_account": banks.get(d.from_bank_account_id), "to_bank_account": banks.get(d.to_bank_account_id),
        "date": d.date, "reference": d.reference, "cash_amount": d.cash_amount, "cheque_amount": d.cheque_amount,
        "total_amount": d.total_amount,
    } for d in deposits]


BANK_DEPOSITS: Resource[BankDeposit] = Resource(
    path="bank_deposits", wrapper="bank_deposit", model=BankDeposit, present=present_deposits,
    displayed_as=lambda d: d.reference or "Bank Deposit",
    sorts={name: getattr(BankDeposit, name) for name in DATED_SORTS}, date_column=BankDeposit.date,
    create_body=BankDepositCreate, create=lambda call, body: service.create_deposit(call.db, body),
    delete=lambda call, d: _forget_after(call, BANK_DEPOSITS, d, service.delete_deposit),
)


def present_openings(call: Call, openings: Sequence[BankOpeningBalance]) -> list[dict[str, Any]]:
    banks = bank_account_links(call.db, [o.bank_account_id for o in openings])
    return [{
        "id": o.id, "displayed_as": "Bank Opening Balance", "$path": f"/bank_opening_balances/{o.id}",
        "created_at": o.created_at, "updated_at": o.updated_at,
        "transaction": transaction_link(o.transaction_id, "Opening Balance"),
        "transaction_type": link("transaction_types", "BANK_OPENING_BALANCE"),
        "bank_account": banks.get(o.bank_account_id), "date": o.date, "debit": o.debit, "credit": o.credit,
    } for o in openings]


BANK_OPENING_BALANCES: Resource[BankOpeningBalance] = Resource(
    path="bank_opening_balances", wrapper="bank_opening_balance", model=BankOpeningBalance,
    present=present_openings, displayed_as=lambda o: "Bank Opening Balance",
    filters={"bank_account_id": lambda v: BankOpeningBalance.bank_account_id == v},
    create_body=BankOpeningBalanceCreate, create=lambda call, body: service.save_opening_balance(call.db, None, body),
    update_body=BankOpeningBalanceUpdate, update=lambda call, o, body: service.save_opening_balance(call.db, o, body),
    delete=lambda call, o: _forget_after(call, BANK_OPENING_BALANCES, o, service.delete_opening_balance),
)


def _forget_after(call: BusinessCall, spec: Resource[Any], obj: Any, undo: Any) -> Result | None:
    undo(call.db, obj)
    forget(call, spec, obj)
    return None


routes: list[BaseRoute] = [
    *resource.routes(BANK_ACCOUNTS), *resource.routes(BANK_TRANSFERS), *resource.routes(BANK_DEPOSITS),
    *resource.routes(BANK_OPENING_BALANCES), *bank_reconciliations.routes, *feeds.routes,
]
