"""The pure rules of VAT treatments: the reverse charge by supplier, a discount split into net and VAT by rate."""

from __future__ import annotations

from decimal import Decimal

from ledgerd.ledger.treatments import DiscountPart, reverse_charge, split_discount


def D(value: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


def test_the_reverse_charge_follows_the_supplier() -> None:
    assert reverse_charge({"eu_tax_registered": True}) == "REVERSE_CHARGE_EU"
    assert reverse_charge({"eu_not_tax_registered": True}) == "REVERSE_CHARGE_EU"
    assert reverse_charge({"rest_of_world_tax": True, "is_importer": True}) == "REVERSE_CHARGE_ABROAD"
    assert reverse_charge({"home_tax": True}) == reverse_charge(None) == "REVERSE_CHARGE_DOMESTIC"


def test_a_discount_is_split_by_each_rates_share_of_the_gross() -> None:
    # Gross 275.00: 120.00 at 20%, 105.00 at 5%, 50.00 exempt. A 10.00 discount:
    # standard 10 x 120/275 = 4.3636 -> 4.36, VAT 4.36 x 20/120 = 0.7267 -> 0.73, net 3.63;
    # lower 10 x 105/275 = 3.8182 -> 3.82, VAT 3.82 x 5/105 = 0.1819 -> 0.18, net 3.64;
    # exempt the rest, 10.00 - 4.36 - 3.82 = 1.82, no VAT.
    parts = split_discount(D("10.00"), {"GB_STANDARD": (D("100.00"), D("20.00")),
                                        "GB_LOWER": (D("100.00"), D("5.00")),
                                        "GB_EXEMPT": (D("50.00"), D("0.00"))})
    assert parts == [DiscountPart("GB_STANDARD", D("3.63"), D("0.73")), DiscountPart("GB_LOWER", D("3.64"), D("0.18")),
                     DiscountPart("GB_EXEMPT", D("1.82"), D("0.00"))]
    assert sum((p.net + p.tax for p in parts), Decimal(0)) == D("10.00")


def test_a_document_without_figures_keeps_the_discount_whole() -> None:
    # No lines (a contact opening balance): all of it is net, without a rate; rates of nothing take no share.
    assert split_discount(D("5.00"), {}) == [DiscountPart(None, D("5.00"), Decimal(0))]
    assert split_discount(D("5.00"), {None: (D("0"), D("0"))}) == [DiscountPart(None, D("5.00"), Decimal(0))]
    assert split_discount(D("0"), {"GB_STANDARD": (D("100.00"), D("20.00"))}) == []
