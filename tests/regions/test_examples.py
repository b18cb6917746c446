"""Worked examples per region, checked by hand against each region's rates.

Each invoice has three lines: 2 x 100.00 at the standard rate, 1 x 55.55 at a reduced rate and
3 x 10.00 at a third rate; tax per line rounds half-up to the cent. The expected figures below were
worked out on paper, not by the code under test.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.books import Books
from tests.support.factories import Factory

# country: (currency, [(rate id, percent, expected line tax)], expected net, tax, total)
EXAMPLES: dict[str, tuple[str, list[tuple[str, str]], str, str, str]] = {
    # 200 x 20% = 40.00; 55.55 x 5% = 2.7775 -> 2.78; 30 x 0% = 0
    "GB": ("GBP", [("GB_STANDARD", "40.00"), ("GB_LOWER", "2.78"), ("GB_ZERO", "0.00")], "285.55", "42.78", "328.33"),
    # 200 x 23% = 46.00; 55.55 x 13.5% = 7.49925 -> 7.50; 30 x 0% = 0
    "IE": ("EUR", [("IE_STANDARD", "46.00"), ("IE_REDUCED", "7.50"), ("IE_ZERO", "0.00")], "285.55", "53.50", "339.05"),
    # 200 x 19% = 38.00; 55.55 x 7% = 3.8885 -> 3.89; exempt 0
    "DE": ("EUR", [("DE_STANDARD", "38.00"), ("DE_REDUCED", "3.89"), ("DE_EXEMPT", "0.00")],
           "285.55", "41.89", "327.44"),
    # 200 x 20% = 40.00; 55.55 x 10% = 5.555 -> 5.56; 30 x 5.5% = 1.65
    "FR": ("EUR", [("FR_STANDARD", "40.00"), ("FR_INTERMEDIATE", "5.56"), ("FR_REDUCED", "1.65")],
           "285.55", "47.21", "332.76"),
    # 200 x 21% = 42.00; 55.55 x 10% = 5.555 -> 5.56; 30 x 4% = 1.20
    "ES": ("EUR", [("ES_STANDARD", "42.00"), ("ES_REDUCED", "5.56"), ("ES_SUPER_REDUCED", "1.20")],
           "285.55", "48.76", "334.31"),
    # Ontario HST 13% on 200 = 26.00; GST 5% on 55.55 = 2.7775 -> 2.78; BC GST+PST 12% on 30 = 3.60
    "CA": ("CAD", [("CA_HST_ON", "26.00"), ("CA_GST", "2.78"), ("CA_GST_PST_BC", "3.60")], "285.55", "32.38", "317.93"),
    # A new US business has no sales tax until it defines some: no tax and exempt.
    "US": ("USD", [("US_NO_TAX", "0.00"), ("US_EXEMPT", "0.00"), ("US_NO_TAX", "0.00")], "285.55", "0.00", "285.55"),
}
LINES = [(2, "100.00"), (1, "55.55"), (3, "10.00")]
# Where the output tax goes (nominal code: balance, credits negative) where a region keeps its taxes apart
# (ledger/tax_accounts.py); every other region's tax is all on its SALES_TAX control account.
OUTPUT_ACCOUNTS: dict[str, dict[int, str]] = {
    # SKR03: 19 % on 1776 (38.00), 7 % on 1771 (3.89); exempt posts no tax.
    "DE": {1776: "-38.00", 1771: "-3.89"},
    # GST/HST on 2200: HST 26.00 + GST 2.78 + the GST part of the BC line 30 x 5% = 1.50 -> 30.28;
    # BC PST on 2220: 30 x 7% = 2.10 (30.28 + 2.10 = 32.38, the invoice's tax).
    "CA": {2200: "-30.28", 2220: "-2.10"},
}


def _sales_account(books: Books) -> str:
    items = books.get("/ledger_accounts", visible_in="sales", attributes="ledger_account_type",
                      items_per_page=200).json()["$items"]
    return str(next(i["id"] for i in items if i["ledger_account_type"]["id"] == "SALES"))


@pytest.mark.parametrize("country", sorted(EXAMPLES))
def test_worked_invoice(country: str, client: TestClient, factory: Factory) -> None:
    currency, rates, net, tax, total = EXAMPLES[country]
    books = Books.open(client, factory, country=country)
    account = _sales_account(books)
    customer = books.contact("CUSTOMER")
    lines: list[dict[str, Any]] = [
        {"description": f"Line {n}", "ledger_account_id": account, "quantity": qty, "unit_price": price,
         "tax_rate_id": rate, "tax_amount": line_tax}
        for n, ((qty, price), (rate, line_tax)) in enumerate(zip(LINES, rates, strict=True))]
    invoice = books.created("/sales_invoices", "sales_invoice",
                            {"contact_id": customer, "date": "2025-03-01", "invoice_lines": lines})
    assert invoice["currency"]["id"] == currency
    amounts = (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"])
    assert tuple(Decimal(a) for a in amounts) == (Decimal(net), Decimal(tax), Decimal(total))
    assert all("." in a for a in amounts)  # Sage's decimal strings
    assert [Decimal(line["tax_amount"]) for line in invoice["invoice_lines"]] == [Decimal(t) for _, t in rates]
    # The posting: debtors take the total; sales and tax the rest; the books balance.
    assert books.balance(role="DEBTORS") == Decimal(total)
    for code, amount in OUTPUT_ACCOUNTS.get(country, {}).items():
        assert books.balance(code=code) == Decimal(amount)
    if country not in OUTPUT_ACCOUNTS:
        assert books.balance(role="SALES_TAX") == -Decimal(tax)
    assert books.balance(account_id=account) == -Decimal(net)
    books.check(base_currency=currency)
