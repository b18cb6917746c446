"""Reports in base currency: profit and loss and balance sheet from the ledger (its daily balances per
account, `LedgerBalance`), aged debtors and creditors from open documents. Each report is one grouped
query; sums stay exact (integer cents). The figures come back as plain values; api/resources/reports.py
puts them on the wire.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, null, select, type_coerce
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.contacts.models import Contact
from ledgerd.db.base import Money
from ledgerd.ledger.models import LedgerAccount, LedgerBalance, LedgerEntry, TaxRate
from ledgerd.ledger.tax_accounts import tax_account_ids
from ledgerd.regions.data import lookups
from ledgerd.settings.service import base_currency, financial_year
from ledgerd.tax_returns.figures import OUTPUT_TYPES

ZERO = Decimal(0)
CENT = Decimal("0.01")
BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_91_plus")
# Document kinds an aged report counts, with the sign of their outstanding amount.
DEBTOR_KINDS = {"SALES_INVOICE": 1, "CUSTOMER_OPENING_BALANCE_INVOICE": 1, "SALES_CREDIT_NOTE": -1,
                "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE": -1, "CUSTOMER_PAYMENT_ON_ACCOUNT": -1,
                "SALES_QUICK_ENTRY_INVOICE": 1, "SALES_QUICK_ENTRY_CREDIT_NOTE": -1,
                "SALES_CORRECTIVE_INVOICE": 1}  # signed: negative when it gives back
CREDITOR_KINDS = {"PURCHASE_INVOICE": 1, "VENDOR_OPENING_BALANCE_INVOICE": 1, "PURCHASE_CREDIT_NOTE": -1,
                  "VENDOR_OPENING_BALANCE_CREDIT_NOTE": -1, "VENDOR_PAYMENT_ON_ACCOUNT": -1,
                  "PURCHASE_QUICK_ENTRY_INVOICE": 1, "PURCHASE_QUICK_ENTRY_CREDIT_NOTE": -1,
                  "PURCHASE_CORRECTIVE_INVOICE": 1}
NOT_POSTED = ("DRAFT", "VOID", "PRO_FORMA")


def account_groups() -> dict[str, str]:
    """Ledger account type id → INCOME, EXPENDITURE, ASSET, LIABILITY or EQUITY."""
    return {t["id"]: t["group"] for t in lookups()["ledger_account_types"]}


@dataclass(frozen=True)
class AccountSum:
    id: str
    name: str
    nominal_code: int
    type_id: str
    amount: Decimal  # debit - credit; in a report's section, as the section shows it


@dataclass(frozen=True)
class TypeSum:
    """The accounts of one ledger account type in a section, with their total."""

    type_id: str
    total: Decimal
    accounts: list[AccountSum]


@dataclass(frozen=True)
class Section:
    total: Decimal
    types: list[TypeSum]


@dataclass(frozen=True)
class ProfitAndLoss:
    from_date: date
    to_date: date
    currency_id: str
    income: Section
    expenditure: Section
    net_profit: Decimal


@dataclass(frozen=True)
class BalanceSheet:
    on: date
    financial_year_start: date
    currency_id: str
    assets: Section
    liabilities: Section
    # Equity accounts; `equity_total` adds the profit and loss not yet closed into equity (the two below).
    equity: Section
    equity_total: Decimal
    profit_brought_forward: Decimal
    current_year_earnings: Decimal
    total_assets: Decimal
    total_liabilities_and_equity: Decimal


@dataclass(frozen=True)
class AgedContact:
    contact_id: str
    name: str
    reference: str
    buckets: dict[str, Decimal]  # by BUCKETS
    total: Decimal


@dataclass(frozen=True)
class Aged:
    on: date
    currency_id: str
    contacts: list[AgedContact]  # by name, then reference
    totals: dict[str, Decimal]  # by BUCKETS, and "total"


def _section(sums: Iterable[AccountSum], sign: int) -> Section:
    """Accounts (non-zero, in nominal code order) under their types (in Sage's list order), with totals;
    `sign` -1 shows credit balances as positive amounts."""
    order = {t["id"]: n for n, t in enumerate(lookups()["ledger_account_types"])}
    by_type: dict[str, list[AccountSum]] = defaultdict(list)
    for item in sums:
        if item.amount != ZERO:
            by_type[item.type_id].append(item)
    types: list[TypeSum] = []
    for type_id in sorted(by_type, key=lambda t: order.get(t, len(order))):
        accounts = [replace(a, amount=a.amount * sign) for a in sorted(by_type[type_id], key=lambda a: a.nominal_code)]
        types.append(TypeSum(type_id, sum((a.amount for a in accounts), ZERO), accounts))
    return Section(sum((t.total for t in types), ZERO), types)


_ACCOUNT_COLUMNS = (LedgerAccount.id, LedgerAccount.name, LedgerAccount.nominal_code,
                    LedgerAccount.ledger_account_type_id)


def profit_and_loss(db: Session, from_date: date, to_date: date) -> ProfitAndLoss:
    groups = account_groups()
    delta = type_coerce(func.sum(LedgerBalance.debit - LedgerBalance.credit), Money)
    rows = db.execute(
        select(*_ACCOUNT_COLUMNS, delta)
        .join(LedgerBalance, LedgerBalance.ledger_account_id == LedgerAccount.id)
        .where(LedgerBalance.date >= from_date, LedgerBalance.date <= to_date,
               LedgerAccount.ledger_account_type_id.in_([t for t, g in groups.items() if g in ("INCOME",
                                                                                             "EXPENDITURE")]))
        .group_by(*_ACCOUNT_COLUMNS)).all()
    sums = [AccountSum(r[0], r[1], r[2], r[3], r[4] or ZERO) for r in rows]
    income = _section((s for s in sums if groups[s.type_id] == "INCOME"), -1)
    expenditure = _section((s for s in sums if groups[s.type_id] == "EXPENDITURE"), 1)
    return ProfitAndLoss(from_date, to_date, base_currency(db), income, expenditure,
                         income.total - expenditure.total)


def balance_sheet(db: Session, on: date) -> BalanceSheet:
    """Assets = liabilities + equity, exactly: profit and loss accounts not yet closed into equity appear
    as profit brought forward (earlier years) and current year earnings."""
    groups = account_groups()
    year_start, _ = financial_year(db, on)
    movement = LedgerBalance.debit - LedgerBalance.credit
    rows = db.execute(
        select(*_ACCOUNT_COLUMNS, type_coerce(func.sum(movement), Money),
               type_coerce(func.sum(case((LedgerBalance.date < year_start, movement), else_=0)), Money))
        .join(LedgerBalance, LedgerBalance.ledger_account_id == LedgerAccount.id)
        .where(LedgerBalance.date <= on)
        .group_by(*_ACCOUNT_COLUMNS)).all()
    sums: dict[str, list[AccountSum]] = defaultdict(list)
    earlier = current = ZERO
    for r in rows:
        total, before = r[4] or ZERO, r[5] or ZERO
        group = groups[r[3]]
        if group in ("INCOME", "EXPENDITURE"):
            earlier -= before
            current -= total - before
        else:
            sums[group].append(AccountSum(r[0], r[1], r[2], r[3], total))
    assets = _section(sums["ASSET"], 1)
    liabilities = _section(sums["LIABILITY"], -1)
    equity = _section(sums["EQUITY"], -1)
    equity_total = equity.total + earlier + current
    return BalanceSheet(on, year_start, base_currency(db), assets, liabilities, equity, equity_total, earlier,
                        current, assets.total, liabilities.total + equity_total)


def aged(db: Session, on: date, kinds: Mapping[str, int]) -> Aged:
    """Open documents dated up to `on`, outstanding as at `on` (allocations up to that day), in base
    currency, by contact and by days past due (the due date, or the document date when there is none)."""
    paid = (select(Allocation.artefact_id, func.sum(Allocation.amount + Allocation.discount).label("paid"))
            .where(Allocation.date <= on).group_by(Allocation.artefact_id).subquery())
    open_amount = Artefact.total_amount - func.coalesce(paid.c.paid, 0)
    due = func.coalesce(Artefact.due_date, Artefact.date)
    bucket = case((due >= on, 0), (due >= on - timedelta(days=30), 1), (due >= on - timedelta(days=60), 2),
                  (due >= on - timedelta(days=90), 3), else_=4)
    sign = case((Artefact.kind.in_([k for k, s in kinds.items() if s < 0]), -1), else_=1)
    # Base-currency documents are summed in SQL; each foreign one keeps its own row (grouped by its id)
    # so its outstanding amount converts at its own rate.
    foreign = case((Artefact.total_amount == Artefact.base_currency_total_amount, null()), else_=Artefact.id)
    docs = (select(Artefact.contact_id, bucket.label("bucket"), foreign.label("foreign_id"),
                   (sign * open_amount).label("amount"), Artefact.total_amount.label("total"),
                   Artefact.base_currency_total_amount.label("base_total"))
            .outerjoin(paid, paid.c.artefact_id == Artefact.id)
            .where(Artefact.kind.in_(list(kinds)), Artefact.status_id.not_in(NOT_POSTED), Artefact.date <= on,
                   open_amount != 0)
            .subquery())
    rows = db.execute(
        select(docs.c.contact_id, Contact.name, Contact.reference, docs.c.bucket, docs.c.foreign_id,
               type_coerce(func.sum(docs.c.amount), Money), func.max(docs.c.total), func.max(docs.c.base_total))
        .join(Contact, Contact.id == docs.c.contact_id)
        .group_by(docs.c.contact_id, Contact.name, Contact.reference, docs.c.bucket, docs.c.foreign_id)).all()
    contacts = _aged_contacts(rows)
    totals = {b: sum((c.buckets[b] for c in contacts), ZERO) for b in BUCKETS}
    totals["total"] = sum((c.total for c in contacts), ZERO)
    return Aged(on, base_currency(db), contacts, totals)


def _aged_contacts(rows: Iterable[Any]) -> list[AgedContact]:
    names: dict[str, tuple[str, str]] = {}
    buckets: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        contact_id, name, reference, bucket, foreign_id, amount, total, base_total = row
        value = amount or ZERO
        if foreign_id is not None and total:
            value = (value * base_total / total).quantize(CENT, rounding=ROUND_HALF_UP)
        names[contact_id] = (name, reference)
        sums = buckets.setdefault(contact_id, {b: ZERO for b in BUCKETS})
        sums[BUCKETS[int(bucket)]] += value
    contacts = [AgedContact(cid, name, reference, buckets[cid], sum(buckets[cid].values(), ZERO))
                for cid, (name, reference) in names.items()]
    return sorted(contacts, key=lambda c: (c.name.lower(), c.reference))


# --- sales tax by jurisdiction ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Jurisdiction:
    """One tax rate (a US business's own rates name their agency: state, county, city, district)."""

    tax_rate_id: str
    name: str
    agency: str | None
    taxable_sales: Decimal  # the net of the sales taxed at this rate, or at a combined rate holding it
    tax_collected: Decimal  # the tax charged at this rate (credits less debits on the output tax accounts)


@dataclass(frozen=True)
class SalesTaxLiability:
    from_date: date
    to_date: date
    currency_id: str
    jurisdictions: list[Jurisdiction]

    @property
    def total(self) -> Decimal:
        return sum((j.tax_collected for j in self.jurisdictions), ZERO)


def sales_tax_liability(db: Session, from_date: date, to_date: date) -> SalesTaxLiability:
    """What the business owes each jurisdiction for the period, from its sales-side ledger entries (the VAT
    returns' OUTPUT_TYPES): the tax each rate's entries on the output tax accounts collected, and the taxable sales
    behind it. A combined rate posts its tax per component (ledger/tax_accounts.py), so each component is its own
    jurisdiction; its taxable sales are the nets at the component or at a combined rate holding it."""
    output_accounts, _ = tax_account_ids(db)
    on_tax = LedgerEntry.ledger_account_id.in_(output_accounts)
    rows = db.execute(
        select(LedgerEntry.tax_rate_id, on_tax, type_coerce(func.sum(LedgerEntry.credit - LedgerEntry.debit), Money))
        .where(LedgerEntry.tax_rate_id.is_not(None), LedgerEntry.transaction_type_id.in_(OUTPUT_TYPES),
               LedgerEntry.date >= from_date, LedgerEntry.date <= to_date)
        .group_by(LedgerEntry.tax_rate_id, on_tax)).all()
    rates = {r.id: r for r in db.scalars(select(TaxRate))}
    collected: dict[str, Decimal] = defaultdict(lambda: ZERO)
    taxable: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for rate_id, is_tax, amount in rows:
        assert rate_id is not None  # the query's condition
        if is_tax:
            collected[rate_id] += amount or ZERO
            continue
        rate = rates.get(rate_id)
        for part in (rate.components if rate is not None and rate.components else [rate_id]):
            taxable[part] += amount or ZERO
    jurisdictions = [Jurisdiction(rate_id, rates[rate_id].name if rate_id in rates else rate_id,
                                  rates[rate_id].agency if rate_id in rates else None, taxable[rate_id],
                                  collected[rate_id])
                     for rate_id in sorted(set(collected) | set(taxable),
                                           key=lambda r: (rates[r].legacy_id if r in rates else 0, r))]
    return SalesTaxLiability(from_date, to_date, base_currency(db), jurisdictions)
