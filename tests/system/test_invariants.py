"""Random sequences of business operations over the HTTP API; the ledger's invariants after each step.

Hypothesis drives a state machine on a fresh GB business: sales and purchase invoices, credit notes,
customer receipts and supplier payments (partial and full), credit-note allocations, voids, edits,
payment deletions and journals. After every step (tests/support/invariants.py): the books balance,
each account's API balance and daily balances equal the sums of its entries, each contact's control
balance equals its open documents, and no entry posted earlier has changed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from starlette.testclient import TestClient

from ledgerd.db.tenancy import bind_business
from tests.support import invariants
from tests.support.factories import Factory

CENT = Decimal("0.01")
RATES = {"GB_STANDARD": Decimal(20), "GB_LOWER": Decimal(5), "GB_ZERO": Decimal(0)}
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2500"), places=2)
quantity = st.integers(min_value=1, max_value=7)
line = st.tuples(quantity, money, st.sampled_from(sorted(RATES)))
lines = st.lists(line, min_size=1, max_size=3)
fraction = st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1")])


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Books(RuleBasedStateMachine):
    def __init__(self, client: TestClient, factory: Factory) -> None:
        super().__init__()
        self.client = client
        self.factory = factory
        self.day = 0

    # -- plumbing -------------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, expect: int | tuple[int, ...] = (200, 201, 204),
             **params: Any) -> Any:
        response = self.client.request(method, f"/v3.1{path}", json=body, params=params or None,
                                       headers=self.headers)
        wanted = (expect,) if isinstance(expect, int) else expect
        assert response.status_code in wanted, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def date(self) -> str:
        self.day += 1
        return f"2025-{1 + (self.day // 28) % 12:02d}-{1 + self.day % 28:02d}"

    def _lines(self, drawn: list[tuple[int, Decimal, str]], account: str) -> list[dict[str, Any]]:
        out = []
        for qty, price, rate in drawn:
            net = _round(qty * price)
            out.append({"description": "Item", "ledger_account_id": account, "quantity": qty, "unit_price": str(price),
                        "tax_rate_id": rate, "tax_amount": str(_round(net * RATES[rate] / 100))})
        return out

    def account(self, code: int) -> str:
        items = self.call("GET", "/ledger_accounts", attributes="nominal_code", items_per_page=200)["$items"]
        return next(i["id"] for i in items if i["nominal_code"] == code)

    def contact(self, name: str, kind: str) -> str:
        return str(self.call("POST", "/contacts", {"contact": {"name": name, "contact_type_ids": [kind]}})["id"])

    @initialize()
    def open_books(self) -> None:
        owner = self.factory.user()
        self.business = self.factory.business(owner)
        self.headers = self.factory.headers(owner, business=self.business.id)
        self.customer = self.contact("Cust", "CUSTOMER")
        self.vendor = self.contact("Vend", "VENDOR")
        self.bank = self.call("GET", "/bank_accounts")["$items"][0]["id"]
        self.sales_account, self.expense_account = self.account(4000), self.account(5000)
        self.journal_accounts = (self.account(7500), self.account(3000))
        self.invoices: list[str] = []
        self.purchases: list[str] = []
        self.credit_notes: list[str] = []
        self.payments: list[str] = []
        self.snapshot = self.factory.tx(self._snapshot)

    def _snapshot(self, db: Any) -> invariants.Snapshot:
        bind_business(db, self.business.id)
        return invariants.entries_snapshot(db)

    def outstanding(self, path: str, key: str) -> tuple[str, Decimal]:
        body = self.call("GET", f"/{path}/{key}")
        return body["status"]["id"], Decimal(body["outstanding_amount"])

    # -- rules ----------------------------------------------------------------------------------------
    @rule(drawn=lines)
    def sales_invoice(self, drawn: list[tuple[int, Decimal, str]]) -> None:
        body = self.call("POST", "/sales_invoices", {"sales_invoice": {
            "contact_id": self.customer, "date": self.date(), "invoice_lines": self._lines(drawn, self.sales_account)}})
        self.invoices.append(body["id"])

    @rule(drawn=lines)
    def purchase_invoice(self, drawn: list[tuple[int, Decimal, str]]) -> None:
        on = self.date()
        body = self.call("POST", "/purchase_invoices", {"purchase_invoice": {
            "contact_id": self.vendor, "date": on, "due_date": on, "reference": f"P{self.day}",
            "invoice_lines": self._lines(drawn, self.expense_account)}})
        self.purchases.append(body["id"])

    @rule(drawn=lines)
    def sales_credit_note(self, drawn: list[tuple[int, Decimal, str]]) -> None:
        body = self.call("POST", "/sales_credit_notes", {"sales_credit_note": {
            "contact_id": self.customer, "date": self.date(),
            "credit_note_lines": self._lines(drawn[:1], self.sales_account)}})
        self.credit_notes.append(body["id"])

    @precondition(lambda self: self.invoices)
    @rule(pick=st.integers(min_value=0), share=fraction)
    def receipt(self, pick: int, share: Decimal) -> None:
        invoice = self.invoices[pick % len(self.invoices)]
        status, left = self.outstanding("sales_invoices", invoice)
        if status == "VOID" or left == 0:
            return
        amount = max(CENT, _round(left * share))
        body = self.call("POST", "/contact_payments", {"contact_payment": {
            "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": self.customer, "bank_account_id": self.bank,
            "date": self.date(), "total_amount": str(amount),
            "allocated_artefacts": [{"artefact_id": invoice, "amount": str(amount)}]}})
        self.payments.append(body["id"])

    @precondition(lambda self: self.purchases)
    @rule(pick=st.integers(min_value=0), share=fraction)
    def supplier_payment(self, pick: int, share: Decimal) -> None:
        purchase = self.purchases[pick % len(self.purchases)]
        status, left = self.outstanding("purchase_invoices", purchase)
        if status == "VOID" or left == 0:
            return
        amount = max(CENT, _round(left * share))
        body = self.call("POST", "/contact_payments", {"contact_payment": {
            "transaction_type_id": "VENDOR_PAYMENT", "contact_id": self.vendor, "bank_account_id": self.bank,
            "date": self.date(), "total_amount": str(amount),
            "allocated_artefacts": [{"artefact_id": purchase, "amount": str(amount)}]}})
        self.payments.append(body["id"])

    @precondition(lambda self: self.invoices and self.credit_notes)
    @rule(pick=st.integers(min_value=0), other=st.integers(min_value=0))
    def allocate_credit_note(self, pick: int, other: int) -> None:
        note = self.credit_notes[pick % len(self.credit_notes)]
        invoice = self.invoices[other % len(self.invoices)]
        (note_status, note_left), (inv_status, inv_left) = (self.outstanding("sales_credit_notes", note),
                                                            self.outstanding("sales_invoices", invoice))
        amount = min(note_left, inv_left)
        if "VOID" in (note_status, inv_status) or amount <= 0:
            return
        self.call("POST", "/contact_allocations", {"contact_allocation": {
            "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": self.customer, "date": self.date(),
            "allocated_artefacts": [{"artefact_id": invoice, "amount": str(amount)},
                                    {"artefact_id": note, "amount": str(-amount)}]}})

    @precondition(lambda self: self.payments)
    @rule(pick=st.integers(min_value=0))
    def delete_payment(self, pick: int) -> None:
        payment = self.payments.pop(pick % len(self.payments))
        self.call("DELETE", f"/contact_payments/{payment}", expect=204)

    @precondition(lambda self: self.invoices)
    @rule(pick=st.integers(min_value=0), drawn=lines)
    def edit_or_void_invoice(self, pick: int, drawn: list[tuple[int, Decimal, str]]) -> None:
        invoice = self.invoices[pick % len(self.invoices)]
        status, _ = self.outstanding("sales_invoices", invoice)
        if status != "UNPAID":
            return
        if len(drawn) == 1:
            self.call("DELETE", f"/sales_invoices/{invoice}", expect=200, void_reason="Entered in error")
        else:
            self.call("PUT", f"/sales_invoices/{invoice}", {"sales_invoice": {
                "invoice_lines": self._lines(drawn, self.sales_account)}})

    @rule(amount=money)
    def journal(self, amount: Decimal) -> None:
        debit, credit = self.journal_accounts
        self.call("POST", "/journals", {"journal": {"date": self.date(), "reference": f"J{self.day}", "journal_lines": [
            {"ledger_account_id": debit, "debit": str(amount), "credit": "0"},
            {"ledger_account_id": credit, "debit": "0", "credit": str(amount)}]}})

    # -- invariants -----------------------------------------------------------------------------------
    @invariant()
    def books_hold(self) -> None:
        if not hasattr(self, "business"):
            return

        def check(db: Any) -> invariants.Snapshot:
            bind_business(db, self.business.id)
            invariants.books_balance(db)
            invariants.daily_balances_match_entries(db)
            invariants.contacts_match_documents(db, "GBP")
            sums = invariants.account_sums(db)
            after = invariants.entries_snapshot(db)
            invariants.unchanged(self.snapshot, after)
            self.sums = sums
            return after

        self.snapshot = self.factory.tx(check)
        # Over all time nothing is brought forward, so each line is exactly its account's entries.
        trial = self.call("GET", "/trial_balance", items_per_page=200, attributes="all", from_date="2000-01-01",
                          to_date="2099-12-31")
        for item in trial["$items"]:
            balance = Decimal(item["debit"]) - Decimal(item["credit"])
            assert balance == self.sums.get(item["id"], Decimal(0)), (item, self.sums.get(item["id"]))


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_operations_keep_the_ledger_consistent(client: TestClient, factory: Factory) -> None:
    run_state_machine_as_test(
        lambda: Books(client, factory),
        settings=settings(max_examples=15, stateful_step_count=15, deadline=None, derandomize=True,
                          suppress_health_check=list(HealthCheck), database=None))
