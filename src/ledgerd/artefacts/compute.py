"""Line and document arithmetic: pure functions on Decimals, no database.

Rules (docs/decisions/artefacts.md):
* net = quantity * unit price - discount, rounded half-up to the cent; a tax-inclusive unit price is first
  divided by (1 + rate); the discount is a net amount.
* tax = net * rate, rounded half-up. v3.1 wants a line's `tax_amount` sent whenever its rate has a
  percentage above zero; a sent value within the tolerance of ours (a rounding difference: `tolerance`) is
  kept as sent (the client's invoice is the legal document), anything further off is refused with our figure
  in the message. A rate of 0% takes no tax at all.
* A tax-inclusive line keeps its gross: total = quantity * unit price less the discount grossed up, rounded
  to the cent, and the tax is what that total leaves over the net (or, when the client sends a tax amount
  within the tolerance, the net is what the total leaves over that tax).
* Foreign currency: `exchange_rate` is units of the document currency per one unit of base currency, so
  base = amount / exchange_rate, rounded per component; base totals are sums of converted components.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
HUNDRED = Decimal(100)
# A sent tax amount may differ from ours by a rounding difference only: 0.05 on any line, or on a line of many
# units half a cent per unit when that is more (tax worked out per unit and rounded to the cent).
TAX_TOLERANCE = Decimal("0.05")
TAX_TOLERANCE_PER_UNIT = Decimal("0.005")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fine(value: Decimal) -> Decimal:
    return value.quantize(MICRO, rounding=ROUND_HALF_UP)


def inverse(rate: Decimal) -> Decimal:
    """An exchange rate from its inverse, or the other way round, to 1e-6."""
    return fine(1 / rate)


@dataclass(frozen=True)
class Rate:
    """A tax rate as it applies on the document's date; combined rates list their components."""

    id: str
    percentage: Decimal
    components: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class Part:
    """One tax component of a line: rate id, percentage, amount (document and base currency)."""

    rate_id: str
    percentage: Decimal
    amount: Decimal
    base_amount: Decimal = ZERO


@dataclass(frozen=True)
class Figures:
    net: Decimal
    tax: Decimal
    discount: Decimal = ZERO
    discount_percentage: Decimal = ZERO
    breakdown: tuple[Part, ...] = ()
    base_net: Decimal = ZERO
    base_tax: Decimal = ZERO
    base_discount: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    @property
    def base_total(self) -> Decimal:
        return self.base_net + self.base_tax


class TaxMismatch(ValueError):
    """The sent tax amount is missing or too far from ours; the message says what we expected."""


def tax_on(net: Decimal, rate: Rate | None) -> Decimal:
    return money(net * rate.percentage / HUNDRED) if rate else ZERO


def tolerance(quantity: Decimal = Decimal(1)) -> Decimal:
    """How far a sent tax amount may be from ours: 0.05, or half a cent per unit when that is more."""
    return max(TAX_TOLERANCE, money(abs(quantity) * TAX_TOLERANCE_PER_UNIT))


def check_tax(sent: Decimal | None, expected: Decimal, rate: Rate | None, *, required: bool = True,
              quantity: Decimal = Decimal(1)) -> Decimal:
    """The tax amount to store: the sent one if acceptable, ours if none was needed."""
    if rate is None:
        if sent not in (None, ZERO):
            raise TaxMismatch("A line without a tax rate cannot carry tax; give tax_rate_id.")
        return ZERO
    if rate.percentage == ZERO:
        if sent not in (None, ZERO):
            raise TaxMismatch(f"tax_amount must be 0 for tax rate {rate.id} (0%); it carries no tax.")
        return ZERO
    if sent is None:
        if required and rate.percentage != ZERO:
            raise TaxMismatch(f"tax_amount is required for tax rate {rate.id} ({rate.percentage.normalize():f}%)"
                              f"; expected {expected}.")
        return expected
    if abs(sent - expected) > tolerance(quantity):
        raise TaxMismatch(f"tax_amount {sent} does not match tax rate {rate.id} "
                          f"({rate.percentage.normalize():f}%) on the net amount; expected {expected}.")
    return sent


