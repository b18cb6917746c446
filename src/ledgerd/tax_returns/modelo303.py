"""Spain's modelo 303 (autoliquidación del IVA): the casillas of the AEAT's form from a return's figures
(amounts.py). docs/decisions/tax-returns-es.md.

Amounts are in euros and cents. By tax rate, VAT treatment (ledger/treatments.py) and whether the entry comes
from a corrective invoice or credit note (`Part.note`):

* 01/03, 04/06, 07/09: régimen general bases and cuotas at 4 %, 10 % and 21 % (a line at a rate with the
  recargo de equivalencia counts its base here too: the IVA component's cuota is here, the recargo's below).
* 10/11: adquisiciones intracomunitarias de bienes y servicios (EU_ACQUISITION, REVERSE_CHARGE_EU); 12/13: the
  other inversión del sujeto pasivo (REVERSE_CHARGE_DOMESTIC, REVERSE_CHARGE_ABROAD).
* 14/15: modificación de bases y cuotas: the corrective invoices and credit notes of sales (art. 80 Ley
  37/1992), and output IVA journalled on no rate.
* 16/18, 19/21, 22/24: recargo de equivalencia at 0.5 %, 1.4 % and 5.2 % (base and cuota); 25/26 its
  modifications. 27: total cuota devengada.
* 28/29 and 30/31: IVA soportado en operaciones interiores, bienes corrientes and bienes de inversión (fixed
  asset accounts), with the domestic and non-EU inversión del sujeto pasivo; 36/37 and 38/39: the same for
  intra-Community acquisitions; 40/41: rectificación de deducciones (purchase corrections and credit notes, input
  IVA journalled on no rate). 45: total a deducir. 46: resultado del régimen general (27 - 45).
* 71: resultado de la liquidación: 46, ledgerd keeping no cuotas a compensar from earlier periods (67), no
  regularización anual (68) and no complementaria (70).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ledgerd.ledger import treatments as t
from ledgerd.tax_returns.amounts import INPUT_TAX, OUTPUT_TAX, PURCHASES, SALES, Figures

SUPER_REDUCED, REDUCED, STANDARD = "ES_SUPER_REDUCED", "ES_REDUCED", "ES_STANDARD"
# The rate with the recargo de equivalencia (one line, two taxes) and the recargo's own component.
WITH_RE = {SUPER_REDUCED: "ES_SUPER_REDUCED_WITH_RE", REDUCED: "ES_REDUCED_WITH_RE", STANDARD: "ES_STANDARD_WITH_RE"}
RE = {SUPER_REDUCED: "ES_SUPER_REDUCED_RE", REDUCED: "ES_REDUCED_RE", STANDARD: "ES_STANDARD_RE"}
IVA = (SUPER_REDUCED, REDUCED, STANDARD, *WITH_RE.values())
ORDINARY = (None, t.JOURNAL)
INTRA = (t.EU_ACQUISITION, t.REVERSE_CHARGE_EU)
OTHER_ISP = (t.REVERSE_CHARGE_DOMESTIC, t.REVERSE_CHARGE_ABROAD)
INTERIOR = (*ORDINARY, *OTHER_ISP)

NAMES = ("casilla_01", "casilla_03", "casilla_04", "casilla_06", "casilla_07", "casilla_09", "casilla_10",
         "casilla_11", "casilla_12", "casilla_13", "casilla_14", "casilla_15", "casilla_16", "casilla_18",
         "casilla_19", "casilla_21", "casilla_22", "casilla_24", "casilla_25", "casilla_26", "casilla_27",
         "casilla_28", "casilla_29", "casilla_30", "casilla_31", "casilla_36", "casilla_37", "casilla_38",
         "casilla_39", "casilla_40", "casilla_41", "casilla_45", "casilla_46", "casilla_71")


def _base(rate: str) -> Callable[[Figures], Decimal]:
    return lambda f: f.total(SALES, rates=(rate, WITH_RE[rate]), treatments=ORDINARY, note=False)


def _cuota(rate: str) -> Callable[[Figures], Decimal]:
    return lambda f: f.total(OUTPUT_TAX, rates=(rate,), treatments=ORDINARY, note=False)


def _re_base(rate: str) -> Callable[[Figures], Decimal]:
    return lambda f: f.total(SALES, rates=(WITH_RE[rate],), treatments=ORDINARY, note=False)


def _re_cuota(rate: str) -> Callable[[Figures], Decimal]:
    return lambda f: f.total(OUTPUT_TAX, rates=(RE[rate],), treatments=ORDINARY, note=False)


def _deducible(treatments: tuple[str | None, ...], *, fixed: bool) -> tuple[Callable[[Figures], Decimal], ...]:
    """Base and cuota of IVA soportado under `treatments`, on fixed assets or not (corrections apart: 40/41)."""
    return (lambda f: f.total(PURCHASES, rates=IVA, treatments=treatments, note=False, fixed=fixed),
            lambda f: f.total(INPUT_TAX, rates=IVA, treatments=treatments, note=False, fixed=fixed))


_28, _29 = _deducible(INTERIOR, fixed=False)
_30, _31 = _deducible(INTERIOR, fixed=True)
_36, _37 = _deducible(INTRA, fixed=False)
_38, _39 = _deducible(INTRA, fixed=True)


def _sum(*parts: Callable[[Figures], Decimal]) -> Callable[[Figures], Decimal]:
    return lambda f: sum((part(f) for part in parts), Decimal(0))


def _re_modified(figure: str) -> Callable[[Figures], Decimal]:
    return lambda f: f.total(figure, rates=(*RE.values(),) if figure == OUTPUT_TAX else (*WITH_RE.values(),),
                             treatments=ORDINARY, note=True)


def _41(f: Figures) -> Decimal:
    """Corrections of IVA soportado: purchase corrective invoices and credit notes, and whatever input IVA is not
    in 29 to 39 (a VAT journal on no rate)."""
    return f.input_tax - sum((part(f) for part in (_29, _31, _37, _39)), Decimal(0))


def _15(f: Figures) -> Decimal:
    """Modified cuotas: sales corrections' IVA, and output IVA no other casilla takes (a VAT journal on no rate)."""
    return f.output_tax - sum((FIGURES[name](f) for name in ("casilla_03", "casilla_06", "casilla_09", "casilla_11",
                                                             "casilla_13", "casilla_18", "casilla_21", "casilla_24",
                                                             "casilla_26")), Decimal(0))


