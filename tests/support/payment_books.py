"""A business with books for the payment and banking tests: documents posted directly, and the books' invariants.

Sales and purchase documents are inserted as artefacts with their posting (`ledger.posting.post`), so
these tests do not depend on the sales/purchase endpoints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.artefacts.models import Artefact
from ledgerd.banking.models import BankAccount
from ledgerd.db.counters import next_value
from ledgerd.db.records import bind_clock
from ledgerd.db.tenancy import bind_business
from ledgerd.ledger.accounts import control
from ledgerd.ledger.models import LedgerAccount, LedgerEntry
from ledgerd.ledger.posting import Line, post
from ledgerd.payments.models import Allocation
from tests.support.factories import Factory

T = TypeVar("T")
ZERO = Decimal(0)
CUSTOMER_CHARGES = {"SALES_INVOICE", "CUSTOMER_OPENING_BALANCE_INVOICE"}
CUSTOMER_CREDITS = {"SALES_CREDIT_NOTE", "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE", "CUSTOMER_PAYMENT_ON_ACCOUNT"}
VENDOR_CHARGES = {"PURCHASE_INVOICE", "VENDOR_OPENING_BALANCE_INVOICE"}
VENDOR_CREDITS = {"PURCHASE_CREDIT_NOTE", "VENDOR_OPENING_BALANCE_CREDIT_NOTE", "VENDOR_PAYMENT_ON_ACCOUNT"}
PREFIX = {"SALES_INVOICE": "SI-", "SALES_CREDIT_NOTE": "SCN-", "PURCHASE_INVOICE": "PI-",
          "PURCHASE_CREDIT_NOTE": "PCN-"}


def D(value: str | int) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


@dataclass
class Books:
    """One GB business, its owner's headers and helpers to drive and inspect it."""

    factory: Factory
    client: TestClient
    business_id: str
    headers: dict[str, str]

    @classmethod
    def open(cls, factory: Factory, client: TestClient) -> Books:
        owner = factory.user()
        business = factory.business(owner)
        return cls(factory, client, business.id, factory.headers(owner, business=business.id))

    def tx(self, fn: Callable[[Session], T]) -> T:
        def run(db: Session) -> T:
            bind_business(db, self.business_id)
            bind_clock(db, self.factory.runtime.clock)
            return fn(db)

        return self.factory.tx(run)

    # --- HTTP -----------------------------------------------------------------------------------------

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/v3.1{path}", headers=self.headers, params=params)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(f"/v3.1{path}", headers=self.headers, json=body)

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(f"/v3.1{path}", headers=self.headers, json=body)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/v3.1{path}", headers=self.headers)

    def created(self, path: str, wrapper: str, fields: dict[str, Any]) -> dict[str, Any]:
        response = self.post(path, {wrapper: fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def contact(self, *types: str, name: str = "Contact", currency: str | None = None) -> str:
        fields: dict[str, Any] = {"name": name, "contact_type_ids": list(types or ("CUSTOMER",))}
        if currency:
            fields["currency_id"] = currency
        return str(self.created("/contacts", "contact", fields)["id"])

    # --- direct access -----------------------------------------------------------------------------------

    def bank(self, type_id: str = "CHECKING") -> str:
        return self.tx(lambda db: db.scalars(select(BankAccount.id).where(
            BankAccount.bank_account_type_id == type_id).order_by(BankAccount.created_at)).first() or "")

    def account(self, code: int) -> str:
        return self.tx(lambda db: db.scalars(select(LedgerAccount.id).where(LedgerAccount.nominal_code == code)).one())

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

    def artefact(self, artefact_id: str) -> Artefact:
        return self.tx(lambda db: db.scalars(select(Artefact).where(Artefact.id == artefact_id)).one())

    def state(self, artefact_id: str) -> tuple[str, Decimal]:
        found = self.artefact(artefact_id)
        return found.status_id, found.outstanding_amount

    def check(self) -> None:
        """The books balance, and every contact's control balance equals its open documents."""
        def run(db: Session) -> None:
            debit, credit = db.execute(select(func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))).one()
            assert (debit or ZERO) == (credit or ZERO), (debit, credit)
            settled = dict(db.execute(select(Allocation.artefact_id, func.sum(Allocation.base_currency_amount))
                                      .group_by(Allocation.artefact_id)).all())
            signs = {**dict.fromkeys(CUSTOMER_CHARGES | VENDOR_CHARGES, 1),
                     **dict.fromkeys(CUSTOMER_CREDITS | VENDOR_CREDITS, -1)}
            expected: dict[tuple[str, str], Decimal] = {}
            for a in db.scalars(select(Artefact).where(Artefact.status_id.in_(("UNPAID", "PART_PAID", "PAID")))):
                if a.kind not in signs:
                    continue
                left = a.base_currency_total_amount - (settled.get(a.id) or ZERO)
                if a.currency_id == "GBP":
                    assert left == a.outstanding_amount, (a.kind, left, a.outstanding_amount)
                role = "DEBTORS" if a.kind in CUSTOMER_CHARGES | CUSTOMER_CREDITS else "CREDITORS"
                expected[(role, a.contact_id)] = expected.get((role, a.contact_id), ZERO) + signs[a.kind] * left
            for role, flip in (("DEBTORS", 1), ("CREDITORS", -1)):
                rows = db.execute(select(LedgerEntry.contact_id, func.sum(LedgerEntry.debit),
                                         func.sum(LedgerEntry.credit))
                                  .where(LedgerEntry.ledger_account_id == control(db, role).id)
                                  .group_by(LedgerEntry.contact_id)).all()
                actual = {cid: flip * ((dr or ZERO) - (cr or ZERO)) for cid, dr, cr in rows}
                for cid in set(actual) | {c for r, c in expected if r == role}:
                    assert actual.get(cid, ZERO) == expected.get((role, cid), ZERO), (role, cid, actual, expected)

        self.tx(run)
