"""A fresh business and its books, driven over HTTP and read straight from the ledger.

`Books.open` makes an owner, a business and the owner's headers. On top of that:

* HTTP: `get`/`post`/`put`/`delete` return the response; `created`/`updated` check the status and return the body.
* Ledger accounts: `accounts` maps nominal code → ledger account id (the business's chart when opened).
* Read-outs: `balance` (one account), `balances` (per nominal code), `totals`, `transaction(s)`.
* Direct access: `document` inserts and posts an issued sales/purchase document without the sales/purchase
  endpoints; `artefact`/`state` read one back; `bank` finds a bank account; `tx` runs in the business's scope.
* `check`: the books' invariants (tests/support/invariants.py) for this business.

`problem` checks a Sage error body; `D` reads like a decimal literal.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.app import build_runtime, create_app
from ledgerd.artefacts.models import Artefact
from ledgerd.banking.models import BankAccount
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.db.counters import next_value
from ledgerd.db.records import bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import LedgerAccount, LedgerEntry, Transaction
from ledgerd.ledger.posting import Line, post
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import Business, User
from tests.support import invariants
from tests.support.factories import Factory
from tests.support.invariants import ZERO

T = TypeVar("T")
PREFIX = {"SALES_INVOICE": "SI-", "SALES_CREDIT_NOTE": "SCN-", "PURCHASE_INVOICE": "PI-",
          "PURCHASE_CREDIT_NOTE": "PCN-"}


def D(value: str | int) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


def problem(response: Any, status: int, data_code: str | None = None, source: str | None = None) -> dict[str, str]:
    """The single error of a Sage error body, checked against the expected status, code and source."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and len(body) >= 1, body
    first: dict[str, str] = body[0]
    assert list(first) == ["$severity", "$dataCode", "$message", "$source"]
    if data_code is not None:
        assert first["$dataCode"] == data_code, first
    if source is not None:
        assert first["$source"] == source, first
    return first


def _codes(db: Session) -> dict[str, int]:
    """Ledger account id → nominal code (of the business `db` is scoped to)."""
    return {account_id: code for account_id, code in db.execute(select(LedgerAccount.id, LedgerAccount.nominal_code))}


