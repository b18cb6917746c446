"""The entries builder (ledger/posting.Entries): signed amounts become ledger lines on the side asked, or on the
other side when negative; zero amounts are left out; `balance_to` closes the difference."""

from __future__ import annotations

from decimal import Decimal

from ledgerd.ledger.posting import Entries, Line

D = Decimal


def test_a_positive_amount_goes_on_the_side_asked() -> None:
    entries = Entries()
    entries.add("sales", D("10.00"), debit=False, description="Widgets", tax_rate_id="GB_STANDARD")
    entries.add("bank", D("12.00"), debit=True, contact_id="c1")
    assert entries.lines == [Line("sales", credit=D("10.00"), description="Widgets", tax_rate_id="GB_STANDARD"),
                             Line("bank", debit=D("12.00"), contact_id="c1")]


def test_a_negative_amount_changes_side_and_zero_is_left_out() -> None:
    entries = Entries()
    entries.add("discounts", D("-3.50"), debit=False)
    entries.add("nothing", D("0.00"), debit=True)
    assert entries.lines == [Line("discounts", debit=D("3.50"))]


def test_balance_to_adds_the_line_that_balances_the_others() -> None:
    entries = Entries()
    entries.add("sales", D("100.00"), debit=False)
    entries.add("tax", D("20.00"), debit=False)
    assert entries.difference() == D("120.00")
    entries.balance_to("debtors", contact_id="c1", description="SI-1", first=True)
    assert entries.lines[0] == Line("debtors", debit=D("120.00"), contact_id="c1", description="SI-1")
    assert entries.difference() == 0


def test_balance_to_credits_when_the_debits_are_larger_and_appends_by_default() -> None:
    entries = Entries()
    entries.add("expenses", D("40.00"), debit=True)
    entries.balance_to("creditors")
    assert entries.lines == [Line("expenses", debit=D("40.00")), Line("creditors", credit=D("40.00"))]


def test_balance_to_adds_nothing_when_the_lines_balance() -> None:
    entries = Entries()
    entries.add("bank", D("5.00"), debit=True)
    entries.add("sales", D("5.00"), debit=False)
    entries.balance_to("exchange", first=True)
    assert [line.ledger_account_id for line in entries.lines] == ["bank", "sales"]
