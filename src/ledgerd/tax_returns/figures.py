"""A VAT return's figures, read from the ledger.

Every posting that carries tax writes its net amounts to the line's account and its tax to an output or input
tax account (the SALES_TAX or PURCHASE_TAX control, or a rate's own account: ledger/tax_accounts.py), each entry
with its `tax_rate_id` (artefacts/posting.py, payments). So:

* output tax (box 1, T1) = credits - debits on the output tax accounts; input tax (box 4, T2) = debits - credits
  on the input tax accounts (those of import VAT paid at customs, SKR03 1588, under treatment IMPORT_VAT);
* sales ex VAT (box 6) = credits - debits of the other taxed entries of sales-side transactions (invoices,
  credit notes, quick entries, other receipts); purchases ex VAT (box 7) = debits - credits of those of the
  purchase side. Entries at rates outside the return ("No VAT") are left out.
* VAT treatments (ledger/treatments.py, docs/decisions/vat-treatments.md): manual postings (journals, opening
  balances) count only where a journal line asked (`include_on_tax_return`, treatment JOURNAL): on the tax
  accounts as above, on an income account in sales (credit - debit), on an expense account in purchases
  (debit - credit), on any other account its credits in sales and its debits in purchases (Sage's "How journal
  entries affect the VAT Return"). The net of a service bought under the reverse charge from abroad counts in
  sales as well as purchases (HMRC VAT Notice 741A); self-accounted VAT is simply output and input tax.

A return counts the entries dated in its period, plus "late" entries: those dated in a period already filed
that its return did not take (posted or voided after filing). Entries a filed return took
(`TaxReturnTransaction`) never count again, and the transfers filing posts to the VAT liability account are
no part of any return. Sums are in base currency, one query grouped by transaction and account (so a
purchase of capital goods can be told apart under the flat rate scheme).

The scheme (schemes.py) changes what counts: on the cash basis a document's own posting is left out on the
side(s) accounted for when paid, and cash.py adds the paid share of each document instead; under the flat rate
scheme the boxes are worked out from the VAT-inclusive turnover, and only capital goods reach box 4.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from ledgerd.artefacts.models import Artefact
from ledgerd.db.base import Money
from ledgerd.ledger import treatments
from ledgerd.ledger.accounts import by_ids, control
from ledgerd.ledger.models import TAX_RETURN_ORIGIN, LedgerAccount, LedgerEntry, TaxReturnTransaction, Transaction
from ledgerd.ledger.tax_accounts import import_account_ids, tax_account_ids
from ledgerd.settings.migrations import GB_BOXES, IE_BOXES
from ledgerd.tax_returns import ca3, gst34, modelo303, ustva
from ledgerd.tax_returns.amounts import INPUT_TAX, OUTPUT_TAX, PURCHASES, SALES, Figures, Part, cents, whole
from ledgerd.tax_returns.models import TaxReturn
from ledgerd.tax_returns.periods import Country
from ledgerd.tax_returns.schemes import STANDARD, Scheme

ZERO = Decimal(0)
# Transactions filing posts (the VAT transfer) name this origin.
ORIGIN = TAX_RETURN_ORIGIN
# Transaction types whose taxed entries are outputs (sales); every other type's are inputs.
OUTPUT_TYPES = frozenset({"SALES_INVOICE", "SALES_CREDIT_NOTE", "SALES_CORRECTIVE_INVOICE", "SALES_QUICK_ENTRY_INVOICE",
                          "SALES_QUICK_ENTRY_CREDIT_NOTE", "OTHER_RECEIPT", "CUSTOMER_RECEIPT", "CUSTOMER_REFUND",
                          "CUSTOMER_OPENING_BALANCE_INVOICE", "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE"})
# Credit notes and corrective invoices (`Part.note`).
NOTE_TYPES = frozenset({"SALES_CREDIT_NOTE", "SALES_QUICK_ENTRY_CREDIT_NOTE", "SALES_CORRECTIVE_INVOICE",
                        "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE", "PURCHASE_CREDIT_NOTE",
                        "PURCHASE_QUICK_ENTRY_CREDIT_NOTE", "PURCHASE_CORRECTIVE_INVOICE",
                        "VENDOR_OPENING_BALANCE_CREDIT_NOTE"})
# Manual postings: their entries on the tax accounts count only when a journal line asked (treatment JOURNAL).
MANUAL_TYPES = ("JOURNAL", "GENERAL_LEDGER_OPENING_BALANCE")
# Ledger account types whose journal lines move the sales total (income) or the purchases total (expenditure).
INCOME_TYPES = frozenset({"SALES", "OTHER_INCOME"})
EXPENSE_TYPES = frozenset({"DIRECT_EXPENSES", "OVERHEADS", "DEPRECIATION"})


@dataclass(frozen=True)
class Scope:
    """Which ledger entries a return for `start`..`end` takes."""

    start: date
    end: date
    # Periods of returns already filed before this one: their late entries come in here.
    filed: Sequence[tuple[date, date]]
    out_of_scope: frozenset[str]
    scheme: Scheme = STANDARD

    def dated(self, column: Any) -> ColumnElement[bool]:
        """`column` falls in the period or in a filed period before it (late entries)."""
        late = [and_(column >= s, column <= e) for s, e in self.filed if e < self.start]
        return or_(and_(column >= self.start, column <= self.end), *late)

    def taxed(self, db: Session) -> list[ColumnElement[bool]]:
        return taxed(db, self.out_of_scope)

    def conditions(self, db: Session) -> list[ColumnElement[bool]]:
        out = [self.dated(LedgerEntry.date),
               LedgerEntry.transaction_id.not_in(select(TaxReturnTransaction.transaction_id)), *self.taxed(db)]
        if self.scheme.cash:
            # On the cash basis a document's own posting waits for its payments (cash.py).
            document = Transaction.origin_id.in_(select(Artefact.id))
            side = _OUTPUT if not self.scheme.cash_inputs else ~_OUTPUT if not self.scheme.cash_outputs else None
            kept = [Transaction.origin_id.is_(None), ~document]
            out.append(or_(*kept) if side is None else or_(*kept, ~side))
        return out

    def entries(self, db: Session, *columns: Any) -> Select[Any]:
        stmt = select(*columns).join(Transaction, Transaction.id == LedgerEntry.transaction_id)
        return stmt.where(*self.conditions(db))


_OUTPUT = LedgerEntry.transaction_type_id.in_(OUTPUT_TYPES)


def taxed(db: Session, out_of_scope: frozenset[str]) -> list[ColumnElement[bool]]:
    """Entries that reach a return, whatever their date: VAT (on manual postings only a journal line asked onto
    the return), and net amounts at rates inside the return; never the VAT transfer filing posts."""
    output, inputs = tax_account_ids(db)
    return [
        or_(Transaction.origin_type.is_(None), Transaction.origin_type != ORIGIN),
        or_(and_(LedgerEntry.ledger_account_id.in_(output | inputs),
                 or_(LedgerEntry.transaction_type_id.not_in(MANUAL_TYPES),
                     LedgerEntry.tax_treatment == treatments.JOURNAL)),
            and_(LedgerEntry.tax_rate_id.is_not(None), LedgerEntry.tax_rate_id.not_in(out_of_scope),
                 LedgerEntry.ledger_account_id != control(db, "TAX_LIABILITY").id),
            LedgerEntry.tax_treatment == treatments.JOURNAL),
    ]


def scope(db: Session, rules: Country, start: date, end: date, scheme: Scheme = STANDARD) -> Scope:
    filed = db.execute(select(TaxReturn.period_start_date, TaxReturn.period_end_date)).all()
    return Scope(start, end, [(row[0], row[1]) for row in filed], rules.out_of_scope, scheme)


def by_transaction(db: Session, conditions: Sequence[ColumnElement[bool]], scheme: Scheme) -> dict[str, Figures]:
    """The figures of each transaction among the entries meeting `conditions` (`Scope.conditions`), with their
    parts (amounts.py)."""
    output_accounts, input_accounts = tax_account_ids(db)
    fixed = LedgerEntry.ledger_account_id.in_(
        select(LedgerAccount.id).where(LedgerAccount.ledger_account_type_id == "FIXED_ASSETS"))
    columns = (LedgerEntry.transaction_id, LedgerEntry.ledger_account_id, LedgerEntry.transaction_type_id, fixed,
               LedgerEntry.tax_treatment, LedgerEntry.tax_rate_id)
    rows = db.execute(select(*columns, type_coerce(func.sum(LedgerEntry.debit), Money),
                             type_coerce(func.sum(LedgerEntry.credit), Money))
                      .join(Transaction, Transaction.id == LedgerEntry.transaction_id)
                      .where(*conditions).group_by(*columns)).all()
    journalled = by_ids(db, {row[1] for row in rows if row[4] == treatments.JOURNAL})
    imported = import_account_ids(db)
    found: dict[str, _Tally] = {}
    for transaction_id, account_id, type_id, is_fixed, treatment, rate, debit, credit in rows:
        tally = found.setdefault(transaction_id, _Tally())
        if account_id in imported:
            # Import VAT paid at customs: its account says so, whatever posted it (a payment, a journal line).
            treatment = treatments.IMPORT_VAT
        debit, credit = debit or ZERO, credit or ZERO
        movement = debit - credit
        note = type_id in NOTE_TYPES

        def add(figure: str, amount: Decimal, on_fixed: bool = False, *, into: _Tally = tally, note: bool = note,
                rate: str | None = rate, treatment: str | None = treatment, account: str = account_id) -> None:
            key = Part(figure, rate, treatment, note, on_fixed, account)
            into.parts[key] = into.parts.get(key, ZERO) + amount
        if account_id in output_accounts:
            add(OUTPUT_TAX, -movement)
        elif account_id in input_accounts:
            add(INPUT_TAX, movement)
        elif treatment == treatments.JOURNAL:
            # A journal line asked onto the return: income moves box 6, expenditure box 7, any other account
            # its credits box 6 and its debits box 7 (docs/decisions/vat-treatments.md).
            kind = journalled[account_id].ledger_account_type_id
            if kind in INCOME_TYPES:
                add(SALES, -movement)
            elif kind in EXPENSE_TYPES:
                add(PURCHASES, movement)
            else:
                add(SALES, credit)
                add(PURCHASES, debit)
        elif type_id in OUTPUT_TYPES:
            add(SALES, -movement)
        else:
            add(PURCHASES, movement, bool(is_fixed))
            if treatment in treatments.SELF_SUPPLIED:
                tally.self_supplied += movement
    return {t: tally.figures(scheme.capital_goods) for t, tally in found.items()}


@dataclass
class _Tally:
    """One transaction's parts as they are summed."""

    parts: dict[Part, Decimal] = field(default_factory=dict)
    # The net of purchases under a reverse charge from abroad: also in the UK's sales total (box 6).
    self_supplied: Decimal = ZERO

    def figures(self, capital_goods: Decimal | None) -> Figures:
        """The transaction's figures. Its input tax at each rate is split into the share of the fixed assets bought
        at that rate and the rest (`Part.fixed`). Capital goods (flat rate): its lines on fixed asset accounts,
        with their share of its input tax, when together they come to `capital_goods` or more, VAT included."""
        parts = self._split_fixed()
        totals = {figure: sum((a for p, a in parts.items() if p.figure == figure), ZERO)
                  for figure in (OUTPUT_TAX, INPUT_TAX, SALES, PURCHASES)}
        fixed = sum((a for p, a in parts.items() if p.figure == PURCHASES and p.fixed), ZERO)
        capital_tax = capital_net = ZERO
        if capital_goods is not None and fixed and totals[PURCHASES]:
            tax = cents(totals[INPUT_TAX] * fixed / totals[PURCHASES])
            if abs(fixed + tax) >= capital_goods:
                capital_tax, capital_net = tax, fixed
        return Figures(totals[OUTPUT_TAX], totals[INPUT_TAX], totals[SALES] + self.self_supplied, totals[PURCHASES],
                       capital_tax, capital_net, parts)

    def _split_fixed(self) -> dict[Part, Decimal]:
        bought: dict[str | None, Decimal] = {}
        on_fixed: dict[str | None, Decimal] = {}
        for part, amount in self.parts.items():
            if part.figure == PURCHASES:
                bought[part.rate] = bought.get(part.rate, ZERO) + amount
                if part.fixed:
                    on_fixed[part.rate] = on_fixed.get(part.rate, ZERO) + amount
        out: dict[Part, Decimal] = {}
        for part, amount in self.parts.items():
            share = on_fixed.get(part.rate, ZERO)
            if part.figure != INPUT_TAX or not share or not bought.get(part.rate):
                out[part] = out.get(part, ZERO) + amount
                continue
            tax = cents(amount * share / bought[part.rate])
            for key, value in ((replace(part, fixed=True), tax), (part, amount - tax)):
                out[key] = out.get(key, ZERO) + value
        return out