@dataclass
class Books:
    client: TestClient
    factory: Factory
    owner: User
    business: Business
    headers: dict[str, str]
    # nominal code → ledger account id, as the business was opened
    accounts: dict[int, str]

    @classmethod
    def open(cls, client: TestClient, factory: Factory, country: str = "GB") -> Books:
        owner = factory.user()
        business = factory.business(owner, country=country)
        books = cls(client, factory, owner, business, factory.headers(owner, business=business.id), {})
        books.accounts = {code: account_id for account_id, code in books.tx(_codes).items()}
        return books

    @property
    def business_id(self) -> str:
        return self.business.id

    def tx(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in a write transaction scoped to the business (and stamped by the test clock)."""
        def run(db: Session) -> T:
            bind_business(db, self.business_id)
            bind_clock(db, self.factory.runtime.clock)
            return fn(db)

        return self.factory.tx(run)

    # --- HTTP ------------------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        return self.client.request(method, f"/v3.1{path}", json=body, params=params or None, headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self._request("GET", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self._request("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._request("PUT", path, body)

    def delete(self, path: str, **params: Any) -> Any:
        return self._request("DELETE", path, **params)

    def created(self, path: str, wrapper: str, attrs: dict[str, Any], expect: int = 201) -> dict[str, Any]:
        """POST `{wrapper: attrs}` to `path`, expecting `expect`; returns the body."""
        return self._expect(self.post(path, {wrapper: attrs}), expect)

    def updated(self, path: str, wrapper: str, attrs: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        """PUT `{wrapper: attrs}` to `path` (a resource), expecting `expect`; returns the body."""
        return self._expect(self.put(path, {wrapper: attrs}), expect)

    @staticmethod
    def _expect(response: Any, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    def contact(self, *types: str, name: str | None = None, **extra: Any) -> str:
        """A new contact (a customer unless `types` says otherwise); `extra` adds attributes (e.g. currency_id)."""
        attrs = {"name": name or f"Contact {secrets.token_hex(3)}", "contact_type_ids": list(types or ["CUSTOMER"]),
                 **extra}
        return str(self.created("/contacts", "contact", attrs)["id"])

    def journal(self, on: str, *lines: tuple[int, Any, Any], reference: str = "J") -> dict[str, Any]:
        """Post a journal of (nominal code, debit, credit) lines; returns the created journal."""
        return self.created("/journals", "journal", {"date": on, "reference": reference, "journal_lines": [
            {"ledger_account_id": self.accounts[code], "debit": debit, "credit": credit}
            for code, debit, credit in lines]})

    # --- ledger read-outs ------------------------------------------------------------------------------------

    def balance(self, *, code: int | None = None, role: str | None = None, account_id: str | None = None,
                contact_id: str | None = None) -> Decimal:
        """Σ debit - Σ credit of an account (by nominal code, control role or id), optionally for one contact."""
        def run(db: Session) -> Decimal:
            target = account_id or (control(db, role).id if role else db.scalars(
                select(LedgerAccount.id).where(LedgerAccount.nominal_code == code)).one())
            stmt = select(func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit)).where(
                LedgerEntry.ledger_account_id == target)
            if contact_id:
                stmt = stmt.where(LedgerEntry.contact_id == contact_id)
            debit, credit = db.execute(stmt).one()
            return (debit or ZERO) - (credit or ZERO)

        return self.tx(run)

    def balances(self, *, zeros: bool = False) -> dict[int, Decimal]:
        """Σ debit - Σ credit per nominal code over every entry of the business.

        Accounts whose entries sum to zero are dropped unless `zeros`; accounts without entries never appear.
        """
        def run(db: Session) -> dict[int, Decimal]:
            codes = _codes(db)
            return {codes[account_id]: amount for account_id, amount in invariants.account_sums(db).items()}

        return {code: amount for code, amount in self.tx(run).items() if zeros or amount != ZERO}

    def totals(self) -> tuple[Decimal, Decimal]:
        """(Σ debit, Σ credit) over every entry of the business."""
        debit, credit = self.tx(lambda db: db.execute(
            select(func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))).one())
        return debit or ZERO, credit or ZERO

    def transaction(self, transaction_id: str) -> tuple[Transaction, list[tuple[int, Decimal, Decimal]]]:
        """A transaction and its entries as sorted (nominal code, debit, credit)."""
        def run(db: Session) -> tuple[Transaction, list[tuple[int, Decimal, Decimal]]]:
            tx = db.get(Transaction, transaction_id)
            assert tx is not None
            codes = _codes(db)
            return tx, sorted((codes[e.ledger_account_id], e.debit, e.credit) for e in tx.entries)

        return self.tx(run)

    def transactions(self) -> list[Transaction]:
        return self.tx(lambda db: list(db.scalars(select(Transaction).order_by(Transaction.created_at))))

    # --- direct access ---------------------------------------------------------------------------------------

    def bank(self, type_id: str = "CHECKING") -> str:
        """The first bank account of a type ("" when there is none)."""
        return self.tx(lambda db: db.scalars(select(BankAccount.id).where(
            BankAccount.bank_account_type_id == type_id).order_by(BankAccount.created_at)).first() or "")

    def document(self, contact_id: str, total: str, *, kind: str = "SALES_INVOICE", tax: str = "0",
                 currency: str = "GBP", rate: str = "1", on: dt.date = dt.date(2024, 1, 10)) -> str:
        """Insert an issued document and post it as the sales/purchase service would."""
        def run(db: Session) -> str:
            gross, vat = D(total), D(tax)
            base_total = (gross / D(rate)).quantize(D("0.01"))
            base_tax = (vat / D(rate)).quantize(D("0.01"))
            number = next_value(db, f"{self.business_id}:test:{kind}")
            artefact = Artefact(business_id=self.business_id, kind=kind, contact_id=contact_id, date=on,
                                due_date=on + dt.timedelta(days=30), number_prefix=PREFIX[kind], number=number,
                                net_amount=gross - vat, tax_amount=vat, total_amount=gross,
                                outstanding_amount=gross, currency_id=currency, exchange_rate=D(rate),
                                base_currency_net_amount=base_total - base_tax, base_currency_tax_amount=base_tax,
                                base_currency_total_amount=base_total, status_id="UNPAID")
            db.add(artefact)
            db.flush()
            sales = kind.startswith("SALES")
            charge = kind.endswith("INVOICE")
            # Sales invoice: Dr DEBTORS / Cr sales + VAT; purchase invoice: Dr purchases + VAT / Cr CREDITORS;
            # credit notes the mirror image.
            contra_debit = not sales if charge else sales
            income = db.scalars(select(LedgerAccount.id).where(
                LedgerAccount.nominal_code == (4000 if sales else 5000))).one()
            tax_account = control(db, "SALES_TAX" if sales else "PURCHASE_TAX").id
            party = control(db, "DEBTORS" if sales else "CREDITORS").id

            def line(account: str, amount: Decimal, debit: bool, contact: str | None = None) -> Line:
                return Line(account, debit=amount if debit else ZERO, credit=ZERO if debit else amount,
                            contact_id=contact)

            transaction = post(db, business_id=self.business_id, transaction_type_id=kind, on=on,
                               contact_id=contact_id, origin=("test", artefact.id),
                               lines=[line(party, base_total, not contra_debit, contact_id),
                                      line(income, base_total - base_tax, contra_debit),
                                      line(tax_account, base_tax, contra_debit)])
            artefact.transaction_id = transaction.id
            return artefact.id

        return self.tx(run)

    def taxed_line(self, code: int, net: str, rate: str, tax: str) -> dict[str, Any]:
        """One line of `net` on the account of nominal `code`, at `rate` with `tax` (a document body's line)."""
        return {"description": f"{rate} {net}", "ledger_account_id": self.accounts[code], "quantity": 1,
                "unit_price": net, "tax_rate_id": rate, "tax_amount": tax}

    def invoice(self, path: str, contact: str, on: str, *lines: dict[str, Any], **extra: Any) -> str:
        """A sales or purchase invoice or credit note (`path`) dated `on` through the API, with `extra` attributes;
        its id. A purchase invoice is due on its date and has a vendor reference unless `extra` says otherwise."""
        wrapper = path.removeprefix("/").removesuffix("s")
        lines_key = "credit_note_lines" if "credit_note" in path else "invoice_lines"
        body: dict[str, Any] = {"contact_id": contact, "date": on, lines_key: list(lines)}
        if path.startswith("/purchase"):
            body |= {"vendor_reference": f"V-{on}", **({"due_date": on} if path == "/purchase_invoices" else {})}
        return str(self.created(path, wrapper, {**body, **extra})["id"])

    def pay(self, kind: str, contact: str, on: str, document: str, amount: str) -> None:
        """A receipt or payment (`kind`) of `amount` on `on`, allocated to `document`."""
        self.created("/contact_payments", "contact_payment", {
            "transaction_type_id": kind, "contact_id": contact, "bank_account_id": self.bank(), "date": on,
            "total_amount": amount, "allocated_artefacts": [{"artefact_id": document, "amount": amount}]})

    def artefact(self, artefact_id: str) -> Artefact:
        return self.tx(lambda db: db.scalars(select(Artefact).where(Artefact.id == artefact_id)).one())

    def state(self, artefact_id: str) -> tuple[str, Decimal]:
        """(status, outstanding amount) of a document."""
        found = self.artefact(artefact_id)
        return found.status_id, found.outstanding_amount

    def check(self, base_currency: str = "GBP") -> None:
        """The books balance, the daily balances equal the entries, and every contact's control balance
        equals its open documents."""
        def run(db: Session) -> None:
            invariants.books_balance(db)
            invariants.daily_balances_match_entries(db)
            invariants.contacts_match_documents(db, base_currency)

        self.tx(run)


def gb_boxes(**boxes: str) -> dict[str, Decimal]:
    """A UK VAT return's nine boxes: those named, the others 0."""
    out = dict.fromkeys((f"box_{n}" for n in range(1, 10)), Decimal(0))
    out.update({k: Decimal(v) for k, v in boxes.items()})
    return out


@contextmanager
def books_on(url: str, country: str = "GB") -> Iterator[tuple[Books, Runtime]]:
    """A new business's books over an app of their own on the database at `url`, for tests that move its schema
    down and up (its engine disposed of when they end)."""
    from tests.conftest import TEST_SCRYPT_N

    runtime = build_runtime(Settings(database_url=url, env="test", password_scrypt_n=TEST_SCRYPT_N,
                                     public_url="http://testserver"), Clock())
    try:
        with TestClient(create_app(runtime=runtime), base_url="http://testserver") as client:
            yield Books.open(client, Factory(runtime), country=country), runtime
    finally:
        runtime.engine.dispose()
