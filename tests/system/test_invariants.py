"""Random sequences of business operations over the HTTP API; the ledger's invariants after each step.

Hypothesis drives a state machine on a fresh GB business: sales and purchase invoices, credit notes,
customer receipts (partial, full, or settled with a prompt-payment discount) and supplier payments,
credit-note allocations, voids, edits, payment deletions and journals; between them it moves the VAT scheme
(STANDARD, CASH, FLAT_RATE_INVOICE with a flat-rate percentage) and the year-end lockdown date, and dates
documents, payments and journals just before, on and after that date. After every step
(tests/support/invariants.py): the books balance, each account's API balance and daily balances equal the
sums of its entries, each contact's control balance equals its open documents, and no entry posted earlier
has changed.

Once the books are locked or off the standard scheme, a write may be refused (any 4xx in Sage's error shape:
the lock-date and scheme rules decide which); a refusal must leave the books exactly as they were. Before
that, every write must succeed. Nothing ever answers 5xx.
"""

from __future__ import annotations

from datetime import date, timedelta
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
# (quantity, unit price, rate, whether the price includes VAT)
line = st.tuples(quantity, money, st.sampled_from(sorted(RATES)), st.booleans())
lines = st.lists(line, min_size=1, max_size=3)
Drawn = list[tuple[int, Decimal, str, bool]]
fraction = st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1")])
# When an operation is dated: the next day of the sequence, or around the lockdown date once there is one.
when = st.sampled_from(["next", "before", "on", "after"])
AROUND = {"before": -1, "on": 0, "after": 1}
FIRST_DAY = date(2025, 1, 1)
SCHEMES = ["STANDARD", "CASH", "FLAT_RATE_INVOICE"]
# A prompt-payment discount: this share of what is left is given up, the rest received.
discount_share = st.sampled_from([Decimal("0.02"), Decimal("0.05")])
ERROR_KEYS = ["$severity", "$dataCode", "$message", "$source"]


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

    @property
    def refusable(self) -> bool:
        """Whether a write may be refused: the books are locked up to a date, or off the standard scheme."""
        return self.lock is not None or self.scheme != "STANDARD"

    def write(self, method: str, path: str, body: Any = None, *, may_refuse: bool = False, **params: Any) -> Any:
        """A write that must succeed, or, once `refusable` (or when `may_refuse`), may be refused (4xx) leaving the
        books as they were after the last step: its answer, or None when refused. A rule makes one write at most."""
        response = self.client.request(method, f"/v3.1{path}", json=body, params=params or None,
                                       headers=self.headers)
        status = response.status_code
        assert status < 500, f"{method} {path}: {status} {response.text}"
        if status < 300:
            return response.json() if response.content else {}
        assert 400 <= status < 500 and (self.refusable or may_refuse), f"{method} {path}: {status} {response.text}"
        problems = response.json()
        assert isinstance(problems, list) and problems and all(list(p) == ERROR_KEYS for p in problems), problems
        assert self.factory.tx(self._fingerprint) == self.fingerprint, f"{method} {path} was refused but left something"
        return None

    def _fingerprint(self, db: Any) -> tuple[object, ...]:
        bind_business(db, self.business.id)
        return invariants.fingerprint(db)

    def date(self, at: str = "next") -> str:
        if self.lock is not None and at in AROUND:
            return (self.lock + timedelta(days=AROUND[at])).isoformat()
        self.day += 1
        return (FIRST_DAY + timedelta(days=self.day)).isoformat()

    def _lines(self, drawn: Drawn, account: str) -> list[dict[str, Any]]:
        out = []
        for qty, price, rate, gross in drawn:
            # The client's own tax: on the net, or the VAT fraction of a gross price (rate / (100 + rate)).
            amount = _round(qty * price)
            tax = amount * RATES[rate] / (100 + RATES[rate] if gross else 100)
            out.append({"description": "Item", "ledger_account_id": account, "quantity": qty, "unit_price": str(price),
                        "unit_price_includes_tax": gross, "tax_rate_id": rate, "tax_amount": str(_round(tax))})
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
        self.lock: date | None = None
        self.scheme = "STANDARD"
        self.snapshot = self.factory.tx(self._snapshot)
        self.fingerprint = self.factory.tx(self._fingerprint)

    def _snapshot(self, db: Any) -> invariants.Snapshot:
        bind_business(db, self.business.id)
        return invariants.entries_snapshot(db)

    def outstanding(self, path: str, key: str) -> tuple[str, Decimal]:
        body = self.call("GET", f"/{path}/{key}")
        return body["status"]["id"], Decimal(body["outstanding_amount"])

    # -- rules ----------------------------------------------------------------------------------------
    @rule(drawn=lines, at=when)
    def sales_invoice(self, drawn: Drawn, at: str) -> None:
        body = self.write("POST", "/sales_invoices", {"sales_invoice": {
            "contact_id": self.customer, "date": self.date(at),
            "invoice_lines": self._lines(drawn, self.sales_account)}})
        if body is not None:
            self.invoices.append(body["id"])

    @rule(drawn=lines, at=when)
    def purchase_invoice(self, drawn: Drawn, at: str) -> None:
        on = self.date(at)
        body = self.write("POST", "/purchase_invoices", {"purchase_invoice": {
            "contact_id": self.vendor, "date": on, "due_date": on, "reference": f"P{self.day}",
            "invoice_lines": self._lines(drawn, self.expense_account)}})
        if body is not None:
            self.purchases.append(body["id"])

    @rule(drawn=lines, at=when)
    def sales_credit_note(self, drawn: Drawn, at: str) -> None:
        body = self.write("POST", "/sales_credit_notes", {"sales_credit_note": {
            "contact_id": self.customer, "date": self.date(at),
            "credit_note_lines": self._lines(drawn[:1], self.sales_account)}})
        if body is not None:
            self.credit_notes.append(body["id"])

    @precondition(lambda self: self.invoices)
    @rule(pick=st.integers(min_value=0), share=fraction, at=when)
    def receipt(self, pick: int, share: Decimal, at: str) -> None:
        invoice = self.invoices[pick % len(self.invoices)]
        status, left = self.outstanding("sales_invoices", invoice)
        if status == "VOID" or left == 0:
            return
        amount = max(CENT, _round(left * share))
        body = self.write("POST", "/contact_payments", {"contact_payment": {
            "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": self.customer, "bank_account_id": self.bank,
            "date": self.date(at), "total_amount": str(amount),
            "allocated_artefacts": [{"artefact_id": invoice, "amount": str(amount)}]}})
        if body is not None:
            self.payments.append(body["id"])

    @precondition(lambda self: self.invoices)
    @rule(pick=st.integers(min_value=0), share=discount_share, at=when)
    def receipt_with_discount(self, pick: int, share: Decimal, at: str) -> None:
        """The customer settles in full, less a prompt-payment discount."""
        invoice = self.invoices[pick % len(self.invoices)]
        status, left = self.outstanding("sales_invoices", invoice)
        discount = _round(left * share)
        if status == "VOID" or discount == 0 or discount >= left:
            return
        amount = left - discount
        body = self.write("POST", "/contact_payments", {"contact_payment": {
            "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": self.customer, "bank_account_id": self.bank,
            "date": self.date(at), "total_amount": str(amount),
            "allocated_artefacts": [{"artefact_id": invoice, "amount": str(amount), "discount": str(discount)}]}})
        if body is not None:
            self.payments.append(body["id"])

    @precondition(lambda self: self.purchases)
    @rule(pick=st.integers(min_value=0), share=fraction, at=when)
    def supplier_payment(self, pick: int, share: Decimal, at: str) -> None:
        purchase = self.purchases[pick % len(self.purchases)]
        status, left = self.outstanding("purchase_invoices", purchase)
        if status == "VOID" or left == 0:
            return
        amount = max(CENT, _round(left * share))
        body = self.write("POST", "/contact_payments", {"contact_payment": {
            "transaction_type_id": "VENDOR_PAYMENT", "contact_id": self.vendor, "bank_account_id": self.bank,
            "date": self.date(at), "total_amount": str(amount),
            "allocated_artefacts": [{"artefact_id": purchase, "amount": str(amount)}]}})
        if body is not None:
            self.payments.append(body["id"])

    @precondition(lambda self: self.invoices and self.credit_notes)
    @rule(pick=st.integers(min_value=0), other=st.integers(min_value=0), at=when)
    def allocate_credit_note(self, pick: int, other: int, at: str) -> None:
        note = self.credit_notes[pick % len(self.credit_notes)]
        invoice = self.invoices[other % len(self.invoices)]
        (note_status, note_left), (inv_status, inv_left) = (self.outstanding("sales_credit_notes", note),
                                                            self.outstanding("sales_invoices", invoice))
        amount = min(note_left, inv_left)
        if "VOID" in (note_status, inv_status) or amount <= 0:
            return
        self.write("POST", "/contact_allocations", {"contact_allocation": {
            "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": self.customer, "date": self.date(at),
            "allocated_artefacts": [{"artefact_id": invoice, "amount": str(amount)},
                                    {"artefact_id": note, "amount": str(-amount)}]}})

    @precondition(lambda self: self.payments)
    @rule(pick=st.integers(min_value=0))
    def delete_payment(self, pick: int) -> None:
        payment = self.payments[pick % len(self.payments)]
        if self.write("DELETE", f"/contact_payments/{payment}") is not None:
            self.payments.remove(payment)

    @precondition(lambda self: self.invoices)
    @rule(pick=st.integers(min_value=0), drawn=lines)
    def edit_or_void_invoice(self, pick: int, drawn: Drawn) -> None:
        invoice = self.invoices[pick % len(self.invoices)]
        status, _ = self.outstanding("sales_invoices", invoice)
        if status != "UNPAID":
            return
        if len(drawn) == 1:
            self.write("DELETE", f"/sales_invoices/{invoice}", void_reason="Entered in error")
        else:
            self.write("PUT", f"/sales_invoices/{invoice}", {"sales_invoice": {
                "invoice_lines": self._lines(drawn, self.sales_account)}})

    @rule(amount=money, at=when)
    def journal(self, amount: Decimal, at: str) -> None:
        debit, credit = self.journal_accounts
        self.write("POST", "/journals", {"journal": {"date": self.date(at), "reference": f"J{self.day}",
                                                     "journal_lines": [
            {"ledger_account_id": debit, "debit": str(amount), "credit": "0"},
            {"ledger_account_id": credit, "debit": "0", "credit": str(amount)}]}})

    @rule(scheme=st.sampled_from(SCHEMES), flat_rate=st.sampled_from(["12.5", "16.5"]))
    def vat_scheme(self, scheme: str, flat_rate: str) -> None:
        """Move the business to another VAT scheme (a flat-rate one with its percentage)."""
        changes: dict[str, Any] = {"tax_scheme_id": scheme}
        if scheme.startswith("FLAT_RATE"):
            changes["flat_rate_tax_percentage"] = flat_rate
        if self.write("PUT", "/financial_settings", {"financial_settings": changes}, may_refuse=True) is not None:
            self.scheme = scheme

    @rule(back=st.integers(min_value=0, max_value=3))
    def lock_books(self, back: int) -> None:
        """Lock the books up to a day of the sequence so far (`back` days before the latest)."""
        on = FIRST_DAY + timedelta(days=max(0, self.day - back))
        if self.write("PUT", "/financial_settings", {"financial_settings": {"year_end_lockdown_date": on.isoformat()}},
                      may_refuse=True) is not None:
            self.lock = on

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
            self.fingerprint = invariants.fingerprint(db)
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
