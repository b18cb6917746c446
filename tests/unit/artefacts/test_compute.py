"""Line and document arithmetic (artefacts/compute.py): rounding, tax-inclusive prices, discounts, the sent-tax
tolerance, combined rates, currency conversion and document totals, checked figure by figure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerd.artefacts.compute import (
    Figures,
    Part,
    Rate,
    TaxMismatch,
    Totals,
    check_tax,
    convert,
    fine,
    inverse,
    line,
    money,
    split,
    tax_on,
    to_base,
    tolerance,
)

D = Decimal

STANDARD = Rate("GB_STANDARD", D("20.00"))
REDUCED = Rate("GB_LOWER", D("5.00"))
ZERO_RATE = Rate("GB_ZERO", D("0.00"))
# Spain's IVA with recargo de equivalencia, Quebec's GST + QST: combined rates list their components.
IVA_RECARGO = Rate("ES_STANDARD_RE", D("26.20"), (("ES_STANDARD", D("21.00")), ("ES_RE_STANDARD", D("5.20"))))
GST_QST = Rate("CA_GST_QST", D("14.975"), (("CA_GST", D("5.00")), ("CA_QST", D("9.975"))))
HALVES = Rate("HALVES", D("10.00"), (("A", D("5.00")), ("B", D("5.00"))))


def figures(quantity: str = "1", unit_price: str = "0", *, includes_tax: bool = False, rate: Rate | None = None,
            discount_amount: str | None = None, discount_percentage: str | None = None,
            sent_tax: str | None = None, tax_required: bool = False) -> Figures:
    return line(quantity=D(quantity), unit_price=D(unit_price), includes_tax=includes_tax,
                discount_amount=None if discount_amount is None else D(discount_amount),
                discount_percentage=None if discount_percentage is None else D(discount_percentage),
                rate=rate, sent_tax=None if sent_tax is None else D(sent_tax), tax_required=tax_required)


# --- rounding -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "rounded"), [
    ("0.125", "0.13"), ("0.135", "0.14"), ("0.124999", "0.12"), ("-0.125", "-0.13"), ("2.675", "2.68"),
    ("1", "1.00"), ("0.005", "0.01"), ("0.0049", "0.00"), ("9999999999.995", "10000000000.00"),
])
def test_money_rounds_half_up_away_from_zero_to_the_cent(value: str, rounded: str) -> None:
    result = money(D(value))
    assert result == D(rounded)
    assert str(result) == rounded  # always two places


@pytest.mark.parametrize(("value", "rounded"), [
    ("0.0000005", "0.000001"), ("0.0000004999", "0.000000"), ("-1.2345675", "-1.234568"), ("3", "3.000000"),
])
def test_fine_rounds_half_up_to_a_millionth(value: str, rounded: str) -> None:
    assert str(fine(D(value))) == rounded


@pytest.mark.parametrize(("rate", "inverted"), [
    ("1.25", "0.800000"), ("3", "0.333333"), ("1.5", "0.666667"), ("7", "0.142857"), ("0.000001", "1000000.000000"),
    ("1", "1.000000"),
])
def test_inverse_is_one_over_the_rate_to_a_millionth(rate: str, inverted: str) -> None:
    assert str(inverse(D(rate))) == inverted


def test_tax_on_rounds_half_up_and_no_rate_is_no_tax() -> None:
    assert tax_on(D("0.25"), Rate("TEN", D(10))) == D("0.03")  # 0.025: half-even would say 0.02
    assert tax_on(D("59.97"), STANDARD) == D("11.99")
    assert tax_on(D("-0.25"), Rate("TEN", D(10))) == D("-0.03")
    assert tax_on(D("100"), None) == 0
    assert tax_on(D("100"), ZERO_RATE) == 0


# --- a line ---------------------------------------------------------------------------------------------------------

def test_a_tax_exclusive_line() -> None:
    result = figures("3", "19.99", rate=STANDARD)
    assert (result.net, result.tax, result.total) == (D("59.97"), D("11.99"), D("71.96"))
    assert (result.discount, result.discount_percentage) == (0, 0)
    assert result.breakdown == (Part("GB_STANDARD", D("20.00"), D("11.99")),)


def test_the_net_is_rounded_once_after_multiplying() -> None:
    # 3 x 0.335 = 1.005: rounding the unit price first would give 1.02, rounding per unit 1.02 as well.
    assert figures("3", "0.335").net == D("1.01")
    assert figures("0.5", "0.01").net == D("0.01")
    assert figures("0.001", "4.99").net == D("0.00")


def test_fractional_quantities_and_prices() -> None:
    assert figures("2.5", "3.333333", rate=STANDARD).net == D("8.33")  # 8.3333325
    assert figures("1.234567", "100", rate=REDUCED).tax == D("6.17")  # net 123.46 x 5% = 6.173


def test_a_tax_inclusive_price_is_divided_by_one_plus_the_rate() -> None:
    result = figures("1", "120", includes_tax=True, rate=STANDARD)
    assert (result.net, result.tax, result.total) == (D("100.00"), D("20.00"), D("120.00"))


@pytest.mark.parametrize(("price", "net", "tax"), [
    ("10.00", "8.33", "1.67"),   # 10 / 1.2 = 8.333… -> 8.33; tax = 10.00 - 8.33 = 1.67
    ("1.00", "0.83", "0.17"),    # 1 / 1.2 = 0.8333… -> 0.83; tax = 1.00 - 0.83 = 0.17
    # 0.99 / 1.2 = 0.825 -> 0.83 (half-up). 0.83 x 20% would be 0.166 -> 0.17 and a total of 1.00, a penny more
    # than the customer pays: the tax is what the gross leaves, 0.99 - 0.83 = 0.16.
    ("0.99", "0.83", "0.16"),
    ("0.01", "0.01", "0.00"),    # 0.01 / 1.2 = 0.0083… -> 0.01; tax = 0.01 - 0.01 = 0
    ("11.99", "9.99", "2.00"),   # 11.99 / 1.2 = 9.991… -> 9.99; tax = 11.99 - 9.99 = 2.00 (9.99 x 20% = 1.998)
])
def test_tax_inclusive_rounding_takes_the_net_first_and_the_tax_from_the_gross(price: str, net: str, tax: str) -> None:
    result = figures("1", price, includes_tax=True, rate=STANDARD)
    assert (result.net, result.tax, result.total) == (D(net), D(tax), D(price))


def test_a_tax_inclusive_line_totals_the_gross_price_whatever_the_quantity() -> None:
    # 7 x 0.99 = 6.93 gross; 6.93 / 1.2 = 5.775 -> net 5.78; tax = 6.93 - 5.78 = 1.15 (5.78 x 20% = 1.156 -> 1.16
    # would make 6.94).
    result = figures("7", "0.99", includes_tax=True, rate=STANDARD)
    assert (result.net, result.tax, result.total) == (D("5.78"), D("1.15"), D("6.93"))


def test_a_tax_inclusive_line_with_a_sent_tax_keeps_the_gross() -> None:
    # Gross 0.99; ours: net 0.83, tax 0.16. The client works the tax as the VAT fraction, 0.99 x 20/120 = 0.165
    # -> 0.17, within 0.05 of ours, so it stands, and the net is what the gross leaves: 0.99 - 0.17 = 0.82.
    result = figures("1", "0.99", includes_tax=True, rate=STANDARD, sent_tax="0.17", tax_required=True)
    assert (result.net, result.tax, result.total) == (D("0.82"), D("0.17"), D("0.99"))
    assert result.breakdown == (Part("GB_STANDARD", D("20.00"), D("0.17")),)


def test_a_tax_inclusive_line_with_a_discount_totals_the_discounted_gross() -> None:
    # 3 x 9.99 = 29.97 gross, /1.2 = 24.975 net before discount. A 10% discount: 24.975 x 10% = 2.4975 -> 2.50 (a
    # net amount). Net = 24.975 - 2.50 = 22.475 -> 22.48. The customer pays the gross less the discount grossed
    # up: 29.97 - 2.50 x 1.2 = 26.97, so tax = 26.97 - 22.48 = 4.49 (22.48 x 20% = 4.496 -> 4.50 would make 26.98).
    result = figures("3", "9.99", includes_tax=True, discount_percentage="10", rate=STANDARD)
    assert (result.discount, result.net, result.tax, result.total) == (D("2.50"), D("22.48"), D("4.49"), D("26.97"))
    # A discount amount of 1.00 (net): gross 29.97 - 1.00 x 1.2 = 28.77; net 24.975 - 1 = 23.975 -> 23.98;
    # tax = 28.77 - 23.98 = 4.79.
    amount = figures("3", "9.99", includes_tax=True, discount_amount="1.00", rate=STANDARD)
    assert (amount.net, amount.tax, amount.total) == (D("23.98"), D("4.79"), D("28.77"))


def test_a_tax_inclusive_line_at_a_combined_rate_splits_the_gross_tax() -> None:
    # Quebec GST 5% + QST 9.975% = 14.975%. Gross 10.00 / 1.14975 = 8.6975… -> net 8.70; tax = 10.00 - 8.70 = 1.30.
    # Components from the net: GST 8.70 x 5% = 0.435 -> 0.44; QST takes the rest, 1.30 - 0.44 = 0.86
    # (8.70 x 9.975% = 0.8678 -> 0.87 would make the tax 1.31 and the total 10.01).
    result = figures("1", "10.00", includes_tax=True, rate=GST_QST)
    assert (result.net, result.tax, result.total) == (D("8.70"), D("1.30"), D("10.00"))
    assert result.breakdown == (Part("CA_GST", D("5.00"), D("0.44")), Part("CA_QST", D("9.975"), D("0.86")))


def test_a_tax_inclusive_quantity_divides_the_whole_gross() -> None:
    # 3 x 10.00 = 30.00 gross -> 25.00 net; per unit it would be 3 x 8.33 = 24.99.
    assert figures("3", "10.00", includes_tax=True, rate=STANDARD).net == D("25.00")


def test_tax_inclusive_without_a_rate_or_at_zero_percent_is_the_gross() -> None:
    assert figures("2", "5.555", includes_tax=True).net == D("11.11")
    zero = figures("2", "5.555", includes_tax=True, rate=ZERO_RATE)
    assert (zero.net, zero.tax) == (D("11.11"), 0)


def test_a_negative_line_rounds_symmetrically() -> None:
    result = figures("-1", "0.125", rate=Rate("TEN", D(10)))
    assert (result.net, result.tax) == (D("-0.13"), D("-0.01"))
    credit = figures("-2", "50", rate=STANDARD)
    assert (credit.net, credit.tax, credit.total) == (D("-100.00"), D("-20.00"), D("-120.00"))


def test_a_line_without_a_rate_has_no_tax_and_no_breakdown() -> None:
    result = figures("2", "10")
    assert (result.net, result.tax, result.breakdown) == (D("20.00"), 0, ())


# --- discounts ------------------------------------------------------------------------------------------------------

def test_a_discount_amount_is_taken_off_the_net_and_gives_its_percentage() -> None:
    result = figures("2", "50", discount_amount="10", rate=STANDARD)
    assert (result.net, result.tax, result.discount, result.discount_percentage) == (
        D("90.00"), D("18.00"), D("10"), D("10.00"))


def test_a_derived_discount_percentage_is_rounded_to_two_places() -> None:
    assert figures("1", "30", discount_amount="10").discount_percentage == D("33.33")
    assert figures("3", "1", discount_amount="2").discount_percentage == D("66.67")


def test_a_discount_on_a_tax_inclusive_line_is_a_net_amount() -> None:
    result = figures("1", "120", includes_tax=True, discount_amount="10", rate=STANDARD)
    assert (result.net, result.tax, result.discount_percentage) == (D("90.00"), D("18.00"), D("10.00"))


def test_a_discount_percentage_gives_a_rounded_amount() -> None:
    result = figures("1", "33.33", discount_percentage="10", rate=STANDARD)
    assert (result.discount, result.net, result.discount_percentage) == (D("3.33"), D("30.00"), D("10"))
    assert figures("1", "0.05", discount_percentage="50").discount == D("0.03")  # 0.025, half-up


def test_a_discount_percentage_applies_to_the_net_of_a_tax_inclusive_price() -> None:
    result = figures("1", "120", includes_tax=True, discount_percentage="25", rate=STANDARD)
    assert (result.discount, result.net, result.tax) == (D("25.00"), D("75.00"), D("15.00"))


def test_a_full_discount_leaves_nothing() -> None:
    result = figures("4", "2.50", discount_percentage="100", rate=STANDARD)
    assert (result.net, result.tax, result.total) == (0, 0, 0)


def test_a_discount_amount_on_a_zero_line_has_no_percentage() -> None:
    result = figures("0", "10", discount_amount="0")
    assert (result.net, result.discount_percentage) == (0, 0)


def test_the_amount_wins_when_both_discounts_are_sent() -> None:
    result = figures("1", "100", discount_amount="5", discount_percentage="50")
    assert (result.discount, result.discount_percentage, result.net) == (D("5"), D("5.00"), D("95.00"))


# --- the sent tax amount --------------------------------------------------------------------------------------------

def test_a_line_whose_rate_has_a_percentage_must_send_its_tax() -> None:
    with pytest.raises(TaxMismatch, match=r"tax_amount is required for tax rate GB_STANDARD \(20%\); expected 2.00"):
        figures("1", "10", rate=STANDARD, tax_required=True)


def test_a_zero_rate_or_a_line_that_need_not_send_tax_gets_ours() -> None:
    assert figures("1", "10", rate=ZERO_RATE, tax_required=True).tax == 0
    assert figures("1", "10", rate=STANDARD, tax_required=False).tax == D("2.00")


@pytest.mark.parametrize("sent", ["2.00", "2.05", "1.95", "2.04"])
def test_a_sent_tax_within_five_cents_is_kept_as_sent(sent: str) -> None:
    result = figures("1", "10", rate=STANDARD, sent_tax=sent, tax_required=True)
    assert result.tax == D(sent)
    assert result.breakdown == (Part("GB_STANDARD", D("20.00"), D(sent)),)
    assert result.total == D("10.00") + D(sent)


@pytest.mark.parametrize("sent", ["2.06", "1.94", "0", "-2.00"])
def test_a_sent_tax_further_off_is_refused_with_our_figure(sent: str) -> None:
    with pytest.raises(TaxMismatch, match=rf"tax_amount {sent} does not match tax rate GB_STANDARD \(20%\) on the "
                                          r"net amount; expected 2.00\."):
        figures("1", "10", rate=STANDARD, sent_tax=sent, tax_required=True)


def test_the_tolerance_is_a_rounding_difference_not_a_share_of_the_tax() -> None:
    # 1,000,000.00 at 20%: ours is 200,000.00. A share of the tax (1% = 2,000.00) once let 198,000.01 through; a
    # rounding difference on one unit is at most 0.05, so 199,999.95 and 200,000.05 stand and 199,999.94 does not.
    assert check_tax(D("200000.05"), D("200000.00"), STANDARD) == D("200000.05")
    assert check_tax(D("199999.95"), D("200000.00"), STANDARD) == D("199999.95")
    for sent in ("198000.01", "199999.94", "200000.06"):
        with pytest.raises(TaxMismatch, match=r"expected 200000\.00"):
            check_tax(D(sent), D("200000.00"), STANDARD)
    # Negative lines (credit notes) measure the difference the same way.
    assert check_tax(D("-200.05"), D("-200.00"), STANDARD) == D("-200.05")
    with pytest.raises(TaxMismatch):
        check_tax(D("-200.06"), D("-200.00"), STANDARD)


def test_a_line_of_many_units_allows_half_a_cent_per_unit() -> None:
    # 1,000 x 0.99 at 20%: net 990.00, ours 198.00. Worked per unit, 0.99 x 20% = 0.198 -> 0.20, x 1,000 = 200.00:
    # 2.00 away, within half a cent per unit (1,000 x 0.005 = 5.00).
    assert tolerance(D(1000)) == D("5.00")
    assert figures("1000", "0.99", rate=STANDARD, sent_tax="200.00", tax_required=True).tax == D("200.00")
    with pytest.raises(TaxMismatch):  # 203.01 is 5.01 away
        figures("1000", "0.99", rate=STANDARD, sent_tax="203.01", tax_required=True)
    # Below ten units the 0.05 floor is the larger (9 x 0.005 = 0.045); a credit line's -40 units give 0.20.
    assert (tolerance(D(9)), tolerance(D(11)), tolerance(D(-40)), tolerance(D("0.5"))) == (
        D("0.05"), D("0.06"), D("0.20"), D("0.05"))


@pytest.mark.parametrize("rate", [ZERO_RATE, Rate("GB_EXEMPT", D("0.00")), Rate("GB_NO_TAX", D(0))])
def test_a_zero_percent_rate_takes_no_tax_at_all(rate: Rate) -> None:
    # 0.03 on a No VAT line is within 0.05 of 0, but a 0% rate carries no tax: it would reach the return's output
    # tax (GB box 1) with no rate to explain it.
    assert figures("1", "10", rate=rate, sent_tax="0", tax_required=True).tax == 0
    assert figures("1", "10", rate=rate, sent_tax="0.00", tax_required=True).tax == 0
    for sent in ("0.03", "-0.01"):
        with pytest.raises(TaxMismatch, match=rf"tax_amount must be 0 for tax rate {rate.id} \(0%\)"):
            figures("1", "10", rate=rate, sent_tax=sent, tax_required=True)


def test_a_line_without_a_rate_may_only_send_zero_tax() -> None:
    assert check_tax(None, D(0), None) == 0
    assert check_tax(D("0.00"), D(0), None) == 0
    with pytest.raises(TaxMismatch, match=r"A line without a tax rate cannot carry tax; give tax_rate_id\."):
        check_tax(D("0.01"), D(0), None)


def test_the_message_writes_the_percentage_plainly() -> None:
    with pytest.raises(TaxMismatch, match=r"\(5.5%\)"):
        check_tax(None, D("0.55"), Rate("FR_REDUCED", D("5.500")))
    with pytest.raises(TaxMismatch, match=r"\(14.975%\)"):
        check_tax(D("9"), D("1.50"), GST_QST)


# --- combined rates -------------------------------------------------------------------------------------------------

def test_a_combined_rate_splits_into_its_components() -> None:
    result = figures("1", "100", rate=IVA_RECARGO)
    assert result.tax == D("26.20")
    assert result.breakdown == (Part("ES_STANDARD", D("21.00"), D("21.00")),
                                Part("ES_RE_STANDARD", D("5.20"), D("5.20")))


def test_the_last_component_absorbs_rounding() -> None:
    # 10% of 0.10 is 0.01; each 5% part would round to 0.01 on its own.
    assert split(D("0.01"), D("0.10"), HALVES) == (Part("A", D("5.00"), D("0.01")), Part("B", D("5.00"), D("0.00")))


def test_the_components_share_a_sent_tax() -> None:
    parts = split(D("1.52"), D("10.05"), GST_QST)
    assert [p.amount for p in parts] == [D("0.50"), D("1.02")]  # ours would be 0.50 + 1.00 = 1.50


def test_a_rate_without_components_is_one_part_and_no_rate_is_none() -> None:
    assert split(D("3.00"), D("15.00"), STANDARD) == (Part("GB_STANDARD", D("20.00"), D("3.00")),)
    assert split(D("0"), D("15.00"), None) == ()


@settings(max_examples=150, deadline=None, database=None)
@given(net=st.decimals(min_value=-10**9, max_value=10**9, places=2),
       rate=st.sampled_from([IVA_RECARGO, GST_QST, HALVES]))
def test_parts_always_sum_to_the_tax(net: Decimal, rate: Rate) -> None:
    tax = tax_on(net, rate)
    parts = split(tax, net, rate)
    assert sum(p.amount for p in parts) == tax
    assert [p.rate_id for p in parts] == [cid for cid, _ in rate.components]
    assert all(abs(p.amount - money(net * p.percentage / 100)) <= D("0.02") for p in parts)


# --- currency conversion --------------------------------------------------------------------------------------------

def test_to_base_divides_by_the_rate_and_rounds_half_up() -> None:
    assert to_base(D("10.01"), D("2")) == D("5.01")  # 5.005
    assert to_base(D("100"), D("1.25")) == D("80.00")
    assert to_base(D("-10.01"), D("2")) == D("-5.01")


def test_at_rate_one_the_amount_is_kept_as_it_is() -> None:
    assert str(to_base(D("1.005"), D("1"))) == "1.005"
    assert str(to_base(D("7.10"), D("1.000000"))) == "7.10"


def test_convert_adds_base_amounts_and_keeps_the_document_ones() -> None:
    original = figures("2", "50", discount_amount="10", rate=STANDARD)
    result = convert(original, D("1.25"))
    assert (result.net, result.tax, result.discount, result.discount_percentage) == (
        original.net, original.tax, original.discount, original.discount_percentage)
    assert (result.base_net, result.base_tax, result.base_discount, result.base_total) == (
        D("72.00"), D("14.40"), D("8.00"), D("86.40"))
    assert result.breakdown == (Part("GB_STANDARD", D("20.00"), D("18.00"), D("14.40")),)
    assert original.base_net == 0  # frozen: the original is untouched


def test_the_base_total_is_the_sum_of_converted_components() -> None:
    result = convert(Figures(net=D("0.01"), tax=D("0.01")), D("2"))
    # Each 0.005 rounds up to 0.01; converting the total 0.02 would give 0.01.
    assert (result.base_net, result.base_tax, result.base_total) == (D("0.01"), D("0.01"), D("0.02"))


def test_converted_parts_sum_to_the_converted_tax() -> None:
    start = Figures(net=D("0.20"), tax=D("0.02"),
                    breakdown=(Part("A", D("5.00"), D("0.01")), Part("B", D("5.00"), D("0.01"))))
    result = convert(start, D("2"))
    assert result.base_tax == D("0.01")
    assert [p.base_amount for p in result.breakdown] == [D("0.01"), D("0.00")]


@settings(max_examples=150, deadline=None, database=None)
@given(net=st.decimals(min_value=-10**8, max_value=10**8, places=2),
       exchange_rate=st.decimals(min_value=D("0.000001"), max_value=10**6, places=6),
       rate=st.sampled_from([STANDARD, IVA_RECARGO, GST_QST, HALVES, None]))
def test_a_converted_line_is_consistent(net: Decimal, exchange_rate: Decimal, rate: Rate | None) -> None:
    result = convert(line(quantity=D(1), unit_price=net, includes_tax=False, discount_amount=None,
                          discount_percentage=None, rate=rate, sent_tax=None, tax_required=False), exchange_rate)
    assert sum((p.base_amount for p in result.breakdown), D(0)) == (result.base_tax if rate else 0)
    assert result.base_total == result.base_net + result.base_tax
    assert result.base_net == to_base(result.net, exchange_rate)


# --- document totals ------------------------------------------------------------------------------------------------

def test_totals_add_lines_and_analyse_them_by_rate() -> None:
    totals = Totals()
    first = convert(figures("1", "100", rate=STANDARD), D("2"))
    second = convert(figures("1", "10.01", rate=REDUCED), D("2"))
    third = convert(figures("1", "50", rate=STANDARD, discount_amount="5"), D("2"))
    exempt = convert(figures("1", "7"), D("2"))
    for item, rate_id in ((first, "GB_STANDARD"), (second, "GB_LOWER"), (third, "GB_STANDARD"), (exempt, None)):
        totals.add(item, rate_id)
    assert (totals.net, totals.tax, totals.discount, totals.total) == (
        D("162.01"), D("29.50"), D("5"), D("191.51"))
    assert (totals.base_net, totals.base_tax, totals.base_discount, totals.base_total) == (
        D("81.01"), D("14.75"), D("2.50"), D("95.76"))
    assert set(totals.analysis) == {"GB_STANDARD", "GB_LOWER"}
    standard = totals.analysis["GB_STANDARD"]
    assert (standard.net, standard.tax, standard.total) == (D("145.00"), D("29.00"), D("174.00"))
    lower = totals.analysis["GB_LOWER"]
    assert (lower.net, lower.tax, lower.total) == (D("10.01"), D("0.50"), D("10.51"))


def test_empty_totals_are_zero() -> None:
    totals = Totals()
    assert (totals.total, totals.base_total, totals.analysis) == (0, 0, {})


def test_each_totals_has_its_own_analysis() -> None:
    one, other = Totals(), Totals()
    one.add(figures("1", "1", rate=STANDARD), "GB_STANDARD")
    assert other.analysis == {}