def figures(db: Session, scope: Scope) -> Figures:
    """The figures of the entries in scope (on the cash basis, without the paid shares: cash.py)."""
    return sum(by_transaction(db, scope.conditions(db), scope.scheme).values(), Figures())


def transaction_ids(db: Session, scope: Scope) -> list[str]:
    """The transactions a return for this scope takes (to record them as filed)."""
    return list(db.scalars(scope.entries(db, LedgerEntry.transaction_id).distinct()))


# --- boxes -------------------------------------------------------------------------------------------------

def turnover(found: Figures) -> Decimal:
    """Flat rate turnover: every supply in the return (standard, reduced, zero-rated, exempt), VAT included."""
    return found.sales + found.output_tax


def flat_rate_tax(found: Figures, scheme: Scheme) -> Decimal:
    """Box 1 under the flat rate scheme: the percentage of the turnover, to the nearest penny."""
    assert scheme.flat_rate is not None
    return cents(turnover(found) * scheme.flat_rate / 100)


def due(found: Figures, scheme: Scheme = STANDARD) -> Decimal:
    """VAT due (positive) or repayable (negative) under the scheme: the return's total."""
    if scheme.flat_rate is None:
        return found.net
    return flat_rate_tax(found, scheme) - found.capital_tax


def gb_boxes(found: Figures, scheme: Scheme = STANDARD) -> dict[str, Decimal]:
    """The nine boxes of a UK VAT return. Boxes 2, 8 and 9 (goods to and from the EU, for Northern Ireland
    since 2021) stay 0: ledgerd does not tell goods movements under the Northern Ireland protocol apart.
    Flat rate (VAT Notice 733): box 1 the flat rate tax, box 4 and box 7 the capital goods only, box 6 the
    VAT-inclusive turnover."""
    box_1, box_2, box_4 = found.output_tax, ZERO, found.input_tax
    box_6, box_7 = found.sales, found.purchases
    if scheme.flat_rate is not None:
        box_1, box_4 = flat_rate_tax(found, scheme), found.capital_tax
        box_6, box_7 = turnover(found), found.capital_purchases
    box_3 = box_1 + box_2
    return {"box_1": box_1, "box_2": box_2, "box_3": box_3, "box_4": box_4, "box_5": abs(box_3 - box_4),
            "box_6": whole(box_6), "box_7": whole(box_7), "box_8": ZERO, "box_9": ZERO}


