"""A VAT return's figures as amounts: the totals every return starts from, and their parts.

`Figures` holds the four totals a UK or Irish return needs (output and input tax, sales and purchases ex VAT)
and, beside them, the same money in `parts`: each kept apart by tax rate, VAT treatment (ledger/treatments.py),
whether it comes from a credit note or corrective invoice, whether it is on a fixed asset account, and the account
it is on. The German, Spanish, French and Canadian forms are read from the parts (`Figures.total`); the
totals stay what they were for the UK and Irish boxes. figures.py fills both from the ledger. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
OUTPUT_TAX, INPUT_TAX, SALES, PURCHASES = "output_tax", "input_tax", "sales", "purchases"
_TOTALS = ("output_tax", "input_tax", "sales", "purchases", "capital_tax", "capital_purchases")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def whole(amount: Decimal) -> Decimal:
    """Whole units, the cents dropped (HMRC's boxes 6 to 9, the UStVA's bases, the GST34's line 101)."""
    return amount.quantize(Decimal(1), rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Part:
    """What one slice of a return's money is: `figure` (OUTPUT_TAX, INPUT_TAX: on the tax accounts; SALES,
    PURCHASES: the net amounts, purchases as bought, never also as a sale), at `rate`, under `treatment`."""

    figure: str
    rate: str | None
    treatment: str | None
    # From a credit note or a corrective invoice (Spain's modelo 303 reports them apart).
    note: bool
    # On a fixed asset account; input tax: its share of the purchase's tax at the rate bought as fixed assets.
    fixed: bool
    account: str


@dataclass(frozen=True)
class Figures:
    output_tax: Decimal = ZERO
    input_tax: Decimal = ZERO
    sales: Decimal = ZERO
    purchases: Decimal = ZERO
    # Of the above, the input tax and net value of capital goods purchases (flat rate scheme: box 4 and box 7).
    capital_tax: Decimal = ZERO
    capital_purchases: Decimal = ZERO
    parts: Mapping[Part, Decimal] = field(default_factory=dict)

    @property
    def net(self) -> Decimal:
        """Tax due (positive) or repayable (negative) as charged on the documents."""
        return self.output_tax - self.input_tax

    def _totals(self) -> list[Decimal]:
        return [getattr(self, name) for name in _TOTALS]

    def __add__(self, other: Figures) -> Figures:
        parts = dict(self.parts)
        for key, amount in other.parts.items():
            parts[key] = parts.get(key, ZERO) + amount
        return Figures(*_totals(a + b for a, b in zip(self._totals(), other._totals(), strict=True)), parts=parts)

    def share(self, before: Decimal, after: Decimal) -> Figures:
        """The part between fractions `before` and `after` of these figures, each rounded to the penny as a
        difference of rounded running totals, so the shares of a whole document add up to it exactly."""
        def cut(value: Decimal) -> Decimal:
            return cents(value * after) - cents(value * before)
        return Figures(*_totals(cut(v) for v in self._totals()), parts={k: cut(v) for k, v in self.parts.items()})

    def __neg__(self) -> Figures:
        return self.share(ZERO, Decimal(-1))

    def portion(self, fraction: Callable[[Part], Decimal]) -> Figures:
        """The part of these figures each of whose parts is `fraction(part)` of it (to the cent), totals summed from
        the parts (no capital goods: no portioned scheme has a flat rate)."""
        parts = {k: cents(v * fraction(k)) for k, v in self.parts.items()}
        parts = {k: v for k, v in parts.items() if v}

        def of(figure: str) -> Decimal:
            return sum((v for k, v in parts.items() if k.figure == figure), ZERO)
        return Figures(of(OUTPUT_TAX), of(INPUT_TAX), of(SALES), of(PURCHASES), parts=parts)

    def total(self, figure: str, *, rates: Collection[str | None] | None = None,
              treatments: Collection[str | None] | None = None, note: bool | None = None,
              fixed: bool | None = None) -> Decimal:
        """The sum of the parts of `figure` at any of `rates`, under any of `treatments` (None: any), from notes
        or not, on fixed assets or not."""
        return sum((amount for part, amount in self.parts.items()
                    if part.figure == figure and (rates is None or part.rate in rates)
                    and (treatments is None or part.treatment in treatments)
                    and (note is None or part.note == note) and (fixed is None or part.fixed == fixed)), ZERO)


def _totals(values: Iterable[Decimal]) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]:
    a, b, c, d, e, f = values
    return a, b, c, d, e, f
