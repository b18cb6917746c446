"""Draft tax returns, filing them, and what the tax authority says back.

A draft is the return of one VAT period as the ledger stands when it is calculated (figures.py). Filing
(`submit`) calculates it again, sends it to the authority (HMRC's MTD API, simulated in hmrc.py; Revenue's
VAT3 for Ireland is recorded as filed), records the `TaxReturn` and the transactions it took, and, as Sage
does, posts one transaction moving the period's VAT from the VAT on sales and VAT on purchases accounts to the
VAT liability account, dated the period's last day. Paying HMRC (or being repaid) is then an ordinary payment
against that liability account; a return shows `paid` once such payments cover it (oldest return first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, or_, select, type_coerce
from sqlalchemy.orm import Session

from ledgerd.db.base import Money
from ledgerd.db.counters import next_value
from ledgerd.db.tenancy import current_business
from ledgerd.errors import Invalid, Problem
from ledgerd.ledger import posting
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import LedgerAccount, LedgerEntry, TaxReturnTransaction, Transaction
from ledgerd.settings import service as settings
from ledgerd.settings.defaults import region_settings
from ledgerd.settings.models import MigrationTaxReturn
from ledgerd.tax_returns import cash, figures, hmrc, periods, schemes
from ledgerd.tax_returns.amounts import Figures
from ledgerd.tax_returns.models import DraftTaxReturn, TaxReturn
from ledgerd.tax_returns.schemas import DraftTaxReturnCreate, ObligationQuery

ZERO = Decimal(0)
DRAFT, SUBMITTED = "DRAFT", "SUBMITTED"
STATUSES = {DRAFT: "Draft", SUBMITTED: "Submitted"}
# HMRC's figures, in box order.
HMRC_FIGURES = dict(zip(hmrc.FIGURES, figures.BOX_NAMES["GB"], strict=True))


def stored(boxes: dict[str, Decimal]) -> dict[str, str]:
    return {name: str(value) for name, value in boxes.items()}


def _overlapping(model: Any, start: date, end: date) -> Any:
    return model.period_start_date <= end, model.period_end_date >= start


def _check_free(db: Session, start: date, end: date, *, draft_id: str | None = None) -> None:
    """No filed, migrated or other open draft return may cover any day of the period."""
    if db.scalar(select(TaxReturn.id).where(*_overlapping(TaxReturn, start, end)).limit(1)) is not None:
        raise Invalid("A tax return has already been submitted for this period.", "period_start_date")
    migrated = select(MigrationTaxReturn.id).where(MigrationTaxReturn.from_date <= end,
                                                   MigrationTaxReturn.to_date >= start).limit(1)
    if db.scalar(migrated) is not None:
        raise Invalid("A migrated tax return already covers this period.", "period_start_date")
    drafts = select(DraftTaxReturn.id).where(*_overlapping(DraftTaxReturn, start, end),
                                             DraftTaxReturn.status_id == DRAFT)
    if draft_id is not None:
        drafts = drafts.where(DraftTaxReturn.id != draft_id)
    if db.scalar(drafts.limit(1)) is not None:
        raise Invalid("A draft tax return already exists for this period: delete it to calculate the period again.",
                      "period_start_date")


def _period(calendar: periods.Calendar, body: DraftTaxReturnCreate) -> periods.Period:
    first = calendar.containing(body.period_start_date)
    if first.start != body.period_start_date:
        raise Invalid(f"must be the first day of a {calendar.frequency_id} tax return period "
                      f"({first.start.isoformat()} - {first.end.isoformat()} contains it).", "period_start_date")
    if first.end != body.period_end_date:
        raise Invalid(f"must be {first.end.isoformat()}, the last day of the {calendar.frequency_id} period "
                      "starting on period_start_date.", "period_end_date")
    return first


@dataclass(frozen=True)
class Calculation:
    """A period's return under the business's scheme: what it takes, its figures, boxes and total."""

    scope: figures.Scope
    found: Figures
    boxes: dict[str, Decimal]
    due: Decimal


def _calculate(db: Session, country: str, start: date, end: date, today: date) -> Calculation:
    rules = periods.country(country)
    scheme = schemes.of(rules, settings.financial(db, today))
    scope = figures.scope(db, rules, start, end, scheme)
    found = figures.figures(db, scope) + cash.received(db, scope)
    boxes = figures.boxes(country, found, scheme)
    return Calculation(scope, found, boxes, figures.total_due(country, found, scheme, boxes))


def create_draft(db: Session, business_id: str, country: str, body: DraftTaxReturnCreate,
                 today: date) -> DraftTaxReturn:
    rules = periods.country(country)
    if settings.financial(db, today).get("tax_scheme_id") == "NOT_REGISTERED":
        raise Invalid("The business is not registered for VAT (its tax scheme is NOT_REGISTERED).", "tax_scheme_id")
    period = _period(periods.business_calendar(db, today), body)
    _check_free(db, period.start, period.end)
    calculated = _calculate(db, country, period.start, period.end, today)
    draft = DraftTaxReturn(business_id=business_id, period_start_date=period.start, period_end_date=period.end,
                           tax_return_type_id=rules.return_type["id"], status_id=DRAFT,
                           period_key=period.key if rules.authority == "HMRC" else None,
                           total_amount=calculated.due, boxes=stored(calculated.boxes))
    db.add(draft)
    return draft


def delete_check(draft: DraftTaxReturn) -> None:
    if draft.status_id != DRAFT:
        raise Invalid("A submitted tax return cannot be deleted.", "base")


# --- filing -------------------------------------------------------------------------------------------------

def _refused(error: hmrc.HmrcError, source: str = "base") -> Invalid:
    return Invalid(problems=[Problem("RecordInvalid", f"HMRC refused the request ({error.code}): {error.message}.",
                                     source)])


def _vrn(db: Session, today: date) -> str:
    try:
        return hmrc.vrn(settings.financial(db, today).get("tax_number"))
    except hmrc.HmrcError:
        raise Invalid("HMRC needs the business's VAT registration number (9 digits): set tax_number in the "
                      "financial settings.", "tax_number") from None


def _send_to_hmrc(db: Session, draft: DraftTaxReturn, boxes: dict[str, Decimal], now: datetime) -> dict[str, Any]:
    number = _vrn(db, now.date())
    body: dict[str, Any] = {"periodKey": draft.period_key,
                            **{name: boxes[box] for name, box in HMRC_FIGURES.items()}, "finalised": True}
    try:
        return hmrc.submit_return(db, number, periods.business_calendar(db, now.date()), body, now)
    except hmrc.HmrcError as error:
        raise _refused(error) from None


def _transfer(db: Session, ret: TaxReturn, country: str, calculated: Calculation) -> None:
    """Move the tax the return declares from the accounts it is on (the VAT on sales and purchases controls, a
    rate's own account: SKR03 1771, Canada's GST/HST accounts but not PST or QST) to the VAT liability account.
    Under the flat rate scheme the liability is the flat rate tax less the capital goods' input tax; what the
    documents charged beyond it (or short of it) is income (or a cost) of the business: HMRC's Business Income
    Manual BIM31605."""
    moved = {account: amount for account, amount in figures.tax_by_account(country, calculated.found).items()
             if amount}
    if not (moved or calculated.due):
        return
    entries = posting.Entries()  # positive amounts are debits
    for account, amount in sorted(moved.items()):
        entries.add(account, amount, debit=True, description="VAT return")
    entries.add(control(db, "TAX_LIABILITY").id, -calculated.due, debit=True, description="VAT return")
    if calculated.scope.scheme.flat_rate is not None:
        entries.balance_to(flat_rate_account(db, country), description="Flat rate VAT adjustment")
    posting.post(db, business_id=ret.business_id, transaction_type_id="JOURNAL", on=ret.period_end_date,
                 lines=entries.lines, reference=f"VAT Return {ret.tax_return_number}", origin=(figures.ORIGIN, ret.id),
                 record=ret)


def flat_rate_account(db: Session, country: str) -> str:
    """The business's other income account (its default ledger account for other receipts)."""
    chosen = settings.stored(db, "business").get("default_ledger_accounts", {}).get("other_receipt")
    if chosen:
        return str(chosen)
    code = region_settings(country).default_ledger_accounts["other_receipt"]
    account_id = db.scalar(select(LedgerAccount.id).where(LedgerAccount.nominal_code == code))
    if account_id is None:
        raise Invalid(f"The flat rate VAT adjustment needs an other income account ({code}): set the default "
                      "ledger account for other receipts in the business settings.", "base")
    return str(account_id)


