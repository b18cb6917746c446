"""Console pages over the figures: the overview's charts, trial balance, profit and loss, balance sheet, aged
debtors and creditors, and VAT returns with the transactions behind each box. Every figure is the domain's own
(reports/service.py, ledger/balances.py, tax_returns/figures.py); these pages only lay them out.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from ledgerd.artefacts.models import Artefact
from ledgerd.banking.models import BankAccount
from ledgerd.errors import NotFound
from ledgerd.ledger import balances
from ledgerd.ledger.models import Transaction
from ledgerd.reports import service
from ledgerd.settings.service import financial_year
from ledgerd.tax_returns import figures, periods
from ledgerd.tax_returns.models import DraftTaxReturn, TaxReturn
from ledgerd.web.console import charts
from ledgerd.web.console.books import document_href, document_number, kind_label, origin_href
from ledgerd.web.console.frame import Paged, View, window

ZERO = Decimal(0)
MONTHS = 12
BUCKET_LABELS = {"current": "Current", "days_1_30": "1-30 days", "days_31_60": "31-60 days",
                 "days_61_90": "61-90 days", "days_91_plus": "91+ days"}


def _months(today: date, count: int = MONTHS) -> list[tuple[date, date]]:
    """The last `count` calendar months up to `today`'s, oldest first, as (first day, last day)."""
    out: list[tuple[date, date]] = []
    first = today.replace(day=1)
    for _ in range(count):
        following = (first + timedelta(days=32)).replace(day=1)
        out.append((first, following - timedelta(days=1)))
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def overview(view: View) -> Response:
    """Charts that read bounded rows (daily balances): the aged buckets, which read every open document, are
    charted on the aged reports' own pages."""
    today = view.runtime.clock.today()
    months = _months(today)
    plots: list[dict[str, Any]] = []
    if view.may("reporting"):
        profit = [(start.strftime("%b %y"), service.profit_and_loss(view.db, start, end).net_profit)
                  for start, end in months]
        plots.append({"id": "plot-profit", "title": "Profit and loss by month", "rows": profit,
                      "svg": charts.bars("Net profit by month", profit)})
    if view.may("bank"):
        ids = list(view.db.scalars(select(BankAccount.ledger_account_id)))
        bank = [(end.strftime("%b %y"), sum((s.net for s in balances.sums(view.db, ids, to_date=end).values()), ZERO))
                for _, end in months]
        plots.append({"id": "plot-bank", "title": "Bank balance over time", "rows": bank,
                      "svg": charts.line("Bank balance at each month end", bank)})
    return view.render("console_overview.html", title=view.business.name if view.business else "Console",
                       plots=plots)


def _range(view: View) -> tuple[date, date]:
    today = view.runtime.clock.today()
    to_date = view.day("to_date", today) or today
    from_date = view.day("from_date") or financial_year(view.db, to_date)[0]
    return from_date, to_date


def report_index(view: View) -> Response:
    return view.render("console_reports.html", title="Reports")


def trial_balance(view: View) -> Response:
    from_date, to_date = _range(view)
    lines = balances.trial_balance(view.db, from_date, to_date)
    rows = [{"code": line.account.nominal_code, "name": line.account.name,
             "href": view.href(f"/ledger/{line.account.id}", from_date=from_date, to_date=to_date)
             if view.may("journals") else None,
             "debit": line.net if line.net > 0 else None, "credit": -line.net if line.net < 0 else None}
            for line in lines]
    debits = sum((line.net for line in lines if line.net > 0), ZERO)
    credits = -sum((line.net for line in lines if line.net < 0), ZERO)
    return view.render("console_trial_balance.html", title="Trial balance", rows=rows, debits=debits,
                       credits=credits, from_date=from_date, to_date=to_date)


def profit_and_loss(view: View) -> Response:
    from_date, to_date = _range(view)
    report = service.profit_and_loss(view.db, from_date, to_date)
    return view.render("console_profit_and_loss.html", title="Profit and loss", report=report,
                       from_date=from_date, to_date=to_date, type_label=kind_label)


def balance_sheet(view: View) -> Response:
    on = view.day("on", view.runtime.clock.today()) or view.runtime.clock.today()
    return view.render("console_balance_sheet.html", title="Balance sheet",
                       report=service.balance_sheet(view.db, on), on=on, type_label=kind_label)


