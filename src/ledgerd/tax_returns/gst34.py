"""Canada's GST/HST return (the CRA's form GST34): its lines from a return's figures (amounts.py).
docs/decisions/tax-returns-ca.md.

Only the federal GST and the harmonized HST are on it: provincial sales taxes (PST) and Québec's QST are returned
to their provinces, so their tax is no part of these lines and filing leaves their accounts alone (`RATES`).

* 101: sales and other revenue, in whole dollars (cents dropped): every sale in the return, taxable, zero-rated
  or exempt, without the tax, credit notes deducted.
* 103: GST/HST collected or collectible; 105: total GST/HST and adjustments (103, ledgerd keeping no 104
  adjustments).
* 106: input tax credits (the GST/HST claimed back on purchases: ledger/tax_accounts.py's recoverable share);
  108: total ITCs and adjustments (106, no 107 adjustments).
* 109: net tax (105 - 108): to pay when positive, a refund when negative.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ledgerd.tax_returns.amounts import INPUT_TAX, OUTPUT_TAX, SALES, Figures, whole

# The GST and the HST of each harmonized province (regions/data/ca/tax_rates.toml); a combined rate's tax is
# posted per component, so GST & PST counts its GST here.
RATES = frozenset({"CA_GST", "CA_HST_ON", "CA_HST_NS", "CA_HST_NB", "CA_HST_NL", "CA_HST_PE"})
NAMES = ("line_101", "line_103", "line_105", "line_106", "line_108", "line_109")

FIGURES: dict[str, Callable[[Figures], Decimal]] = {
    "line_101": lambda f: f.total(SALES),
    "line_103": lambda f: f.total(OUTPUT_TAX, rates=RATES),
    "line_105": lambda f: f.total(OUTPUT_TAX, rates=RATES),
    "line_106": lambda f: f.total(INPUT_TAX, rates=RATES),
    "line_108": lambda f: f.total(INPUT_TAX, rates=RATES),
    "line_109": lambda f: f.total(OUTPUT_TAX, rates=RATES) - f.total(INPUT_TAX, rates=RATES),
}


def boxes(found: Figures) -> dict[str, Decimal]:
    return {name: whole(FIGURES[name](found)) if name == "line_101" else FIGURES[name](found) for name in NAMES}


def due(boxes: dict[str, Decimal]) -> Decimal:
    return boxes["line_109"]
