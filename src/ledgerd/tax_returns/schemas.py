"""Request bodies: a draft tax return's period, an obligations query, income tax settings."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from ledgerd import limits

# Periods are worked out from financial years and filing deadlines months after them: a period ends by 2999 (a
# later date is certainly a typing mistake), inside ledgerd's date range.
Day = Annotated[limits.Day, Field(le=dt.date(2999, 12, 31))]


def _compact(value: object) -> object:
    """HMRC references are often written with spaces ("AB 12 34 56 C"): compared without them, upper case."""
    return "".join(value.split()).upper() if isinstance(value, str) else value


Reference = BeforeValidator(_compact)
# HMRC's National Insurance number format: "AB123456C"; never the prefixes BG, GB, NK, KN, TN, NT, ZZ.
_NINO = re.compile(r"^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")


def _nino(value: str | None) -> str | None:
    if value is not None and not _NINO.match(value):
        raise ValueError("must be a National Insurance number such as AB123456C")
    return value


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class DraftTaxReturnCreate(_Body):
    period_start_date: Day
    period_end_date: Day


class ObligationQuery(_Body):
    """HMRC's obligations query: a date range (366 days at most) and optionally O (open) or F (fulfilled)."""

    from_date: Day | None = None
    to_date: Day | None = None
    status: Literal["O", "F"] | None = None


class IncomeTaxSettingsUpdate(_Body):
    national_insurance_number: Annotated[str | None, Reference, AfterValidator(_nino)] = None
    # The Self Assessment Unique Taxpayer Reference: 10 digits.
    unique_tax_reference: Annotated[str | None, Reference] = Field(None, pattern=r"^\d{10}$")
    accounting_method: Literal["cash", "traditional"] | None = None
    quarterly_period_type: Literal["standard", "calendar"] | None = None
