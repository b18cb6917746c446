"""Bulk loading of benchmark books straight into a migrated ledgerd database.

Benchmarks need 100,000 transactions or invoices; posting them one by one over HTTP would take longer
than the measurement. The rows written here are what the posting path writes (balanced transactions,
one entry per posting, legacy ids from the business's counters), inserted with executemany; each
benchmark checks the loaded books against the peer's own totals.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from ledgerd.artefacts.models import Artefact, ArtefactLine
from ledgerd.db.counters import set_at_least
from ledgerd.ledger import balances
from ledgerd.ledger.models import LedgerAccount, LedgerEntry, Transaction

# hledger account → nominal code of the GB chart.
ACCOUNTS = {"assets:debtors": 1100, "income:sales": 4000, "liabilities:vat": 2200, "expenses:office": 7500,
            "liabilities:creditors": 2100}
# What the sales service copies from the customer's main address (a contact created with a name only).
ADDRESS = {"address_line_1": "", "address_line_2": "", "city": "", "postal_code": "", "region": "",
           "country_id": None, "address_type_id": "SALES", "country_group_id": None}
_POSTING = re.compile(r"^\s+(\S+)\s+£(-?[\d.]+)$")
CHUNK = 5000


def parse_journal(path: Path) -> Iterator[tuple[dt.date, str, list[tuple[str, Decimal]]]]:
    """(date, description, [(account, signed amount)]) for every transaction of an hledger journal."""
    head: tuple[dt.date, str] | None = None
    postings: list[tuple[str, Decimal]] = []
    for line in path.read_text().splitlines():
        if not line.strip():
            if head:
                yield head[0], head[1], postings
            head, postings = None, []
        elif line[0].isdigit():
            day, _, description = line.partition(" ")
            head = (dt.date.fromisoformat(day), description)
        elif match := _POSTING.match(line):
            postings.append((match.group(1), Decimal(match.group(2))))
    if head:
        yield head[0], head[1], postings


def _account_ids(engine: Engine, business_id: str) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(LedgerAccount.nominal_code, LedgerAccount.id)
                            .where(LedgerAccount.business_id == business_id)).all()
    return {code: account_id for code, account_id in rows}


def load_journal(engine: Engine, business_id: str, path: Path, now: dt.datetime) -> int:
    """Post every transaction of the journal as a JOURNAL transaction; returns how many."""
    accounts = _account_ids(engine, business_id)
    txns: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []
    count = entry_count = 0

    def flush() -> None:
        with engine.begin() as conn:
            if txns:
                conn.execute(insert(Transaction), txns)
                conn.execute(insert(LedgerEntry), entries)
        txns.clear()
        entries.clear()

    for day, description, postings in parse_journal(path):
        count += 1
        tid = secrets.token_hex(16)
        total = sum((amount for _, amount in postings if amount > 0), Decimal(0))
        txns.append({"id": tid, "business_id": business_id, "legacy_id": count, "created_at": now, "updated_at": now,
                     "transaction_type_id": "JOURNAL", "date": day, "reference": description[:255],
                     "contact_id": None, "total": total, "total_in_transaction_currency": None,
                     "origin_type": None, "origin_id": None, "deleted": False, "reverses_id": None})
        for position, (account, amount) in enumerate(postings):
            entry_count += 1
            entries.append({"id": secrets.token_hex(16), "business_id": business_id, "legacy_id": entry_count,
                            "created_at": now, "updated_at": now, "transaction_id": tid, "position": position,
                            "date": day, "ledger_account_id": accounts[ACCOUNTS[account]],
                            "debit": max(amount, Decimal(0)), "credit": max(-amount, Decimal(0)),
                            "contact_id": None, "tax_rate_id": None, "description": "",
                            "transaction_type_id": "JOURNAL"})
        if len(txns) >= CHUNK:
            flush()
    flush()
    with engine.begin() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as db:
            set_at_least(db, f"{business_id}:legacy:transactions", count)
            set_at_least(db, f"{business_id}:legacy:ledger_entries", entry_count)
    rebuild_balances(engine, business_id)
    return count


def rebuild_balances(engine: Engine, business_id: str) -> None:
    """The daily balances `posting.post` keeps, recomputed from the entries inserted above."""
    from sqlalchemy.orm import Session

    with engine.begin() as conn, Session(bind=conn) as db:
        balances.rebuild(db, business_id)
    settle(engine)


def settle(engine: Engine) -> None:
    """Checkpoint SQLite's write-ahead log into the database file, as SQLite does on its own once the
    writers are done. Without it, a server already running keeps reading the freshly loaded pages through a
    WAL of a few hundred MB (every page looked up in the WAL index first), while a baseline measured after
    the server stopped (the last connection's close checkpoints) reads the plain file: an unequal race."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def load_invoices(engine: Engine, business_id: str, contact_id: str, count: int, now: dt.datetime,
                  ledger: bool = False) -> None:
    """`count` posted-looking sales invoices with three GB_STANDARD lines each, stored as the sales service
    stores them (tax breakdown, copied address). Without `ledger`, no ledger rows (the list benchmark reads
    documents); with it, each invoice's transaction and entries (Dr debtors, Cr sales and VAT) and the daily
    balances, as posting writes them (the sandbox benchmark copies whole books)."""
    accounts = _account_ids(engine, business_id)
    sales = accounts[4000]
    artefacts: list[dict[str, object]] = []
    lines: list[dict[str, object]] = []
    txns: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []

    def flush() -> None:
        with engine.begin() as conn:
            if artefacts:
                if txns:
                    conn.execute(insert(Transaction), txns)
                    conn.execute(insert(LedgerEntry), entries)
                conn.execute(insert(Artefact), artefacts)
                conn.execute(insert(ArtefactLine), lines)
        for rows in (artefacts, lines, txns, entries):
            rows.clear()

    for n in range(1, count + 1):
        aid = secrets.token_hex(16)
        day = dt.date(2024, 1, 1) + dt.timedelta(days=n % 700)
        nets = [Decimal(10 * k + n % 97) for k in (1, 2, 3)]
        taxes = [(net * Decimal("0.2")).quantize(Decimal("0.01")) for net in nets]
        net, tax = sum(nets), sum(taxes)
        artefacts.append({
            "id": aid, "business_id": business_id, "legacy_id": n, "created_at": now + dt.timedelta(microseconds=n),
            "updated_at": now, "kind": "SALES_INVOICE", "contact_id": contact_id, "contact_name": "Bench Customer",
            "contact_reference": "BENCH", "number_prefix": "SI-", "number": n, "date": day,
            "due_date": day + dt.timedelta(days=30), "reference": f"REF{n}", "currency_id": "GBP",
            "net_amount": net, "tax_amount": tax, "total_amount": net + tax, "total_quantity": Decimal(3),
            "base_currency_net_amount": net, "base_currency_tax_amount": tax,
            "base_currency_total_amount": net + tax, "outstanding_amount": net + tax, "status_id": "UNPAID",
            "shipping_tax_rate_id": None, "main_address": {**ADDRESS, "id": secrets.token_hex(16)}})
        if ledger:
            tid = secrets.token_hex(16)
            artefacts[-1]["transaction_id"] = tid
            txns.append({"id": tid, "business_id": business_id, "legacy_id": n, "created_at": now,
                         "updated_at": now, "transaction_type_id": "SALES_INVOICE", "date": day, "reference": f"REF{n}",
                         "contact_id": contact_id, "total": net + tax, "total_in_transaction_currency": None,
                         "origin_type": "sales_invoices", "origin_id": aid, "deleted": False, "reverses_id": None})
            for position, (code, debit, credit) in enumerate(((1100, net + tax, Decimal(0)), (4000, Decimal(0), net),
                                                              (2200, Decimal(0), tax))):
                entries.append({"id": secrets.token_hex(16), "business_id": business_id,
                                "legacy_id": 3 * (n - 1) + position + 1, "created_at": now, "updated_at": now,
                                "transaction_id": tid, "position": position, "date": day,
                                "ledger_account_id": accounts[code], "debit": debit, "credit": credit,
                                "contact_id": contact_id if code == 1100 else None,
                                "tax_rate_id": "GB_STANDARD" if code == 2200 else None, "description": "",
                                "transaction_type_id": "SALES_INVOICE"})
        for position, (line_net, line_tax) in enumerate(zip(nets, taxes, strict=True)):
            lines.append({
                "id": secrets.token_hex(16), "artefact_id": aid, "position": position,
                "description": f"Item {position + 1}", "ledger_account_id": sales, "quantity": Decimal(1),
                "unit_price": line_net, "net_amount": line_net, "tax_rate_id": "GB_STANDARD",
                "tax_amount": line_tax, "total_amount": line_net + line_tax, "base_currency_unit_price": line_net,
                "base_currency_net_amount": line_net, "base_currency_tax_amount": line_tax,
                "base_currency_total_amount": line_net + line_tax,
                "tax_breakdown": [{"tax_rate_id": "GB_STANDARD", "percentage": "20.0", "amount": str(line_tax),
                                   "base_currency_amount": str(line_tax)}]})
        if len(artefacts) >= CHUNK:
            flush()
    flush()
    with engine.begin() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as db:
            set_at_least(db, f"{business_id}:legacy:artefacts", count)
            set_at_least(db, f"{business_id}:number:SALES_INVOICE", count)
            if ledger:
                set_at_least(db, f"{business_id}:legacy:transactions", count)
                set_at_least(db, f"{business_id}:legacy:ledger_entries", 3 * count)
    if ledger:
        rebuild_balances(engine, business_id)
    settle(engine)
