"""VAT accounting schemes: when VAT is due (on invoices, or when paid) and how box 1 is worked out.

The business's financial settings name its scheme (`tax_scheme_id`); returns.toml says what each id means in its
country. HMRC's cash accounting (VAT Notice 731) accounts for VAT on sales and purchases when they are paid;
Revenue's "moneys received" basis (VAT Consolidation Act 2010 s86) does so for sales only. HMRC's flat rate
scheme (VAT Notice 733) pays a fixed percentage of the VAT-inclusive turnover instead of the VAT charged, and
reclaims input tax only on capital goods of £2,000 or more, VAT included.

France (CGI art. 269-2-c, "TVA sur les encaissements"): VAT on services is due when they are paid, on goods when
they are delivered (invoiced), unless the business opted to pay on the débits (invoices). Sage's financial
settings say which: `sales_tax_calculation` "invoice" is the option for the débits, "cash" or none the law's
default; `purchase_tax_calculation` likewise for the deduction of VAT on services bought (CGI art. 271-I-2: it
is deducted when it becomes due from the supplier). Only the services lines wait for payment (cash.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerd.errors import Invalid
from ledgerd.tax_returns.periods import Country


@dataclass(frozen=True)
class Scheme:
    id: str = "STANDARD"
    cash_outputs: bool = False
    cash_inputs: bool = False
    # The flat rate percentage (16.5 for 16.5%), None outside the flat rate scheme.
    flat_rate: Decimal | None = None
    # Flat rate: the smallest VAT-inclusive capital goods purchase whose input tax is reclaimed.
    capital_goods: Decimal | None = None
    # Only the services lines of sales (outputs) or purchases (inputs) are accounted for when paid; goods lines
    # stay on the invoice basis (France's TVA sur les encaissements).
    services_outputs: bool = False
    services_inputs: bool = False

    @property
    def cash(self) -> bool:
        """Whole documents wait for their payments."""
        return self.cash_outputs or self.cash_inputs

    @property
    def services(self) -> bool:
        """Services lines wait for their payments."""
        return self.services_outputs or self.services_inputs


STANDARD = Scheme()


def of(rules: Country, financial: dict[str, Any]) -> Scheme:
    """The scheme the business's financial settings choose (the invoice basis when it names none)."""
    scheme_id = financial.get("tax_scheme_id") or "STANDARD"
    if rules.services_when_paid:
        return Scheme(scheme_id, services_outputs=financial.get("sales_tax_calculation") != "invoice",
                      services_inputs=financial.get("purchase_tax_calculation") != "invoice")
    raw = rules.schemes.get(scheme_id)
    if raw is None:
        return Scheme(scheme_id)
    percentage = None
    if raw.get("flat_rate"):
        if financial.get("flat_rate_tax_percentage") in (None, ""):
            raise Invalid(f"The {scheme_id} scheme needs the business's flat rate percentage: set "
                          "flat_rate_tax_percentage in the financial settings.", "flat_rate_tax_percentage")
        percentage = Decimal(str(financial["flat_rate_tax_percentage"]))
    sides = set(raw.get("cash", ()))
    return Scheme(scheme_id, cash_outputs="outputs" in sides, cash_inputs="inputs" in sides, flat_rate=percentage,
                  capital_goods=Decimal(raw["capital_goods"]) if "capital_goods" in raw else None)