def withholding(net: Decimal, rate: Decimal, sent: Decimal | None) -> Decimal:
    """IRPF withheld on a document: rate x the lines' net (not the VAT), rounded half-up; a sent amount within
    the tax tolerance (`tolerance`) is kept as sent, anything further off is refused with our figure."""
    expected = money(net * rate / HUNDRED)
    if sent is None:
        return expected
    if abs(sent - expected) > tolerance():
        raise TaxMismatch(f"withholding_tax_amount {sent} does not match withholding_tax_rate "
                          f"{rate.normalize():f}% of the net amount {net}; expected {expected}.")
    return sent


def split(tax: Decimal, net: Decimal, rate: Rate | None) -> tuple[Part, ...]:
    """The tax breakdown: one part per component, the last one absorbing rounding so parts sum to `tax`."""
    if rate is None:
        return ()
    if not rate.components:
        return (Part(rate.id, rate.percentage, tax),)
    parts = [Part(cid, pct, money(net * pct / HUNDRED)) for cid, pct in rate.components]
    rest = tax - sum((p.amount for p in parts[:-1]), ZERO)
    parts[-1] = Part(parts[-1].rate_id, parts[-1].percentage, rest)
    return tuple(parts)


def line(*, quantity: Decimal, unit_price: Decimal, includes_tax: bool, discount_amount: Decimal | None,
         discount_percentage: Decimal | None, rate: Rate | None, sent_tax: Decimal | None,
         tax_required: bool = True) -> Figures:
    """A line's net, tax, discount and breakdown; raises TaxMismatch for a bad `tax_amount`."""
    gross = quantity * unit_price
    inclusive = includes_tax and rate is not None and rate.percentage != ZERO
    factor = 1 + rate.percentage / HUNDRED if inclusive and rate else Decimal(1)
    before_discount = gross / factor
    if discount_amount is not None:
        discount = discount_amount
        percentage = (money(discount / before_discount * HUNDRED) if before_discount else ZERO)
    elif discount_percentage is not None:
        discount = money(before_discount * discount_percentage / HUNDRED)
        percentage = discount_percentage
    else:
        discount, percentage = ZERO, ZERO
    net = money(before_discount - discount)
    if inclusive:
        # The gross is what the customer pays: net and tax share it, so they cannot add up to a cent more.
        total = money(gross - discount * factor)
        tax = check_tax(sent_tax, total - net, rate, required=tax_required, quantity=quantity)
        net = total - tax
    else:
        tax = check_tax(sent_tax, tax_on(net, rate), rate, required=tax_required, quantity=quantity)
    return Figures(net=net, tax=tax, discount=discount, discount_percentage=percentage,
                   breakdown=split(tax, net, rate))


def to_base(amount: Decimal, exchange_rate: Decimal) -> Decimal:
    return amount if exchange_rate == 1 else money(amount / exchange_rate)


def convert(figures: Figures, exchange_rate: Decimal) -> Figures:
    """Add the base-currency amounts; breakdown parts sum to the converted tax."""
    base_tax = to_base(figures.tax, exchange_rate)
    parts = [Part(p.rate_id, p.percentage, p.amount, to_base(p.amount, exchange_rate)) for p in figures.breakdown]
    if parts:
        rest = base_tax - sum((p.base_amount for p in parts[:-1]), ZERO)
        parts[-1] = Part(parts[-1].rate_id, parts[-1].percentage, parts[-1].amount, rest)
    return Figures(net=figures.net, tax=figures.tax, discount=figures.discount,
                   discount_percentage=figures.discount_percentage, breakdown=tuple(parts),
                   base_net=to_base(figures.net, exchange_rate), base_tax=base_tax,
                   base_discount=to_base(figures.discount, exchange_rate))


@dataclass
class Analysis:
    """Per-rate sums for `tax_analysis`."""

    net: Decimal = ZERO
    tax: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


@dataclass
class Totals:
    net: Decimal = ZERO
    tax: Decimal = ZERO
    discount: Decimal = ZERO
    base_net: Decimal = ZERO
    base_tax: Decimal = ZERO
    base_discount: Decimal = ZERO
    analysis: dict[str, Analysis] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    @property
    def base_total(self) -> Decimal:
        return self.base_net + self.base_tax

    def add(self, figures: Figures, rate_id: str | None) -> None:
        self.net += figures.net
        self.tax += figures.tax
        self.discount += figures.discount
        self.base_net += figures.base_net
        self.base_tax += figures.base_tax
        self.base_discount += figures.base_discount
        if rate_id:
            entry = self.analysis.setdefault(rate_id, Analysis())
            entry.net += figures.net
            entry.tax += figures.tax
