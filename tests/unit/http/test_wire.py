"""Sage's wire format (http/wire.py): decimals as strings, dates, UTC timestamps with `Z`, and list pages written a
few items at a time without changing a byte of the JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest

from ledgerd.formats import decimal_str
from ledgerd.http.wire import JsonResponse, dumps


def test_decimals_are_strings_as_sage_writes_them() -> None:
    assert dumps({"a": Decimal("45.830"), "b": Decimal("0.00"), "c": Decimal("-0"), "d": Decimal("100")}) == (
        b'{"a":"45.83","b":"0.0","c":"0.0","d":"100.0"}')


def test_equal_decimals_written_in_any_order_give_the_same_text() -> None:
    # The writer remembers answers by value: 1.50 after 1.5 (and the other way round) is still "1.5".
    assert dumps([Decimal("1.50"), Decimal("1.5"), Decimal("1.500000")]) == b'["1.5","1.5","1.5"]'
    assert dumps([Decimal("2"), Decimal("2.00")]) == b'["2.0","2.0"]'


def test_dates_and_utc_timestamps() -> None:
    payload = {"date": date(2024, 1, 31), "at": datetime(2024, 1, 31, 10, 5, 6, 789_000, tzinfo=UTC)}
    assert dumps(payload) == b'{"date":"2024-01-31","at":"2024-01-31T10:05:06Z"}'


def test_plain_json_values_and_key_order_are_kept() -> None:
    payload = {"z": None, "a": True, "n": 3, "s": "caf\u00e9", "l": [], "o": {}}
    assert dumps(payload) == orjson.dumps(payload)


def test_what_json_cannot_hold_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})
    with pytest.raises(TypeError):
        dumps({"x": {1, 2}})


def _page(count: int, size: int, *, last: str = "$items") -> dict[str, Any]:
    items = [{"id": f"{i:032x}", "displayed_as": "x" * size, "total_amount": Decimal(i) / 100,
              "date": date(2024, 1, 1 + i % 28)} for i in range(count)]
    head: dict[str, Any] = {"$total": count, "$page": 1, "$next": None, "$back": None, "$itemsPerPage": count}
    return {**head, "$items": items} if last == "$items" else {"$items": items, **head}


def _plain(payload: Any) -> bytes:
    """The page in one orjson call."""
    return orjson.dumps(payload, default=decimal_str,
                        option=orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS)


# Small pages in one or two calls; large ones in pieces of about 256 KB, sized on the first item (one item a piece
# when items are larger than that).
@pytest.mark.parametrize(("count", "size"), [(0, 10), (1, 10), (2, 10), (7, 10), (300, 4000), (50, 70_000),
                                             (3, 600_000)])
def test_a_list_page_written_in_pieces_is_the_same_json(count: int, size: int) -> None:
    page = _page(count, size)
    assert dumps(page) == _plain(page)


def test_a_page_whose_items_are_not_last_is_written_whole() -> None:
    page = _page(5, 10, last="head")
    assert dumps(page) == _plain(page)
    assert list(json.loads(dumps(page))) == ["$items", "$total", "$page", "$next", "$back", "$itemsPerPage"]


def test_json_response_renders_with_the_wire_format() -> None:
    response = JsonResponse({"amount": Decimal("5009.50")}, status_code=201)
    assert (response.body, response.status_code, response.media_type) == (
        b'{"amount":"5009.5"}', 201, "application/json")
    assert response.headers["content-type"] == "application/json"


def test_json_writes_equal_decimals_alike_however_often() -> None:
    # The formatted figures are remembered per value: equal values with other exponents share an entry.
    figures = [Decimal("1.50"), Decimal("1.5"), Decimal("15E-1"), Decimal("-0.00"), Decimal("0"), Decimal("1E+2"),
               Decimal("100.00"), Decimal("-430035.84")] * 3
    assert orjson.loads(dumps(figures)) == ["1.5", "1.5", "1.5", "0.0", "0.0", "100.0", "100.0", "-430035.84"] * 3
    assert orjson.loads(dumps([Decimal("NaN")])) == [decimal_str(Decimal("NaN"))]
    for unknown in (object(), {1, 2}):  # hashable or not, anything else is refused
        with pytest.raises(orjson.JSONEncodeError):
            dumps([unknown])
