"""Exchange rates: the dated reference feed (data/common/exchange_rates.toml), cross rates via EUR,
and the business's own rates, which override the feed for their currency.

Direction everywhere (as on documents, docs/decisions/artefacts.md): `rate` = units of the foreign
currency per one unit of base currency, so base = foreign / rate; `inverse_rate` = 1 / rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledgerd.currencies.models import BusinessExchangeRate
from ledgerd.currencies.schemas import BusinessExchangeRateCreate, BusinessExchangeRateUpdate
from ledgerd.errors import Invalid
from ledgerd.regions.data import lookup, lookups
from ledgerd.settings.service import base_currency

PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Quote:
    """One foreign currency against the base: a feed cross rate or a business's own rate."""

    currency_id: str
    base_currency_id: str
    rate: Decimal
    inverse_rate: Decimal
    created_at: datetime
    updated_at: datetime


def six(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@cache
def reference_rates() -> dict[str, tuple[Decimal, date]]:
    """Units of each currency per 1 EUR, with the date the feed published it."""
    return {r["id"]: (Decimal(r["rate"]), date.fromisoformat(r["date"])) for r in lookups()["reference_rates"]}


def currency_ids() -> list[str]:
    """Every currency ledgerd knows, in /currencies order."""
    return [c["id"] for c in lookups()["currencies"]]


def feed_quote(base: str, foreign: str) -> Quote | None:
    """The feed's cross rate via EUR (foreign per EUR ÷ base per EUR), or None when either is not quoted."""
    feed = reference_rates()
    if base not in feed or foreign not in feed or base == foreign:
        return None
    (base_per_eur, base_day), (foreign_per_eur, foreign_day) = feed[base], feed[foreign]
    with localcontext() as ctx:
        ctx.prec = 34
        rate, inverse = six(foreign_per_eur / base_per_eur), six(base_per_eur / foreign_per_eur)
    stamp = datetime.combine(min(base_day, foreign_day), datetime.min.time(), tzinfo=UTC)
    return Quote(foreign, base, rate, inverse, stamp, stamp)


def feed_quotes(base: str) -> list[Quote]:
    return [q for c in currency_ids() if (q := feed_quote(base, c)) is not None]


def _own(row: BusinessExchangeRate) -> Quote:
    return Quote(row.currency_id, row.base_currency_id, row.rate, row.inverse_rate, row.created_at, row.updated_at)


def quotes(db: Session, business_id: str) -> list[Quote]:
    """/exchange_rates: every currency with a rate against the base, the business's own rate winning."""
    base = base_currency(db)
    own = {r.currency_id: r for r in db.scalars(select(BusinessExchangeRate)
                                                .where(BusinessExchangeRate.base_currency_id == base))}
    out = []
    for currency in currency_ids():
        if currency in own:
            out.append(_own(own[currency]))
        elif (quote := feed_quote(base, currency)) is not None:
            out.append(quote)
    return out


def _positive(value: Decimal, field: str) -> Decimal:
    try:
        rounded = six(value)
    except InvalidOperation:
        raise Invalid(f"{field} must be a number.", field) from None
    if not rounded.is_finite() or rounded <= 0:
        raise Invalid(f"{field} must be greater than 0.", field)
    return rounded


def _inverse(value: Decimal, field: str) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 34
        inverse = six(Decimal(1) / value)
    if inverse <= 0:
        raise Invalid(f"{field} is too large: its inverse rounds to 0 at 6 decimal places.", field)
    return inverse


def _base(db: Session, business_id: str, sent: str | None) -> str:
    base = base_currency(db)
    if sent is not None and sent.upper() != base:
        raise Invalid(f"base_currency_id must be the business's base currency ({base}).", "base_currency_id")
    return base


def create(db: Session, business_id: str, body: BusinessExchangeRateCreate) -> BusinessExchangeRate:
    base = _base(db, business_id, body.base_currency_id)
    currency = body.currency_id.upper()
    if lookup("currencies", currency) is None:
        raise Invalid(f"Currency {body.currency_id} does not exist.", "currency_id")
    if currency == base:
        raise Invalid("An exchange rate cannot be set for the base currency.", "currency_id")
    taken = db.scalar(select(BusinessExchangeRate.id).where(BusinessExchangeRate.currency_id == currency))
    if taken is not None:
        raise Invalid(f"An exchange rate for {currency} already exists.", "currency_id")
    rate = _positive(body.rate, "rate")
    inverse = _positive(body.inverse_rate, "inverse_rate") if body.inverse_rate is not None \
        else _inverse(rate, "rate")
    row = BusinessExchangeRate(business_id=business_id, currency_id=currency, base_currency_id=base,
                               rate=rate, inverse_rate=inverse)
    db.add(row)
    try:
        db.flush()
    except IntegrityError:  # a concurrent request set the same currency first; the unit of work rolls back
        raise Invalid(f"An exchange rate for {currency} already exists.", "currency_id") from None
    return row


def update(db: Session, row: BusinessExchangeRate, body: BusinessExchangeRateUpdate) -> BusinessExchangeRate:
    if body.currency_id is not None and body.currency_id.upper() != row.currency_id:
        raise Invalid("The currency of an exchange rate cannot change; delete it and create another.",
                      "currency_id")
    row.base_currency_id = _base(db, row.business_id, body.base_currency_id)
    if row.currency_id == row.base_currency_id:
        raise Invalid("An exchange rate cannot be set for the base currency.", "currency_id")
    if body.rate is not None:
        row.rate = _positive(body.rate, "rate")
        row.inverse_rate = _positive(body.inverse_rate, "inverse_rate") if body.inverse_rate is not None \
            else _inverse(row.rate, "rate")
    elif body.inverse_rate is not None:
        row.inverse_rate = _positive(body.inverse_rate, "inverse_rate")
        row.rate = _inverse(row.inverse_rate, "inverse_rate")
    db.flush()
    return row
