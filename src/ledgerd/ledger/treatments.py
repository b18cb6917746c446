"""VAT treatments: how an entry reaches a VAT return beyond its account and tax rate, and the rules that choose
them (docs/decisions/vat-treatments.md).

A ledger entry's `tax_treatment` is NULL for an ordinary posting: its account (the output or input VAT account)
and its tax rate say where it counts. The other values:

* REVERSE_CHARGE_DOMESTIC, REVERSE_CHARGE_EU, REVERSE_CHARGE_ABROAD: the entries of a purchase whose VAT the
  business accounts for itself (`vat_reverse_charge`), by where the supplier is (its tax treatment): at home
  (the UK's domestic reverse charge for construction, Germany's §13b(2) UStG), in the EU (§13b(1) UStG), or
  elsewhere. A UK return puts the net of a service bought from abroad in box 6 as well as box 7 (HMRC VAT Notice
  741A, "the reverse charge"), that of a domestic reverse charge in box 7 only; a German UStVA
  tells Kz 46/47 (EU) from Kz 84/85 (the others) by the same values.
* EU_ACQUISITION: the goods lines (`eu_goods_services_type_id` GOODS) of a purchase under the EU reverse charge:
  an intra-Community acquisition (§1a UStG, LIVA art. 15, CGI art. 256 bis), which German, Spanish and French
  returns report apart from services bought from the EU.
* EU_SUPPLY, EXPORT: the net of an untaxed goods line sold to a customer registered for VAT elsewhere in the EU
  (an intra-Community supply) or outside the EU (an export), by the customer's tax treatment.
* EU_SERVICES: the net of an untaxed services line (`eu_goods_services_type_id` SERVICES) sold to a customer
  registered for VAT elsewhere in the EU: a service whose customer accounts for the VAT where it is established
  (Directive 2006/112/EC arts. 44 and 196; Ireland's VAT3 ES1, Germany's Kz 21, France's CA3 E2).
* POSTPONED_IMPORT: the entries of an import whose VAT is accounted for on the return (`postponed_accounting`).
* IMPORT_VAT: import VAT paid at customs and deducted as input tax (Germany's Einfuhrumsatzsteuer, UStVA Kz 62).
  Never stored: a return reads it for every entry on an account a tax rate names as its `import_account` (SKR03
  1588; ledger/tax_accounts.py), whatever posted it.
* JOURNAL: a journal line sent with `include_on_tax_return`: it counts on the return by its account and side
  (Sage's "How journal entries affect the VAT Return"); a journal line without the flag never does.

Pure: no database. The country comes from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

REVERSE_CHARGE_DOMESTIC = "REVERSE_CHARGE_DOMESTIC"
REVERSE_CHARGE_EU = "REVERSE_CHARGE_EU"
REVERSE_CHARGE_ABROAD = "REVERSE_CHARGE_ABROAD"
POSTPONED_IMPORT = "POSTPONED_IMPORT"
JOURNAL = "JOURNAL"
EU_ACQUISITION = "EU_ACQUISITION"
EU_SUPPLY = "EU_SUPPLY"
EXPORT = "EXPORT"
EU_SERVICES = "EU_SERVICES"
IMPORT_VAT = "IMPORT_VAT"
# Purchases whose net is a supply the business makes to itself for the return's sales total (UK box 6).
SELF_SUPPLIED = frozenset({REVERSE_CHARGE_EU, REVERSE_CHARGE_ABROAD, EU_ACQUISITION})
# Every treatment of a purchase whose VAT the business accounts for itself.
SELF_ACCOUNTED = frozenset({REVERSE_CHARGE_DOMESTIC, REVERSE_CHARGE_EU, REVERSE_CHARGE_ABROAD, EU_ACQUISITION,
                            POSTPONED_IMPORT})

# Countries where a document may carry each flag: Sage offers the domestic reverse charge to UK businesses (its
# swagger); ledgerd also takes it for German §13b UStG, Spanish inversión del sujeto pasivo (Ley 37/1992 art. 84),
# French autoliquidation (CGI arts. 283-1, 283-2) and Irish self-accounting (intra-Community acquisitions and
# services received from abroad, VAT Consolidation Act 2010 ss. 3(c) and 12) documents. Postponed accounting:
# UK and Irish businesses (Sage's swagger for `postponed_accounting`).
REVERSE_CHARGE_COUNTRIES = frozenset({"GB", "DE", "ES", "FR", "IE"})
POSTPONED_COUNTRIES = frozenset({"GB", "IE"})
# Where VAT is due on the consideration actually received, so a prompt-payment discount taken reduces it: the UK
# since 1 April 2015 (VATA 1994 Sch. 6 para. 4 as amended; Revenue and Customs Brief 49 (2014)), and the EU rule
# that discounts for early payment are no part of the taxable amount, or reduce it afterwards (Directive
# 2006/112/EC arts. 79 and 90) as Ireland (VATCA 2010), Germany (§17 UStG, Skonto), France and Spain apply it.
# US and Canadian sales taxes are left alone: the whole discount stays off the tax there.
DISCOUNT_REDUCES_TAX = frozenset({"GB", "IE", "DE", "FR", "ES"})

CENT = Decimal("0.01")
ZERO = Decimal(0)


def reverse_charge(tax_treatment: Mapping[str, bool] | None) -> str:
    """The reverse-charge treatment of a purchase from a supplier with this tax treatment (the contact's)."""
    found = tax_treatment or {}
    if found.get("eu_tax_registered") or found.get("eu_not_tax_registered"):
        return REVERSE_CHARGE_EU
    if found.get("rest_of_world_tax"):
        return REVERSE_CHARGE_ABROAD
    return REVERSE_CHARGE_DOMESTIC


def of_line(document: str | None, *, sales: bool, goods: bool, taxed: bool,
            customer: Mapping[str, bool] | None = None, services: bool = False) -> str | None:
    """One line's treatment: the document's (`document`), except that the goods lines of an EU reverse-charge
    purchase are an EU acquisition, an untaxed goods line sold to a customer registered elsewhere in the EU
    (or outside it) an intra-Community supply (or an export), and an untaxed services line sold to a customer
    registered elsewhere in the EU a service supplied to an EU business."""
    if document == REVERSE_CHARGE_EU and goods:
        return EU_ACQUISITION
    if document is None and sales and not taxed and (goods or services):
        found = customer or {}
        if found.get("eu_tax_registered"):
            return EU_SUPPLY if goods else EU_SERVICES
        if goods and found.get("rest_of_world_tax"):
            return EXPORT
    return document


@dataclass(frozen=True)
class DiscountPart:
    """The share of a prompt-payment discount belonging to one tax rate: its net and its tax."""

    tax_rate_id: str | None
    net: Decimal
    tax: Decimal


def split_discount(discount: Decimal, by_rate: Mapping[str | None, tuple[Decimal, Decimal]]) -> list[DiscountPart]:
    """Split a discount off a document's gross over the document's rates, each by its share of the gross
    (`by_rate`: rate -> (net, tax) of the document); within a rate the tax is the rate's tax share. Parts are
    rounded half-up to the cent, the last rate's gross taking the rounding, so parts sum to `discount`."""
    gross = sum((net + tax for net, tax in by_rate.values()), ZERO)
    if not discount or not gross:
        return [DiscountPart(None, discount, ZERO)] if discount else []
    parts: list[DiscountPart] = []
    rest = discount
    items = [(rate, net, tax) for rate, (net, tax) in by_rate.items() if net + tax]
    for index, (rate, net, tax) in enumerate(items):
        share = rest if index == len(items) - 1 else _cents(discount * (net + tax) / gross)
        rest -= share
        vat = _cents(share * tax / (net + tax))
        parts.append(DiscountPart(rate, share - vat, vat))
    return parts


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
