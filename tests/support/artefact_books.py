"""A business with its books, driven over HTTP, plus read-outs of its ledger (sales and purchase tests)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.ledger.models import LedgerAccount, LedgerEntry, Transaction
from ledgerd.tenancy.models import Business, User
from tests.support.factories import Factory

ZERO = Decimal(0)


@dataclass
class Books:
    client: TestClient
    factory: Factory
    owner: User
    business: Business
    headers: dict[str, str]
    _codes: dict[int, str] = field(default_factory=dict)

    @classmethod
    def open(cls, client: TestClient, factory: Factory, country: str = "GB") -> Books:
        owner = factory.user()
        business = factory.business(owner, country=country)
        return cls(client, factory, owner, business, factory.headers(owner, business=business.id))

    @property
    def business_id(self) -> str:
        return self.business.id

    def _load(self) -> dict[int, str]:
        if not self._codes:
            rows = self.factory.tx(lambda db: db.execute(
                select(LedgerAccount.nominal_code, LedgerAccount.id)
                .where(LedgerAccount.business_id == self.business_id)).all())
            self._codes = {code: account_id for code, account_id in rows}
        return self._codes

    def account(self, nominal_code: int) -> str:
        return self._load()[nominal_code]

    def code(self, account_id: str) -> int:
        return next(code for code, aid in self._load().items() if aid == account_id)

    # HTTP ---------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        return self.client.request(method, f"/v3.1{path}", json=body, params=params or None, headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, **params)

    def post(self, path: str, wrapper: str, attrs: dict[str, Any], expect: int = 201) -> dict[str, Any]:
        response = self.request("POST", f"/{path}", {wrapper: attrs})
        assert response.status_code == expect, response.text
        body: dict[str, Any] = response.json()
        return body

    def put(self, path: str, key: str, wrapper: str, attrs: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        response = self.request("PUT", f"/{path}/{key}", {wrapper: attrs})
        assert response.status_code == expect, response.text
        body: dict[str, Any] = response.json()
        return body

    def contact(self, *types: str, name: str | None = None, **extra: Any) -> str:
        attrs = {"name": name or f"Contact {secrets.token_hex(3)}", "contact_type_ids": list(types or ["CUSTOMER"]),
                 **extra}
        return str(self.post("contacts", "contact", attrs)["id"])

    # Ledger read-outs -----------------------------------------------------------------------------------
    def _entries(self, db: Session) -> list[LedgerEntry]:
        return list(db.scalars(select(LedgerEntry).where(LedgerEntry.business_id == self.business_id)))

    def balances(self) -> dict[int, Decimal]:
        """Sum of debits less credits per nominal code over every entry of the business (zero balances dropped)."""
        rows = self.factory.tx(lambda db: [(e.ledger_account_id, e.debit, e.credit) for e in self._entries(db)])
        sums: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for account_id, debit, credit in rows:
            sums[self.code(account_id)] += debit - credit
        return {code: value for code, value in sums.items() if value != ZERO}

    def totals(self) -> tuple[Decimal, Decimal]:
        rows = self.factory.tx(lambda db: [(e.debit, e.credit) for e in self._entries(db)])
        return sum((d for d, _ in rows), ZERO), sum((c for _, c in rows), ZERO)

    def transaction(self, transaction_id: str) -> tuple[Transaction, list[tuple[int, Decimal, Decimal]]]:
        def run(db: Session) -> tuple[Transaction, list[tuple[str, Decimal, Decimal]]]:
            tx = db.get(Transaction, transaction_id)
            assert tx is not None
            return tx, [(e.ledger_account_id, e.debit, e.credit) for e in tx.entries]

        tx, entries = self.factory.tx(run)
        return tx, sorted((self.code(a), d, c) for a, d, c in entries)

    def transactions(self) -> list[Transaction]:
        return self.factory.tx(lambda db: list(db.scalars(
            select(Transaction).where(Transaction.business_id == self.business_id).order_by(Transaction.created_at))))