def submit(db: Session, draft: DraftTaxReturn, country: str, now: datetime) -> TaxReturn:
    """File a draft (locked by the caller: db/locks.py): calculate it again, send it, record the return and
    the transactions it took."""
    if draft.status_id != DRAFT:
        raise Invalid("This tax return has already been submitted.", "base")
    if draft.period_end_date >= now.date():
        raise Invalid(f"The period has not ended: it can be submitted from "
                      f"{date.fromordinal(draft.period_end_date.toordinal() + 1).isoformat()}.", "period_end_date")
    _check_free(db, draft.period_start_date, draft.period_end_date, draft_id=draft.id)
    calculated = _calculate(db, country, draft.period_start_date, draft.period_end_date, now.date())
    boxes = calculated.boxes
    receipt = _send_to_hmrc(db, draft, boxes, now) if periods.country(country).authority == "HMRC" else {}
    business_id = current_business(db)
    assert business_id is not None
    ret = TaxReturn(business_id=business_id, tax_return_number=str(next_value(db, f"{business_id}:number:TAX_RETURN")),
                    tax_return_type_id=draft.tax_return_type_id, period_key=draft.period_key,
                    period_start_date=draft.period_start_date, period_end_date=draft.period_end_date,
                    total_amount=calculated.due, boxes=stored(boxes), submitted_at=now, receipt=receipt)
    db.add(ret)
    db.flush()
    taken = sorted({*figures.transaction_ids(db, calculated.scope), *cash.transaction_ids(db, calculated.scope)})
    if taken:
        db.execute(insert(TaxReturnTransaction), [{"business_id": business_id, "tax_return_id": ret.id,
                                                   "transaction_id": t} for t in taken])
    _transfer(db, ret, country, calculated)
    draft.status_id, draft.tax_return_id = SUBMITTED, ret.id
    draft.total_amount, draft.boxes = calculated.due, stored(boxes)
    db.flush()
    return ret


