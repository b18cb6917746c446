"""A local stand-in for HMRC's Making Tax Digital VAT API (the outside party UK returns are filed with).

It answers with the real API's shapes and rules, in process and on the business's own database:

* obligations — `GET /organisations/vat/{vrn}/obligations?from&to&status`: `{"obligations": [{"periodKey",
  "start", "end", "due", "status": "O"|"F", "received"}]}`, a date range of at most 366 days, `NOT_FOUND`
  when there are none;
* returns — `POST /organisations/vat/{vrn}/returns` with `periodKey`, the nine figures (`vatDueSales` …
  `totalAcquisitionsExVAT`) and `finalised`, answering `{"processingDate", "formBundleNumber",
  "paymentIndicator"?, "chargeRefNumber"?}` or HMRC's error codes (DUPLICATE_SUBMISSION, TAX_PERIOD_NOT_ENDED,
  PERIOD_KEY_INVALID, NOT_FINALISED, VAT_TOTAL_VALUE, VAT_NET_VALUE, INVALID_MONETARY_AMOUNT, VRN_INVALID).

What HMRC alone would know is simplified: the trader's VAT periods are the business's own (its tax return
frequency over its financial year), and an obligation is fulfilled by a return this stand-in received
(`HmrcVatReturn`), `received` being the injectable clock's date of receipt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.db.counters import next_value
from ledgerd.db.tenancy import current_business
from ledgerd.tax_returns.models import HmrcVatReturn
from ledgerd.tax_returns.periods import Calendar, Country

_VRN = re.compile(r"^(?:GB)?(\d{9}|\d{12})$")
_LIMIT = Decimal("9999999999999.99")
MAX_RANGE = timedelta(days=366)
FIGURES = ("vatDueSales", "vatDueAcquisitions", "totalVatDue", "vatReclaimedCurrPeriod", "netVatDue",
           "totalValueSalesExVAT", "totalValuePurchasesExVAT", "totalValueGoodsSuppliedExVAT", "totalAcquisitionsExVAT")
# Boxes 6 to 9 are whole pounds.
WHOLE = frozenset(FIGURES[5:])


@dataclass
class HmrcError(Exception):
    """An error answer of HMRC's API: its HTTP status and its `{"code", "message"}` body."""

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def vrn(raw: str | None) -> str:
    """A VAT registration number as HMRC takes it (9 digits, 12 for a group; spaces and `GB` dropped)."""
    match = _VRN.match(re.sub(r"\s+", "", raw or "").upper())
    if match is None:
        raise HmrcError(400, "VRN_INVALID", "The provided VRN is invalid.")
    return match.group(1)


def obligations(db: Session, number: str, periods: Calendar, rules: Country, *, from_date: date, to_date: date,
                status: str | None, today: date) -> dict[str, Any]:
    """The trader's obligations overlapping `from_date`..`to_date` (periods that have begun by `today`)."""
    if status not in (None, "O", "F"):
        raise HmrcError(400, "INVALID_STATUS", "Invalid status.")
    if to_date < from_date or to_date - from_date > MAX_RANGE:
        raise HmrcError(400, "INVALID_DATE_RANGE", "Invalid date range, it must be 366 days or less.")
    received = {r.period_key: r.received_at
                for r in db.scalars(select(HmrcVatReturn).where(HmrcVatReturn.vrn == number))}
    found = []
    for period in periods.between(from_date, min(to_date, today)):
        at = received.get(period.key)
        item = {"periodKey": period.key, "start": period.start.isoformat(), "end": period.end.isoformat(),
                "due": period.due(rules).isoformat(), "status": "F" if at else "O"}
        if at is not None:
            item["received"] = at.date().isoformat()
        if status is None or item["status"] == status:
            found.append(item)
    if not found:
        raise HmrcError(404, "NOT_FOUND", "The requested resource could not be found.")
    return {"obligations": found}


def _check(body: dict[str, Any]) -> None:
    for name in FIGURES:
        value = body.get(name)
        if (not isinstance(value, Decimal) or abs(value) > _LIMIT or value != value.quantize(Decimal("0.01"))
                or (name in WHOLE and value != value.to_integral_value())):
            raise HmrcError(400, "INVALID_MONETARY_AMOUNT", f"{name}: amounts should be a monetary value (to 2 "
                            "decimal places), between -9,999,999,999,999.99 and 9,999,999,999,999.99")
    if body["totalVatDue"] != body["vatDueSales"] + body["vatDueAcquisitions"]:
        raise HmrcError(400, "VAT_TOTAL_VALUE", "totalVatDue should be equal to vatDueSales + vatDueAcquisitions")
    if body["netVatDue"] != abs(body["totalVatDue"] - body["vatReclaimedCurrPeriod"]):
        raise HmrcError(400, "VAT_NET_VALUE", "netVatDue should be the difference between the largest and the "
                        "smallest values among totalVatDue and vatReclaimedCurrPeriod")
    if body.get("finalised") is not True:
        raise HmrcError(403, "NOT_FINALISED", "User has not declared VAT return as final")


def submit_return(db: Session, number: str, periods: Calendar, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Receive a VAT return; its obligation is fulfilled from then on."""
    _check(body)
    key = str(body.get("periodKey", ""))
    period = _period_of(periods, key, now.date())
    if period is None:
        raise HmrcError(400, "PERIOD_KEY_INVALID", "Invalid period key")
    if period.end >= now.date():
        raise HmrcError(403, "TAX_PERIOD_NOT_ENDED",
                        "The remote endpoint has indicated that the submission is for a tax period that has not ended.")
    taken = db.scalar(select(HmrcVatReturn.id).where(HmrcVatReturn.vrn == number, HmrcVatReturn.period_key == key))
    if taken is not None:
        raise HmrcError(403, "DUPLICATE_SUBMISSION", "User has already submitted a VAT return for the given period")
    business_id = current_business(db)
    assert business_id is not None
    bundle = f"{100000000000 + next_value(db, f'{business_id}:hmrc:form_bundle')}"
    db.add(HmrcVatReturn(business_id=business_id, vrn=number, period_key=key, received_at=now,
                         form_bundle_number=bundle, body={k: str(v) for k, v in body.items()}))
    receipt: dict[str, Any] = {"processingDate": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "formBundleNumber": bundle}
    if body["netVatDue"] and body["totalVatDue"] < body["vatReclaimedCurrPeriod"]:
        receipt["paymentIndicator"] = "BANK"  # a repayment, to the bank account HMRC holds
    elif body["netVatDue"]:
        receipt["chargeRefNumber"] = f"XV{bundle}"
    return receipt


def _period_of(periods: Calendar, key: str, today: date) -> Any:
    """The obligation period a key names (keys name periods of the last few years, as HMRC's do)."""
    for period in periods.between(today - timedelta(days=366 * 6), today + MAX_RANGE):
        if period.key == key:
            return period
    return None
