"""Console pages over the books: contacts, sales and purchase documents, ledger accounts, journals and the
transactions behind them. Lists read columns only (never whole documents with their lines), one page at a time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from ledgerd.artefacts.kinds import BY_KIND
from ledgerd.artefacts.models import Allocation, Artefact
from ledgerd.contacts import service as contacts
from ledgerd.contacts.models import Contact
from ledgerd.errors import NotFound
from ledgerd.journals.models import Journal
from ledgerd.ledger import balances
from ledgerd.ledger.models import LedgerAccount, LedgerEntry, Transaction, account_label
from ledgerd.regions.data import lookups
from ledgerd.reports.service import CREDITOR_KINDS, DEBTOR_KINDS
from ledgerd.web.console.frame import Paged, View, window

ZERO = Decimal(0)
# The document kinds of each side: the API's kinds, and the opening balances and payments on account it ages.
SIDES = {
    "sales": tuple(dict.fromkeys([*(k for k, v in BY_KIND.items() if v.sales), *DEBTOR_KINDS])),
    "purchases": tuple(dict.fromkeys([*(k for k, v in BY_KIND.items() if not v.sales), *CREDITOR_KINDS])),
}
DEFAULT_KIND = {"sales": "SALES_INVOICE", "purchases": "PURCHASE_INVOICE"}
_ORIGIN_SIDE = {v.path: ("sales" if v.sales else "purchases") for v in BY_KIND.values()}


def _side(view: View) -> str:
    side: str = view.request.path_params["side"]
    if side not in SIDES:
        raise NotFound("No such page.")
    view.need(side)
    return side


def kind_label(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def _statuses() -> list[tuple[str, str]]:
    return [(s["id"], s["displayed_as"]) for s in (*lookups()["artefact_statuses"], *lookups()["quote_statuses"])]


def _side_of(view: View, kind: str) -> str | None:
    """The side a document kind belongs to, when the member may read that side."""
    side = next((s for s, kinds in SIDES.items() if kind in kinds), None)
    return side if side is not None and view.may(side) else None


def document_href(view: View, kind: str, artefact_id: str) -> str | None:
    side = _side_of(view, kind)
    return view.href(f"/{side}/{artefact_id}") if side else None


def origin_href(view: View, transaction: Transaction) -> str | None:
    """The console page of what posted `transaction`, for documents (the rest have no page of their own)."""
    side = _ORIGIN_SIDE.get(transaction.origin_type or "")
    if side and transaction.origin_id and view.may(side):
        return view.href(f"/{side}/{transaction.origin_id}")
    return None


# ---- contacts ----------------------------------------------------------------------------------------------

def contact_list(view: View) -> Response:
    search = view.query.get("search", "").strip()
    number = view.page_number()
    offset, limit = window(number)
    stmt = select(Contact.id, Contact.name, Contact.reference, Contact.contact_type_ids, Contact.email)
    if search:
        pattern = f"%{search}%"
        stmt = stmt.where(or_(Contact.name.ilike(pattern), Contact.reference.ilike(pattern),
                              Contact.email.ilike(pattern)))
    found = Paged.of(list(view.db.execute(stmt.order_by(Contact.name, Contact.id).offset(offset).limit(limit))),
                     number)
    owed = contacts.balances(view.db, [row.id for row in found.rows])
    rows = [{"href": view.href(f"/contacts/{r.id}"), "name": r.name, "reference": r.reference,
             "types": ", ".join(t.title() for t in r.contact_type_ids), "email": r.email, "balance": owed[r.id]}
            for r in found.rows]
    return view.render("console_contacts.html", title="Contacts", rows=rows, paged=found, search=search,
                       pages=_pages(view, found, search=search))


def contact_detail(view: View) -> Response:
    contact = view.db.get(Contact, view.request.path_params["contact_id"])
    if contact is None or contact.business_id != view.business_id:
        raise NotFound("No such contact.")
    kinds = [k for side in ("sales", "purchases") if view.may(side) for k in SIDES[side]]
    docs = view.db.execute(_document_columns().where(Artefact.contact_id == contact.id, Artefact.kind.in_(kinds))
                           .order_by(Artefact.date.desc(), Artefact.id.desc()).limit(51)).all()
    return view.render("console_contact.html", title=contact.name, contact=contact,
                       balance=contacts.balances(view.db, [contact.id])[contact.id],
                       documents=[_document_row(view, d) for d in docs[:50]], more=len(docs) > 50)


# ---- documents ---------------------------------------------------------------------------------------------

def _document_columns() -> Select[*tuple[Any, ...]]:
    return select(Artefact.id, Artefact.kind, Artefact.number_prefix, Artefact.number, Artefact.reference,
                  Artefact.vendor_reference, Artefact.date, Artefact.due_date, Artefact.contact_name,
                  Artefact.contact_id, Artefact.status_id, Artefact.total_amount, Artefact.outstanding_amount,
                  Artefact.currency_id)


def document_number(row: Any) -> str:
    if row.number is not None:
        return f"{row.number_prefix}{row.number}"
    return str(row.vendor_reference or row.reference or "—")


def _document_row(view: View, row: Any) -> dict[str, Any]:
    return {"href": document_href(view, row.kind, row.id), "number": document_number(row),
            "kind": kind_label(row.kind), "date": row.date, "due_date": row.due_date, "contact": row.contact_name,
            "contact_href": view.href(f"/contacts/{row.contact_id}") if view.may("contacts") else None,
            "status": row.status_id.replace("_", " ").title(), "total": row.total_amount,
            "outstanding": row.outstanding_amount, "currency": row.currency_id}


def document_list(view: View) -> Response:
    side = _side(view)
    query = view.query
    kind = query.get("kind", DEFAULT_KIND[side])
    status, contact_id = query.get("status", ""), query.get("contact", "")
    from_date, to_date = view.day("from_date"), view.day("to_date")
    stmt = _document_columns().where(Artefact.kind.in_([kind] if kind in SIDES[side] else SIDES[side]))
    if status:
        stmt = stmt.where(Artefact.status_id == status)
    if contact_id:
        stmt = stmt.where(Artefact.contact_id == contact_id)
    if from_date:
        stmt = stmt.where(Artefact.date >= from_date)
    if to_date:
        stmt = stmt.where(Artefact.date <= to_date)
    number = view.page_number()
    offset, limit = window(number)
    # The list index (business, kind, date) gives this order without sorting the whole kind.
    found = Paged.of(list(view.db.execute(stmt.order_by(Artefact.date.desc(), Artefact.id.desc())
                                          .offset(offset).limit(limit))), number)
    filters = {"kind": kind, "status": status, "contact": contact_id,
               "from_date": query.get("from_date", ""), "to_date": query.get("to_date", "")}
    contact_name = view.db.scalar(select(Contact.name).where(Contact.id == contact_id)) if contact_id else None
    return view.render("console_documents.html", title="Sales" if side == "sales" else "Purchases", side=side,
                       rows=[_document_row(view, r) for r in found.rows], paged=found, filters=filters,
                       kinds=[(k, kind_label(k)) for k in SIDES[side]], statuses=_statuses(),
                       contact_name=contact_name, pages=_pages(view, found, **filters))


def _accounts(db: Session, ids: set[str]) -> dict[str, LedgerAccount]:
    if not ids:
        return {}
    return {a.id: a for a in db.scalars(select(LedgerAccount).where(LedgerAccount.id.in_(ids)))}


def _entries(view: View, transaction: Transaction) -> list[dict[str, Any]]:
    accounts = _accounts(view.db, {e.ledger_account_id for e in transaction.entries})
    return [{"account": account_label(accounts[e.ledger_account_id].name, accounts[e.ledger_account_id].nominal_code),
             "href": view.href(f"/ledger/{e.ledger_account_id}") if view.may("journals") else None,
             "description": e.description, "debit": e.debit, "credit": e.credit, "tax_rate": e.tax_rate_id}
            for e in sorted(transaction.entries, key=lambda e: e.position)]


def _tax_breakdown(artefact: Artefact) -> list[dict[str, Any]]:
    """Net and tax per tax rate over the document's lines (and its shipping), as its totals add them."""
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line in artefact.lines:
        entry = sums[line.tax_rate_id or "—"]
        entry[0] += line.net_amount
        entry[1] += line.tax_amount
    if artefact.shipping_net_amount or artefact.shipping_tax_amount:
        entry = sums[artefact.shipping_tax_rate_id or "—"]
        entry[0] += artefact.shipping_net_amount
        entry[1] += artefact.shipping_tax_amount
    return [{"tax_rate": rate, "net": net, "tax": tax} for rate, (net, tax) in sorted(sums.items())]