# Revenue's VAT3 trade boxes ("How do you complete a VAT3 return?", revenue.ie; the Tax and Duty Manual "VAT -
# Postponed Accounting", eBrief 050/21, for PA1): the values, without VAT, of the lines of each treatment
# (ledger/treatments.py). E1 goods sent to customers in other EU countries, E2 goods received from suppliers there,
# ES1 services supplied to customers there, ES2 services received from suppliers there; PA1 (ledgerd's key after
# Sage's IEBoxData) the value of goods imported under postponed accounting.
IE_TRADE: dict[str, Callable[[Figures], Decimal]] = {
    "box_E1": lambda f: f.total(SALES, treatments=(treatments.EU_SUPPLY,)),
    "box_E2": lambda f: f.total(PURCHASES, treatments=(treatments.EU_ACQUISITION,)),
    "box_ES1": lambda f: f.total(SALES, treatments=(treatments.EU_SERVICES,)),
    "box_ES2": lambda f: f.total(PURCHASES, treatments=(treatments.REVERSE_CHARGE_EU,)),
    "box_PA1": lambda f: f.total(PURCHASES, treatments=(treatments.POSTPONED_IMPORT,)),
}
IE_NAMES = (*IE_BOXES, "box_PA1")


def ie_boxes(found: Figures, scheme: Scheme = STANDARD) -> dict[str, Decimal]:
    """Revenue's VAT3: T1 VAT on sales, T2 VAT on purchases, T3 payable or T4 repayable; the trade boxes
    (`IE_TRADE`). Amounts keep their cents, as T1-T4 do."""
    boxes = {"box_T1": found.output_tax, "box_T2": found.input_tax, "box_T3": max(found.net, ZERO),
             "box_T4": max(-found.net, ZERO)}
    return {**boxes, **{name: value(found) for name, value in IE_TRADE.items()}}