def aged(view: View) -> Response:
    which = view.request.path_params["which"]
    kinds = {"debtors": service.DEBTOR_KINDS, "creditors": service.CREDITOR_KINDS}.get(which)
    if kinds is None:
        raise NotFound("No such report.")
    on = view.day("on", view.runtime.clock.today()) or view.runtime.clock.today()
    report = service.aged(view.db, on, kinds)
    side = "sales" if which == "debtors" else "purchases"
    rows = [{"name": c.name, "reference": c.reference, "buckets": c.buckets, "total": c.total,
             "href": view.href(f"/{side}", kind="all", contact=c.contact_id) if view.may(side) else None}
            for c in report.contacts]
    points = [(BUCKET_LABELS[b], report.totals[b]) for b in service.BUCKETS]
    return view.render("console_aged.html", title=f"Aged {which}", which=which, report=report, rows=rows, on=on,
                       buckets=[(b, BUCKET_LABELS[b]) for b in service.BUCKETS],
                       chart=charts.bars(f"Aged {which} by bucket", points))


# ---- VAT returns -------------------------------------------------------------------------------------------

def _country(view: View) -> str:
    country = view.business.country_id if view.business else ""
    if country not in figures.BOX_NAMES:
        raise NotFound(f"ledgerd files no VAT returns for businesses in {country}.")
    return country


def vat_returns(view: View) -> Response:
    country = view.business.country_id if view.business else ""
    drafts = view.db.scalars(select(DraftTaxReturn).where(DraftTaxReturn.status_id == "DRAFT")
                             .order_by(DraftTaxReturn.period_start_date.desc()).limit(100)).all()
    filed = view.db.scalars(select(TaxReturn).order_by(TaxReturn.period_start_date.desc()).limit(100)).all()
    return view.render("console_vat.html", title="VAT returns", supported=country in figures.BOX_NAMES,
                       drafts=drafts, filed=filed)


def _return(view: View) -> tuple[str, DraftTaxReturn | TaxReturn]:
    kind, key = view.request.path_params["kind"], view.request.path_params["return_id"]
    found: DraftTaxReturn | TaxReturn | None = None
    if kind == "draft":
        found = view.db.get(DraftTaxReturn, key)
    elif kind == "filed":
        found = view.db.get(TaxReturn, key)
    if found is None or found.business_id != view.business_id:
        raise NotFound("No such VAT return.")
    return kind, found


def vat_return(view: View) -> Response:
    country = _country(view)
    kind, found = _return(view)
    boxes = [{"name": name, "value": Decimal(found.boxes.get(name, "0")),
              "href": view.href(f"/vat/{kind}/{found.id}/{name}") if name in figures.BOX_FIGURES else None}
             for name in figures.BOX_NAMES[country]]
    return view.render("console_vat_return.html", title=f"VAT return {found.displayed_as}", kind=kind,
                       found=found, boxes=boxes)


def vat_box(view: View) -> Response:
    country = _country(view)
    kind, found = _return(view)
    box = view.request.path_params["box"]
    if box not in figures.BOX_NAMES[country]:
        raise NotFound("No such box.")
    rules = periods.country(country)
    if isinstance(found, TaxReturn):
        conditions = figures.filed_conditions(view.db, found.id, rules.out_of_scope)
    else:  # a draft: what the return would take now, as recalculating it would
        scope = figures.scope(view.db, rules, found.period_start_date, found.period_end_date)
        conditions = scope.conditions(view.db)
    number = view.page_number()
    offset, limit = window(number)
    paged = Paged.of(figures.box_transactions(view.db, conditions, box, offset=offset, limit=limit), number)
    ids = [tid for tid, _ in paged.rows]
    txns = {t.id: t for t in view.db.scalars(select(Transaction).where(Transaction.id.in_(ids)))} if ids else {}
    docs = {a.transaction_id: a for a in view.db.execute(
        select(Artefact.id, Artefact.kind, Artefact.number_prefix, Artefact.number, Artefact.reference,
               Artefact.vendor_reference, Artefact.transaction_id, Artefact.contact_name)
        .where(Artefact.transaction_id.in_(ids)))} if ids else {}
    rows = []
    for tid, amount in paged.rows:
        txn, doc = txns[tid], docs.get(tid)
        rows.append({"date": txn.date, "type": kind_label(txn.transaction_type_id), "reference": txn.reference,
                     "amount": amount, "document": document_number(doc) if doc else None,
                     "contact": doc.contact_name if doc else "",
                     "href": (document_href(view, doc.kind, doc.id) if doc else origin_href(view, txn))
                     or (view.href(f"/transactions/{tid}") if view.may("journals") else None)})
    base = view.request.url.path
    pages = {"previous": f"{base}?page={number - 1}" if number > 1 else None,
             "next": f"{base}?page={number + 1}" if paged.more else None}
    return view.render("console_vat_box.html", title=f"{box.replace('_', ' ').title()} of {found.displayed_as}",
                       box=box, value=Decimal(found.boxes.get(box, "0")), found=found, kind=kind, rows=rows,
                       pages=pages, return_href=view.href(f"/vat/{kind}/{found.id}"))
