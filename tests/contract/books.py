"""One business seen through the API by its owner: what the examples need to build records."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from starlette.testclient import TestClient

from ledgerd.banking.models import BankAccount
from ledgerd.ledger.models import LedgerAccount
from tests.support.factories import Factory

T = TypeVar("T")
Body = dict[str, Any]
# The test client's response (httpx2's or httpx's, depending on the Starlette version).
Response = Any


@dataclass
class Books:
    client: TestClient
    factory: Factory
    owner_id: str
    business_id: str
    country: str
    headers: dict[str, str]
    # Prerequisites made once per business (a customer, an address…), by name.
    memo: dict[str, Any] = field(default_factory=dict)
    serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def open(cls, client: TestClient, factory: Factory, country: str = "GB") -> Books:
        owner = factory.user()
        business = factory.business(owner, name=f"Contract {country}", country=country)
        return cls(client, factory, owner.id, business.id, country, factory.headers(owner, business=business.id))

    # HTTP ------------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
                query: Mapping[str, str] | None = None, **params: Any) -> Response:
        return self.client.request(method, f"/v3.1{path}", json=body, params={**(query or {}), **params} or None,
                                   headers=headers or self.headers)

    def get(self, path: str, **params: Any) -> Response:
        return self.request("GET", path, **params)

    def create(self, path: str, body: Body) -> Body:
        response = self.request("POST", f"/{path}", body)
        assert response.status_code == 201, f"POST /{path}: {response.status_code} {response.text}"
        made: Body = response.json()
        return made

    def scoped(self, scope: str) -> dict[str, str]:
        """Headers of a token of the owner with another scope (e.g. readonly)."""
        from ledgerd.tenancy.models import User

        owner = self.factory.tx(lambda db: db.get(User, self.owner_id))
        assert owner is not None
        return self.factory.headers(owner, scope=scope, business=self.business_id)

    # Ids examples refer to ---------------------------------------------------------------------------------
    def once(self, name: str, make: Callable[[], T]) -> T:
        if name not in self.memo:
            self.memo[name] = make()
        value: T = self.memo[name]
        return value

    def number(self) -> int:
        """A number unique within this business's examples (names, codes)."""
        return next(self.serial)

    def account(self, nominal_code: int) -> str:
        codes: dict[int, str] = self.once("accounts", lambda: {code: key for code, key in self.factory.tx(
            lambda db: db.execute(select(LedgerAccount.nominal_code, LedgerAccount.id)
                                  .where(LedgerAccount.business_id == self.business_id)).all())})
        return codes[nominal_code]

    def bank(self, type_id: str = "CHECKING") -> str:
        """The seeded bank account of a type (the current account, cash in hand)."""
        def find() -> str:
            found = self.factory.tx(lambda db: db.scalars(
                select(BankAccount.id).where(BankAccount.business_id == self.business_id,
                                             BankAccount.bank_account_type_id == type_id)
                .order_by(BankAccount.created_at)).first())
            assert found is not None, type_id
            return found

        return self.once(f"bank:{type_id}", find)
