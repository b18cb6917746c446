"""A seeded business seen through the API, and the ledger's own sums, for the ledger and settings tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.ledger.models import LedgerEntry
from ledgerd.tenancy.models import Business, User
from tests.support.factories import Factory


@dataclass
class Books:
    client: TestClient
    factory: Factory
    user: User
    business: Business
    headers: dict[str, str]
    # nominal code → ledger account id
    accounts: dict[int, str]

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/v3.1{path}", headers=self.headers, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(f"/v3.1{path}", headers=self.headers, json=body)

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(f"/v3.1{path}", headers=self.headers, json=body)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/v3.1{path}", headers=self.headers)

    def journal(self, on: str, *lines: tuple[int, Any, Any], reference: str = "J") -> dict[str, Any]:
        """Post a journal of (nominal code, debit, credit) lines; returns the created journal."""
        body = {"journal": {"date": on, "reference": reference, "journal_lines": [
            {"ledger_account_id": self.accounts[code], "debit": debit, "credit": credit}
            for code, debit, credit in lines]}}
        response = self.post("/journals", body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def ledger_sums(self) -> dict[str, Decimal]:
        """Σ debit - Σ credit per ledger account, straight from the ledger_entries table."""
        def run(db: Session) -> dict[str, Decimal]:
            rows = db.execute(select(LedgerEntry.ledger_account_id, func.sum(LedgerEntry.debit),
                                     func.sum(LedgerEntry.credit))
                              .where(LedgerEntry.business_id == self.business.id)
                              .group_by(LedgerEntry.ledger_account_id)).all()
            return {account: debit - credit for account, debit, credit in rows}

        return self.factory.tx(run)


def open_books(client: TestClient, factory: Factory, country: str = "GB") -> Books:
    user = factory.user()
    business = factory.business(user, country=country)
    headers = factory.headers(user, business=business.id)
    listing = client.get("/v3.1/ledger_accounts", headers=headers,
                         params={"items_per_page": 200, "attributes": "nominal_code"})
    assert listing.status_code == 200, listing.text
    accounts = {item["nominal_code"]: item["id"] for item in listing.json()["$items"]}
    return Books(client, factory, user, business, headers, accounts)


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
