"""Summaries of a business's books as they stand today: its sales invoices by state (drafts, unpaid, overdue, paid in a
period) and the dashboard's figures (bank balances, debtors, creditors, the financial year's sales, expenses and
profit). API v2 served both (`/accounts/v2/sales_invoices/summary`, `/accounts/v2/summary`; docs/legacy-v2.md);
the figures are read from what the other reports and services already keep: each invoice's status and outstanding
amount (artefacts/status.py), the aged reports and the profit and loss (service.py), bank balances
(banking/service.py). Amounts are in base currency.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, null, select, type_coerce
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Artefact
from ledgerd.banking import service as banking
from ledgerd.banking.models import BankAccount
from ledgerd.db.base import Money
from ledgerd.reports import service as reports
from ledgerd.settings.service import base_currency, financial_year

ZERO = Decimal(0)
CENT = Decimal("0.01")
OPEN = ("UNPAID", "PART_PAID")


@dataclass(frozen=True)
class Tally:
    """How many invoices, their totals and what is still owed on them (base currency)."""

    count: int = 0
    total_amount: Decimal = ZERO
    outstanding_amount: Decimal = ZERO


@dataclass(frozen=True)
class SalesInvoiceSummary:
    on: date
    from_date: date
    to_date: date
    currency_id: str
    drafts: Tally  # DRAFT: not issued, nothing posted
    unpaid: Tally  # UNPAID or PART_PAID: issued and not settled, overdue ones included
    overdue: Tally  # of those, due (the due date, else the invoice date) before `on`
    paid: Tally  # PAID, settled (last paid) from `from_date` to `to_date`


def _base(amount: Decimal, total: Decimal, base_total: Decimal) -> Decimal:
    """A foreign-currency invoice's amount at the invoice's own rate (as the aged reports convert)."""
    if total == base_total or not total:
        return amount
    return (amount * base_total / total).quantize(CENT, rounding=ROUND_HALF_UP)


def sales_invoices(db: Session, on: date, from_date: date, to_date: date) -> SalesInvoiceSummary:
    """The business's sales invoices on `on` by state, from their stored status (one grouped query)."""
    due = func.coalesce(Artefact.due_date, Artefact.date)
    state = case((Artefact.status_id == "DRAFT", "drafts"),
                 (and_(Artefact.status_id.in_(OPEN), due < on), "overdue"),
                 (Artefact.status_id.in_(OPEN), "unpaid"),
                 (and_(Artefact.status_id == "PAID", Artefact.last_paid >= from_date,
                       Artefact.last_paid <= to_date), "paid"),
                 else_=null())
    # Base-currency invoices are summed in SQL; a foreign one keeps its own row to convert at its own rate.
    foreign = case((Artefact.total_amount == Artefact.base_currency_total_amount, null()), else_=Artefact.id)
    rows = db.execute(
        select(state, foreign, func.count(), type_coerce(func.sum(Artefact.total_amount), Money),
               type_coerce(func.sum(Artefact.base_currency_total_amount), Money),
               type_coerce(func.sum(Artefact.outstanding_amount), Money))
        .where(Artefact.kind == "SALES_INVOICE", state.is_not(None))
        .group_by(state, foreign)).all()
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for name, _foreign, count, total, base_total, outstanding in rows:
        found = sums[name]
        found[0] += count
        found[1] += base_total or ZERO
        found[2] += _base(outstanding or ZERO, total or ZERO, base_total or ZERO)

    def tally(*names: str) -> Tally:
        count, total, outstanding = (sum((sums[n][i] for n in names if n in sums), ZERO) for i in range(3))
        return Tally(int(count), total, outstanding)

    return SalesInvoiceSummary(on, from_date, to_date, base_currency(db), tally("drafts"),
                               tally("unpaid", "overdue"), tally("overdue"), tally("paid"))


@dataclass(frozen=True)
class BankBalance:
    bank_account_id: str
    currency_id: str
    balance: Decimal  # in the account's currency, as /bank_accounts shows it


@dataclass(frozen=True)
class Dashboard:
    on: date
    currency_id: str
    financial_year_start: date
    financial_year_end: date
    bank_accounts: list[BankBalance]  # the active ones, in creation order
    debtors: Decimal  # what customers owe (aged debtors' total)
    overdue_debtors: Decimal  # of which past due
    creditors: Decimal  # what the business owes its suppliers (aged creditors' total)
    overdue_creditors: Decimal
    sales: Decimal  # income of the financial year to `on`
    expenses: Decimal  # expenditure of the financial year to `on`
    profit: Decimal


def dashboard(db: Session, on: date) -> Dashboard:
    """The dashboard's figures on `on`, each from the report or service that owns it."""
    start, end = financial_year(db, on)
    profit = reports.profit_and_loss(db, start, on)
    debtors = reports.aged(db, on, reports.DEBTOR_KINDS).totals
    creditors = reports.aged(db, on, reports.CREDITOR_KINDS).totals
    banks = list(db.scalars(select(BankAccount).where(BankAccount.is_active.is_(True))
                            .order_by(BankAccount.created_at, BankAccount.id)))
    balances = banking.balances(db, (bank.ledger_account_id for bank in banks))
    return Dashboard(on, base_currency(db), start, end,
                     [BankBalance(bank.id, bank.currency_id, balances[bank.ledger_account_id]) for bank in banks],
                     debtors["total"], debtors["total"] - debtors["current"], creditors["total"],
                     creditors["total"] - creditors["current"], profit.income.total, profit.expenditure.total,
                     profit.net_profit)