# --- paid ---------------------------------------------------------------------------------------------------

def paid(db: Session) -> dict[str, bool]:
    """Whether each filed return is settled: payments to the VAT liability account (debits) cover the returns
    to pay, oldest first, and receipts from it (credits) the repayments. Reversed payments do not count."""
    liability = control(db, "TAX_LIABILITY").id
    debits, credits = db.execute(
        select(type_coerce(func.sum(LedgerEntry.debit), Money), type_coerce(func.sum(LedgerEntry.credit), Money))
        .join(Transaction, Transaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.ledger_account_id == liability, Transaction.deleted.is_(False),
               or_(Transaction.origin_type.is_(None), Transaction.origin_type != figures.ORIGIN))).one()
    payable = repayable = ZERO
    out: dict[str, bool] = {}
    for return_id, total in db.execute(select(TaxReturn.id, TaxReturn.total_amount)
                                       .order_by(TaxReturn.submitted_at, TaxReturn.legacy_id)):
        if total > ZERO:
            payable += total
            out[return_id] = payable <= (debits or ZERO)
        elif total < ZERO:
            repayable -= total
            out[return_id] = repayable <= (credits or ZERO)
        else:
            out[return_id] = True
    return out


def returns_by_id(db: Session, ids: Sequence[str | None]) -> dict[str, TaxReturn]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {r.id: r for r in db.scalars(select(TaxReturn).where(TaxReturn.id.in_(wanted)))}


# --- obligations --------------------------------------------------------------------------------------------

def _obligation(item: dict[str, Any], today: date) -> dict[str, Any]:
    due = date.fromisoformat(item["due"])
    status = "FULFILLED" if item["status"] == "F" else "OVERDUE" if due < today else "OPEN"
    received = item.get("received")
    return {"start_date": date.fromisoformat(item["start"]), "end_date": date.fromisoformat(item["end"]),
            "due_date": due, "received_date": date.fromisoformat(received) if received else None,
            "hmrc_status": item["status"], "period_key": item["periodKey"], "status": status}


def obligation_periods(db: Session, query: ObligationQuery, today: date) -> list[dict[str, Any]]:
    """HMRC's VAT obligations of the business (the last 365 days unless dates are given), oldest first."""
    number = _vrn(db, today)
    to_date = query.to_date or today
    from_date = query.from_date or date.fromordinal(to_date.toordinal() - 365)
    calendar = periods.business_calendar(db, today)
    try:
        answer = hmrc.obligations(db, number, calendar, periods.country("GB"), from_date=from_date, to_date=to_date,
                                  status=query.status, today=today)
    except hmrc.HmrcError as error:
        if error.code == "NOT_FOUND":
            return []
        raise _refused(error, "to_date" if error.code == "INVALID_DATE_RANGE" else "status") from None
    return [_obligation(item, today) for item in answer["obligations"]]