@dataclass(frozen=True)
class Form:
    """One country's return: its boxes in order (as Sage lists GBBoxData and IEBoxData, else ledgerd's names of
    the form's own numbers), how they are worked out, and the total due (positive) or repayable (negative)."""

    names: tuple[str, ...]
    boxes: Callable[[Figures, Scheme], dict[str, Decimal]]
    due: Callable[[Figures, Scheme, dict[str, Decimal]], Decimal]
    # The rates whose tax the return declares (None: every rate); filing moves only theirs to the liability.
    rates: frozenset[str] | None = None


def _form(module: Any) -> Form:
    """A form module's (ustva.py, …) boxes and total, which need no scheme."""
    return Form(tuple(module.NAMES), lambda found, _: module.boxes(found), lambda _f, _s, boxes: module.due(boxes),
                getattr(module, "RATES", None))


FORMS: dict[str, Form] = {
    "GB": Form(GB_BOXES, gb_boxes, lambda found, scheme, _: due(found, scheme)),
    "IE": Form(IE_NAMES, ie_boxes, lambda found, scheme, _: due(found, scheme)),
    "DE": _form(ustva),
    "ES": _form(modelo303),
    "FR": _form(ca3),
    "CA": _form(gst34),
}
BOX_NAMES = {country: form.names for country, form in FORMS.items()}