# What each transaction adds to a casilla (the drill-down's figures too).
FIGURES: dict[str, Callable[[Figures], Decimal]] = {
    "casilla_01": _base(SUPER_REDUCED), "casilla_03": _cuota(SUPER_REDUCED),
    "casilla_04": _base(REDUCED), "casilla_06": _cuota(REDUCED),
    "casilla_07": _base(STANDARD), "casilla_09": _cuota(STANDARD),
    "casilla_10": lambda f: f.total(PURCHASES, treatments=INTRA),
    "casilla_11": lambda f: f.total(OUTPUT_TAX, treatments=INTRA),
    "casilla_12": lambda f: f.total(PURCHASES, treatments=OTHER_ISP),
    "casilla_13": lambda f: f.total(OUTPUT_TAX, treatments=OTHER_ISP),
    "casilla_14": lambda f: f.total(SALES, rates=IVA, treatments=ORDINARY, note=True),
    "casilla_15": _15,
    "casilla_16": _re_base(SUPER_REDUCED), "casilla_18": _re_cuota(SUPER_REDUCED),
    "casilla_19": _re_base(REDUCED), "casilla_21": _re_cuota(REDUCED),
    "casilla_22": _re_base(STANDARD), "casilla_24": _re_cuota(STANDARD),
    "casilla_25": _re_modified(SALES), "casilla_26": _re_modified(OUTPUT_TAX),
    "casilla_27": lambda f: f.output_tax,
    "casilla_28": _28, "casilla_29": _29, "casilla_30": _30, "casilla_31": _31,
    "casilla_36": _36, "casilla_37": _37, "casilla_38": _38, "casilla_39": _39,
    "casilla_40": lambda f: f.total(PURCHASES, rates=IVA, treatments=(*INTERIOR, *INTRA), note=True),
    "casilla_41": _41,
    "casilla_45": lambda f: f.input_tax,
    "casilla_46": lambda f: f.output_tax - f.input_tax,
    "casilla_71": lambda f: f.output_tax - f.input_tax,
}


def boxes(found: Figures) -> dict[str, Decimal]:
    return {name: FIGURES[name](found) for name in NAMES}


def due(boxes: dict[str, Decimal]) -> Decimal:
    return boxes["casilla_71"]