def document_detail(view: View) -> Response:
    side = _side(view)
    artefact = view.db.get(Artefact, view.request.path_params["document_id"])
    if artefact is None or artefact.business_id != view.business_id or artefact.kind not in SIDES[side]:
        raise NotFound("No such document.")
    allocations = view.db.execute(
        select(Allocation.date, Allocation.amount, Allocation.discount, Allocation.payment_id,
               Allocation.contact_allocation_id).where(Allocation.artefact_id == artefact.id)
        .order_by(Allocation.date, Allocation.id).limit(200)).all()
    transaction = view.db.get(Transaction, artefact.transaction_id) if artefact.transaction_id else None
    accounts = _accounts(view.db, {line.ledger_account_id for line in artefact.lines})
    lines = [{"description": line.description, "account": account_label(accounts[line.ledger_account_id].name,
                                                                         accounts[line.ledger_account_id].nominal_code),
              "quantity": line.quantity, "unit_price": line.unit_price, "net": line.net_amount,
              "tax_rate": line.tax_rate_id, "tax": line.tax_amount, "total": line.total_amount}
             for line in artefact.lines]
    return view.render("console_document.html", title=f"{kind_label(artefact.kind)} {document_number(artefact)}",
                       side=side, doc=artefact, lines=lines, breakdown=_tax_breakdown(artefact),
                       allocations=allocations, transaction=transaction,
                       transaction_href=view.href(f"/transactions/{transaction.id}") if transaction and view.may(
                           "journals") else None,
                       entries=_entries(view, transaction) if transaction else [],
                       contact_href=view.href(f"/contacts/{artefact.contact_id}") if view.may("contacts") else None)