def boxes(country: str, found: Figures, scheme: Scheme = STANDARD) -> dict[str, Decimal]:
    return FORMS[country].boxes(found, scheme)


def total_due(country: str, found: Figures, scheme: Scheme, boxes: dict[str, Decimal]) -> Decimal:
    """What the return says is due (positive) or repayable (negative)."""
    return FORMS[country].due(found, scheme, boxes)


def tax_by_account(country: str, found: Figures) -> dict[str, Decimal]:
    """The tax the return declares, by the account it is on: output tax positive, input tax negative (what filing
    moves to the VAT liability account)."""
    rates = FORMS[country].rates
    out: dict[str, Decimal] = {}
    for part, amount in found.parts.items():
        if part.figure in (OUTPUT_TAX, INPUT_TAX) and (rates is None or part.rate in rates):
            out[part.account] = out.get(part.account, ZERO) + (amount if part.figure == OUTPUT_TAX else -amount)
    return out


# --- drill-down: the transactions behind a box -------------------------------------------------------------

# What each transaction adds to a box, from its figures (boxes 2, 8 and 9 take none). Under
# the flat rate, box 1 is worked out from the turnover: its drill-down lists the output tax charged.
BOX_FIGURES: dict[str, Callable[[Figures], Decimal]] = {
    "box_1": lambda f: f.output_tax, "box_3": lambda f: f.output_tax, "box_4": lambda f: f.input_tax,
    "box_5": lambda f: f.net, "box_6": lambda f: f.sales, "box_7": lambda f: f.purchases,
    "box_T1": lambda f: f.output_tax, "box_T2": lambda f: f.input_tax, "box_T3": lambda f: f.net,
    "box_T4": lambda f: -f.net, **IE_TRADE, **ustva.FIGURES, **modelo303.FIGURES, **ca3.FIGURES, **gst34.FIGURES}


def filed_conditions(db: Session, tax_return_id: str, out_of_scope: frozenset[str]) -> list[ColumnElement[bool]]:
    """The entries a filed return took: those of the transactions recorded with it."""
    taken = select(TaxReturnTransaction.transaction_id).where(TaxReturnTransaction.tax_return_id == tax_return_id)
    return [LedgerEntry.transaction_id.in_(taken), *taxed(db, out_of_scope)]


def box_transactions(db: Session, conditions: Sequence[ColumnElement[bool]], box: str, *, offset: int,
                     limit: int) -> list[tuple[str, Decimal]]:
    """The transactions behind `box` with what each adds to it (`by_transaction`'s figures, the returns' own
    split), oldest first; `conditions` are a draft's `Scope.conditions` or `filed_conditions`. On the cash basis
    the paid shares (cash.py) are not listed."""
    value = BOX_FIGURES.get(box)
    if value is None:
        return []
    found = {tid: value(f) for tid, f in by_transaction(db, conditions, STANDARD).items()}
    found = {tid: amount for tid, amount in found.items() if amount}
    rows = db.execute(select(Transaction.id, Transaction.date).where(Transaction.id.in_(found))).all() if found else []
    dates = {tid: on for tid, on in rows}
    ordered = sorted(found, key=lambda tid: (dates[tid], tid))
    return [(tid, found[tid]) for tid in ordered[offset:offset + limit]]
