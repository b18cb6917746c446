"""How values are written as text, as Sage writes them: decimals ("0.0", "45.83") and UTC timestamps ("…Z").

Used by the wire format (http/wire.py) and by the few rules that keep such text (catalog prices).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal


def decimal_str(value: Decimal) -> str:
    """Shortest form with at least one fractional digit, as Sage writes it: "0.0", "45.83", "5009.5"."""
    if not value:
        return "0.0"  # also for -0 (a zero figure of a negative line): Sage never writes "-0.0"
    text = str(value)  # plain notation for every stored figure (exponent -2 or -6); C-fast
    if "E" in text:
        text = format(value, "f")
    if "." not in text:
        return text + ".0"
    text = text.rstrip("0")
    return text + "0" if text[-1] == "." else text


def timestamp_str(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def amount_str(value: Decimal, places: int = 2) -> str:
    """An amount as people read it on a page: grouped thousands, fixed places ("1,234.50", "-0.75")."""
    return f"{value:,.{places}f}" if value else f"{0:.{places}f}"