# ---- ledger, journals, transactions ------------------------------------------------------------------------

def _period(view: View) -> tuple[date, date]:
    today = view.runtime.clock.today()
    to_date = view.day("to_date", today) or today
    from_date = view.day("from_date", to_date.replace(month=1, day=1)) or to_date
    return from_date, to_date


def account_list(view: View) -> Response:
    from_date, to_date = _period(view)
    accounts = list(view.db.scalars(select(LedgerAccount).order_by(LedgerAccount.nominal_code, LedgerAccount.id)))
    sums = balances.sums(view.db, [a.id for a in accounts], from_date=from_date, to_date=to_date)
    rows = [{"href": view.href(f"/ledger/{a.id}", from_date=from_date, to_date=to_date),
             "code": a.nominal_code, "name": a.name, "type": kind_label(a.ledger_account_type_id),
             "debits": sums[a.id].debits, "credits": sums[a.id].credits, "net": sums[a.id].net} for a in accounts]
    return view.render("console_ledger.html", title="Ledger accounts", rows=rows, from_date=from_date,
                       to_date=to_date)


def account_detail(view: View) -> Response:
    account = view.db.get(LedgerAccount, view.request.path_params["account_id"])
    if account is None or account.business_id != view.business_id:
        raise NotFound("No such ledger account.")
    from_date, to_date = _period(view)
    opening = balances.sums(view.db, [account.id], to_date=from_date - timedelta(days=1))[account.id].net
    number = view.page_number()
    offset, limit = window(number)
    found = Paged.of(list(view.db.execute(
        select(LedgerEntry.date, LedgerEntry.description, LedgerEntry.debit, LedgerEntry.credit,
               LedgerEntry.transaction_id, LedgerEntry.transaction_type_id)
        .where(LedgerEntry.ledger_account_id == account.id, LedgerEntry.date >= from_date,
               LedgerEntry.date <= to_date)
        .order_by(LedgerEntry.date, LedgerEntry.transaction_id, LedgerEntry.position).offset(offset).limit(limit))),
        number)
    period = balances.sums(view.db, [account.id], from_date=from_date, to_date=to_date)[account.id]
    rows = [{"date": e.date, "description": e.description, "type": kind_label(e.transaction_type_id),
             "debit": e.debit, "credit": e.credit, "href": view.href(f"/transactions/{e.transaction_id}")}
            for e in found.rows]
    return view.render("console_account.html", title=account_label(account.name, account.nominal_code),
                       account=account, rows=rows, paged=found, opening=opening, period=period,
                       closing=opening + period.net, from_date=from_date, to_date=to_date,
                       pages=_pages(view, found, from_date=from_date, to_date=to_date))


def journal_list(view: View) -> Response:
    number = view.page_number()
    offset, limit = window(number)
    found = Paged.of(list(view.db.execute(
        select(Journal.id, Journal.date, Journal.reference, Journal.description, Journal.total,
               Journal.transaction_id).order_by(Journal.date.desc(), Journal.id).offset(offset).limit(limit))),
        number)
    rows = [{"date": j.date, "reference": j.reference, "description": j.description, "total": j.total,
             "href": view.href(f"/transactions/{j.transaction_id}") if j.transaction_id else None}
            for j in found.rows]
    return view.render("console_journals.html", title="Journals", rows=rows, paged=found, pages=_pages(view, found))


def transaction_detail(view: View) -> Response:
    transaction = view.db.get(Transaction, view.request.path_params["transaction_id"])
    if transaction is None or transaction.business_id != view.business_id:
        raise NotFound("No such transaction.")
    return view.render("console_transaction.html", title=f"Transaction {transaction.reference or ''}".strip(),
                       transaction=transaction, type=kind_label(transaction.transaction_type_id),
                       entries=_entries(view, transaction), origin_href=origin_href(view, transaction))


def switch(view: View) -> Response:
    """The business switcher's answer: the chosen business's console (a member's only, as every page checks)."""
    wanted = view.query.get("business", "")
    target = next((b for b in view.businesses if b.id == wanted), None)
    if target is None:
        raise NotFound("No such business among yours.")
    return RedirectResponse(f"/console/{target.id}", status_code=303)


def _pages(view: View, paged: Paged, **params: Any) -> dict[str, str | None]:
    path = view.request.url.path
    query = {k: v for k, v in params.items() if v not in (None, "")}

    def link(number: int) -> str:
        return path + "?" + urlencode({**query, "page": number})

    return {"previous": link(paged.number - 1) if paged.number > 1 else None,
            "next": link(paged.number + 1) if paged.more else None}
