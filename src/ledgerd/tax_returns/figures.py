"""A VAT return's figures, read from the ledger.

Every posting that carries tax writes its net amounts to the line's account and its tax to the SALES_TAX or
PURCHASE_TAX control account, each entry with its `tax_rate_id` (artefacts/posting.py, payments). So:

* output tax (box 1, T1) = credits - debits on SALES_TAX; input tax (box 4, T2) = debits - credits on
  PURCHASE_TAX;
* sales ex VAT (box 6) = credits - debits of the other taxed entries of sales-side transactions (invoices,
  credit notes, quick entries, other receipts); purchases ex VAT (box 7) = debits - credits of those of the
  purchase side. Entries at rates outside the return ("No VAT") are left out.

A return counts the entries dated in its period, plus "late" entries: those dated in a period already filed
that its return did not take (posted or voided after filing). Entries a filed return took
(`TaxReturnTransaction`) never count again, and the transfers filing posts to the VAT liability account are
no part of any return. Sums are in base currency, one grouped query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from ledgerd.db.base import Money
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import LedgerEntry, Transaction
from ledgerd.settings.migrations import GB_BOXES, IE_BOXES
from ledgerd.tax_returns.models import TaxReturn, TaxReturnTransaction
from ledgerd.tax_returns.periods import Country

ZERO = Decimal(0)
# Transactions filing posts (the VAT transfer) name this origin.
ORIGIN = "tax_returns"
# Transaction types whose taxed entries are outputs (sales); every other type's are inputs.
OUTPUT_TYPES = frozenset({"SALES_INVOICE", "SALES_CREDIT_NOTE", "SALES_CORRECTIVE_INVOICE", "SALES_QUICK_ENTRY_INVOICE",
                          "SALES_QUICK_ENTRY_CREDIT_NOTE", "OTHER_RECEIPT", "CUSTOMER_RECEIPT", "CUSTOMER_REFUND",
                          "CUSTOMER_OPENING_BALANCE_INVOICE", "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE"})


@dataclass(frozen=True)
class Figures:
    output_tax: Decimal = ZERO
    input_tax: Decimal = ZERO
    sales: Decimal = ZERO
    purchases: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """Tax due (positive) or repayable (negative)."""
        return self.output_tax - self.input_tax


@dataclass(frozen=True)
class Scope:
    """Which ledger entries a return for `start`..`end` takes."""

    start: date
    end: date
    # Periods of returns already filed before this one: their late entries come in here.
    filed: Sequence[tuple[date, date]]
    out_of_scope: frozenset[str]

    def conditions(self, db: Session) -> list[ColumnElement[bool]]:
        late = [and_(LedgerEntry.date >= s, LedgerEntry.date <= e) for s, e in self.filed if e < self.start]
        return [
            or_(and_(LedgerEntry.date >= self.start, LedgerEntry.date <= self.end), *late),
            or_(Transaction.origin_type.is_(None), Transaction.origin_type != ORIGIN),
            LedgerEntry.transaction_id.not_in(select(TaxReturnTransaction.transaction_id)),
            _taxed(db, self.out_of_scope),
        ]

    def entries(self, db: Session, *columns: Any) -> Select[Any]:
        stmt = select(*columns).join(Transaction, Transaction.id == LedgerEntry.transaction_id)
        return stmt.where(*self.conditions(db))


def _tax_accounts(db: Session) -> tuple[str, str]:
    return control(db, "SALES_TAX").id, control(db, "PURCHASE_TAX").id


def _taxed(db: Session, out_of_scope: frozenset[str]) -> ColumnElement[bool]:
    """Entries a return counts: on the tax accounts, or at a rate within the return (not the VAT transfer's)."""
    return or_(LedgerEntry.ledger_account_id.in_(_tax_accounts(db)),
               and_(LedgerEntry.tax_rate_id.is_not(None), LedgerEntry.tax_rate_id.not_in(out_of_scope),
                    LedgerEntry.ledger_account_id != control(db, "TAX_LIABILITY").id))


def scope(db: Session, rules: Country, start: date, end: date) -> Scope:
    filed = db.execute(select(TaxReturn.period_start_date, TaxReturn.period_end_date)).all()
    return Scope(start, end, [(row[0], row[1]) for row in filed], rules.out_of_scope)


def figures(db: Session, scope: Scope) -> Figures:
    sales_tax, purchase_tax = _tax_accounts(db)
    output = LedgerEntry.transaction_type_id.in_(OUTPUT_TYPES)
    rows = db.execute(scope.entries(
        db, LedgerEntry.ledger_account_id, output, type_coerce(func.sum(LedgerEntry.debit), Money),
        type_coerce(func.sum(LedgerEntry.credit), Money)).group_by(LedgerEntry.ledger_account_id, output)).all()
    totals = {"output_tax": ZERO, "input_tax": ZERO, "sales": ZERO, "purchases": ZERO}
    for account_id, is_output, debit, credit in rows:
        movement = (debit or ZERO) - (credit or ZERO)
        if account_id == sales_tax:
            totals["output_tax"] -= movement
        elif account_id == purchase_tax:
            totals["input_tax"] += movement
        elif is_output:
            totals["sales"] -= movement
        else:
            totals["purchases"] += movement
    return Figures(**totals)


def transaction_ids(db: Session, scope: Scope) -> list[str]:
    """The transactions a return for this scope takes (to record them as filed)."""
    return list(db.scalars(scope.entries(db, LedgerEntry.transaction_id).distinct()))


# --- boxes -------------------------------------------------------------------------------------------------

def _whole(amount: Decimal) -> Decimal:
    """HMRC wants boxes 6 to 9 in whole pounds: pence are dropped."""
    return amount.quantize(Decimal(1), rounding=ROUND_DOWN)


def gb_boxes(found: Figures) -> dict[str, Decimal]:
    """The nine boxes of a UK VAT return. Boxes 2, 8 and 9 (goods to and from the EU, for Northern Ireland
    since 2021) stay 0: ledgerd does not tell goods movements under the Northern Ireland protocol apart."""
    box_1, box_2, box_4 = found.output_tax, ZERO, found.input_tax
    box_3 = box_1 + box_2
    return {"box_1": box_1, "box_2": box_2, "box_3": box_3, "box_4": box_4, "box_5": abs(box_3 - box_4),
            "box_6": _whole(found.sales), "box_7": _whole(found.purchases), "box_8": ZERO, "box_9": ZERO}


def ie_boxes(found: Figures) -> dict[str, Decimal]:
    """Revenue's VAT3: T1 VAT on sales, T2 VAT on purchases, T3 payable or T4 repayable. The intra-EU boxes
    (E1, E2, ES1, ES2) stay 0: ledgerd does not record intra-EU goods and services movements."""
    return {"box_T1": found.output_tax, "box_T2": found.input_tax, "box_T3": max(found.net, ZERO),
            "box_T4": max(-found.net, ZERO), "box_E1": ZERO, "box_E2": ZERO, "box_ES1": ZERO, "box_ES2": ZERO}


BOXES = {"GB": gb_boxes, "IE": ie_boxes}
# The box names in order, as Sage's GBBoxData and IEBoxData list them (shared with migrated returns).
BOX_NAMES = {"GB": GB_BOXES, "IE": IE_BOXES}


def boxes(country: str, found: Figures) -> dict[str, Decimal]:
    return BOXES[country](found)


# --- drill-down: the entries behind a box ------------------------------------------------------------------

# The figures each box is made of (boxes 2, 8, 9 and the intra-EU boxes take none).
BOX_FIGURES = {"box_1": ("output_tax",), "box_3": ("output_tax",), "box_4": ("input_tax",),
               "box_5": ("output_tax", "input_tax"), "box_6": ("sales",), "box_7": ("purchases",),
               "box_T1": ("output_tax",), "box_T2": ("input_tax",), "box_T3": ("output_tax", "input_tax"),
               "box_T4": ("output_tax", "input_tax")}


def figure_of(db: Session) -> ColumnElement[str]:
    """The figure an entry of a return counts towards: `figures`' split, written as SQL."""
    sales_tax, purchase_tax = _tax_accounts(db)
    return case((LedgerEntry.ledger_account_id == sales_tax, "output_tax"),
                (LedgerEntry.ledger_account_id == purchase_tax, "input_tax"),
                (LedgerEntry.transaction_type_id.in_(OUTPUT_TYPES), "sales"), else_="purchases")


def filed_conditions(db: Session, tax_return_id: str, out_of_scope: frozenset[str]) -> list[ColumnElement[bool]]:
    """The entries a filed return took: those of the transactions recorded with it."""
    taken = select(TaxReturnTransaction.transaction_id).where(TaxReturnTransaction.tax_return_id == tax_return_id)
    return [LedgerEntry.transaction_id.in_(taken), _taxed(db, out_of_scope)]


def box_transactions(db: Session, conditions: Sequence[ColumnElement[bool]], box: str, *, offset: int,
                     limit: int) -> list[tuple[str, Decimal]]:
    """The transactions behind `box` with what each adds to its figures (tax and sales as credits, purchases as
    debits), oldest first; `conditions` are a draft's `Scope.conditions` or `filed_conditions`."""
    wanted = BOX_FIGURES.get(box, ())
    if not wanted:
        return []
    figure = figure_of(db)
    signed = case((figure.in_(("output_tax", "sales")), LedgerEntry.credit - LedgerEntry.debit),
                  else_=LedgerEntry.debit - LedgerEntry.credit)
    rows = db.execute(
        select(LedgerEntry.transaction_id, type_coerce(func.sum(signed), Money))
        .join(Transaction, Transaction.id == LedgerEntry.transaction_id)
        .where(*conditions, figure.in_(wanted))
        .group_by(LedgerEntry.transaction_id, Transaction.date)
        .order_by(Transaction.date, LedgerEntry.transaction_id).offset(offset).limit(limit)).all()
    return [(row[0], row[1] or ZERO) for row in rows]
