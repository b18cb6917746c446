"""France's CA3 (déclaration de TVA n° 3310-CA3-SD): the lines of the DGFiP's form from a return's figures
(amounts.py). docs/decisions/tax-returns-fr.md.

Bases are whole euros (rounded to the nearest euro, as the notice asks); tax to the cent, as the documents
charged it. By tax rate and VAT treatment (ledger/treatments.py):

* A1: ventes et prestations de services (taxable sales, net of credit notes); A3: achats de prestations de
  services intracommunautaires (REVERSE_CHARGE_EU, CGI art. 283-2); B2: acquisitions intracommunautaires
  (EU_ACQUISITION); B4: other autoliquidation (REVERSE_CHARGE_DOMESTIC, REVERSE_CHARGE_ABROAD, art. 283-1).
* E1: exportations hors UE (EXPORT); E2: autres opérations non imposables (sales at the exempt rate, and
  services to businesses elsewhere in the EU, CGI art. 259-1°: EU_SERVICES); F2:
  livraisons intracommunautaires (EU_SUPPLY).
* 08, 9B, 09: bases and tax at 20 %, 10 %, 5,5 % (sales and autoliquidated purchases); 14: the 2,1 % rate (taux
  particulier, detailed on annex 3310 A); 5B: sommes à ajouter (output TVA journalled on no rate). 16: total de
  la TVA brute due; 17: dont TVA sur acquisitions intracommunautaires.
* 19: TVA déductible sur biens constituant des immobilisations (the share of fixed asset lines); 20: sur autres
  biens et services; 23: total de la TVA déductible.
* 25: crédit de TVA (23 - 16 when positive); 28: TVA nette due (16 - 23 when positive); 32: total à payer (28:
  ledgerd keeps no taxes assimilées).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from ledgerd.ledger import treatments as t
from ledgerd.tax_returns.amounts import INPUT_TAX, OUTPUT_TAX, PURCHASES, SALES, Figures

ZERO = Decimal(0)
STANDARD, INTERMEDIATE, REDUCED, PARTICULAR = "FR_STANDARD", "FR_INTERMEDIATE", "FR_REDUCED", "FR_SUPER_REDUCED"
TAXED = (STANDARD, INTERMEDIATE, REDUCED, PARTICULAR)
ORDINARY = (None, t.JOURNAL)
AUTOLIQUIDATED = (t.EU_ACQUISITION, t.REVERSE_CHARGE_EU, t.REVERSE_CHARGE_DOMESTIC, t.REVERSE_CHARGE_ABROAD)

NAMES = ("ligne_A1", "ligne_A3", "ligne_B2", "ligne_B4", "ligne_E1", "ligne_E2", "ligne_F2", "ligne_08_base",
         "ligne_08_taxe", "ligne_9B_base", "ligne_9B_taxe", "ligne_09_base", "ligne_09_taxe", "ligne_14_base",
         "ligne_14_taxe", "ligne_5B", "ligne_16", "ligne_17", "ligne_19", "ligne_20", "ligne_23", "ligne_25",
         "ligne_28", "ligne_32")


def _base(rate: str) -> Callable[[Figures], Decimal]:
    """Taxable sales and autoliquidated purchases at `rate`."""
    return lambda f: (f.total(SALES, rates=(rate,), treatments=ORDINARY)
                      + f.total(PURCHASES, rates=(rate,), treatments=AUTOLIQUIDATED))


def _tax(rate: str) -> Callable[[Figures], Decimal]:
    return lambda f: f.total(OUTPUT_TAX, rates=(rate,))


FIGURES: dict[str, Callable[[Figures], Decimal]] = {
    "ligne_A1": lambda f: f.total(SALES, rates=TAXED, treatments=ORDINARY),
    "ligne_A3": lambda f: f.total(PURCHASES, treatments=(t.REVERSE_CHARGE_EU,)),
    "ligne_B2": lambda f: f.total(PURCHASES, treatments=(t.EU_ACQUISITION,)),
    "ligne_B4": lambda f: f.total(PURCHASES, treatments=(t.REVERSE_CHARGE_DOMESTIC, t.REVERSE_CHARGE_ABROAD)),
    "ligne_E1": lambda f: f.total(SALES, treatments=(t.EXPORT,)),
    "ligne_E2": lambda f: (f.total(SALES, rates=("FR_EXEMPT",), treatments=ORDINARY)
                           + f.total(SALES, treatments=(t.EU_SERVICES,))),
    "ligne_F2": lambda f: f.total(SALES, treatments=(t.EU_SUPPLY,)),
    "ligne_08_base": _base(STANDARD), "ligne_08_taxe": _tax(STANDARD),
    "ligne_9B_base": _base(INTERMEDIATE), "ligne_9B_taxe": _tax(INTERMEDIATE),
    "ligne_09_base": _base(REDUCED), "ligne_09_taxe": _tax(REDUCED),
    "ligne_14_base": _base(PARTICULAR), "ligne_14_taxe": _tax(PARTICULAR),
    "ligne_5B": lambda f: f.output_tax - f.total(OUTPUT_TAX, rates=TAXED),
    "ligne_16": lambda f: f.output_tax,
    "ligne_17": lambda f: f.total(OUTPUT_TAX, treatments=(t.EU_ACQUISITION,)),
    "ligne_19": lambda f: f.total(INPUT_TAX, fixed=True),
    "ligne_20": lambda f: f.total(INPUT_TAX, fixed=False),
    "ligne_23": lambda f: f.input_tax,
    "ligne_28": lambda f: f.output_tax - f.input_tax,
}
BASES = frozenset({"ligne_A1", "ligne_A3", "ligne_B2", "ligne_B4", "ligne_E1", "ligne_E2", "ligne_F2",
                   "ligne_08_base", "ligne_9B_base", "ligne_09_base", "ligne_14_base"})


def _euros(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def boxes(found: Figures) -> dict[str, Decimal]:
    out = {name: _euros(FIGURES[name](found)) if name in BASES else FIGURES[name](found)
           for name in NAMES if name in FIGURES}
    net = found.output_tax - found.input_tax
    out["ligne_25"], out["ligne_28"] = max(-net, ZERO), max(net, ZERO)
    out["ligne_32"] = out["ligne_28"]
    return {name: out[name] for name in NAMES}


def due(boxes: dict[str, Decimal]) -> Decimal:
    """TVA nette due, or the crédit de TVA as a repayment."""
    return boxes["ligne_28"] - boxes["ligne_25"]
