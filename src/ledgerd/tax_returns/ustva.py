"""Germany's Umsatzsteuer-Voranmeldung (UStVA): the Kennzahlen of the BMF's form (Vordruckmuster USt 1 A) from a
return's figures (amounts.py). docs/decisions/tax-returns-de.md.

Bases (Bemessungsgrundlagen) are in whole euros, cents dropped, as the form asks; tax is to the cent, as the
documents charged it. What each Kennzahl takes (by tax rate and VAT treatment, ledger/treatments.py):

* Kz 81 / 86: sales at 19 % / 7 % (ordinary and journalled), with their tax; Kz 35 / 36 any other taxed sales
  and their tax, and output tax on no rate (a VAT journal on the tax account alone).
* Kz 41: intra-Community supplies (EU_SUPPLY); Kz 43: exports (EXPORT), tax-free with input tax deduction;
  Kz 48: the other sales at the exempt rate (tax-free without deduction); Kz 60: sales under §13b(5) UStG, whose
  customer owes the tax (the reverse charge on a sale).
* Kz 89 / 93: intra-Community acquisitions at 19 % / 7 % (EU_ACQUISITION), with their tax; Kz 91 those tax-free.
* Kz 46 / 47: services from EU businesses under §13b(1) UStG (REVERSE_CHARGE_EU), base and tax; Kz 84 / 85:
  the other §13b supplies received (REVERSE_CHARGE_DOMESTIC, REVERSE_CHARGE_ABROAD).
* Kz 66: input tax on invoices; Kz 61: on intra-Community acquisitions; Kz 62: import VAT paid (Entrichtete
  Einfuhrumsatzsteuer, §15(1) Nr. 2 UStG: the entries on 1588, IMPORT_VAT); Kz 67: under §13b.
* Kz 83: the advance payment (positive) or surplus (negative): all tax owed less all input tax.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ledgerd.ledger import treatments as t
from ledgerd.tax_returns.amounts import INPUT_TAX, OUTPUT_TAX, PURCHASES, SALES, Figures, whole

STANDARD, REDUCED, EXEMPT = "DE_STANDARD", "DE_REDUCED", "DE_EXEMPT"
KNOWN = (STANDARD, REDUCED, EXEMPT, "DE_NO_TAX")
ORDINARY = (None, t.JOURNAL)
THIRTEEN_B = (t.REVERSE_CHARGE_DOMESTIC, t.REVERSE_CHARGE_ABROAD)

NAMES = ("kz_81", "kz_81_steuer", "kz_86", "kz_86_steuer", "kz_35", "kz_36", "kz_41", "kz_43", "kz_48", "kz_60",
         "kz_21", "kz_89", "kz_89_steuer", "kz_93", "kz_93_steuer", "kz_91", "kz_46", "kz_47", "kz_84", "kz_85",
         "kz_66", "kz_61", "kz_62", "kz_67", "kz_83")


def _other(f: Figures, figure: str) -> Decimal:
    """Ordinary amounts at a rate outside the form's own (and, for tax, on no rate)."""
    return f.total(figure, treatments=ORDINARY) - sum((f.total(figure, rates=(r,), treatments=ORDINARY)
                                                       for r in KNOWN), Decimal(0))


# What each transaction adds to a Kennzahl, before bases are cut to whole euros (the drill-down's figures too).
FIGURES: dict[str, Callable[[Figures], Decimal]] = {
    "kz_81": lambda f: f.total(SALES, rates=(STANDARD,), treatments=ORDINARY),
    "kz_81_steuer": lambda f: f.total(OUTPUT_TAX, rates=(STANDARD,), treatments=ORDINARY),
    "kz_86": lambda f: f.total(SALES, rates=(REDUCED,), treatments=ORDINARY),
    "kz_86_steuer": lambda f: f.total(OUTPUT_TAX, rates=(REDUCED,), treatments=ORDINARY),
    "kz_35": lambda f: _other(f, SALES) - f.total(SALES, rates=(None,), treatments=ORDINARY),
    "kz_36": lambda f: _other(f, OUTPUT_TAX),
    "kz_41": lambda f: f.total(SALES, treatments=(t.EU_SUPPLY,)),
    "kz_43": lambda f: f.total(SALES, treatments=(t.EXPORT,)),
    "kz_48": lambda f: f.total(SALES, rates=(EXEMPT,), treatments=ORDINARY),
    "kz_60": lambda f: f.total(SALES, treatments=(t.REVERSE_CHARGE_DOMESTIC,)),
    "kz_21": lambda f: f.total(SALES, treatments=(t.EU_SERVICES,)),
    "kz_89": lambda f: f.total(PURCHASES, rates=(STANDARD,), treatments=(t.EU_ACQUISITION,)),
    "kz_89_steuer": lambda f: f.total(OUTPUT_TAX, rates=(STANDARD,), treatments=(t.EU_ACQUISITION,)),
    "kz_93": lambda f: f.total(PURCHASES, rates=(REDUCED,), treatments=(t.EU_ACQUISITION,)),
    "kz_93_steuer": lambda f: f.total(OUTPUT_TAX, rates=(REDUCED,), treatments=(t.EU_ACQUISITION,)),
    "kz_91": lambda f: f.total(PURCHASES, rates=(EXEMPT,), treatments=(t.EU_ACQUISITION,)),
    "kz_46": lambda f: f.total(PURCHASES, treatments=(t.REVERSE_CHARGE_EU,)),
    "kz_47": lambda f: f.total(OUTPUT_TAX, treatments=(t.REVERSE_CHARGE_EU,)),
    "kz_84": lambda f: f.total(PURCHASES, treatments=THIRTEEN_B),
    "kz_85": lambda f: f.total(OUTPUT_TAX, treatments=THIRTEEN_B),
    "kz_66": lambda f: f.total(INPUT_TAX) - f.total(INPUT_TAX, treatments=(*t.SELF_ACCOUNTED, t.IMPORT_VAT)),
    "kz_61": lambda f: f.total(INPUT_TAX, treatments=(t.EU_ACQUISITION,)),
    "kz_62": lambda f: f.total(INPUT_TAX, treatments=(t.IMPORT_VAT,)),
    "kz_67": lambda f: f.total(INPUT_TAX, treatments=(t.REVERSE_CHARGE_EU, *THIRTEEN_B)),
    "kz_83": lambda f: f.output_tax - f.input_tax,
}
BASES = frozenset({"kz_81", "kz_86", "kz_35", "kz_41", "kz_43", "kz_48", "kz_60", "kz_21", "kz_89", "kz_93",
                   "kz_91", "kz_46", "kz_84"})


def boxes(found: Figures) -> dict[str, Decimal]:
    return {name: whole(FIGURES[name](found)) if name in BASES else FIGURES[name](found) for name in NAMES}


def due(boxes: dict[str, Decimal]) -> Decimal:
    return boxes["kz_83"]
