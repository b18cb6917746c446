"""List endpoints (api/listing.py): paging parameters, the `$items` envelope and its links, `attributes`."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from ledgerd.api.listing import DEFAULT_PER_PAGE, MAX_PER_PAGE, Attributes, Page, envelope, int_param
from ledgerd.http.errors import InvalidParameter


def test_paging_defaults() -> None:
    assert Page.from_query({}) == Page(1, DEFAULT_PER_PAGE)
    assert Page.from_query({"page": "", "items_per_page": ""}) == Page(1, 20)
    assert Page.from_query({"page": "3", "items_per_page": "200"}) == Page(3, MAX_PER_PAGE)


@pytest.mark.parametrize(("query", "message"), [
    ({"page": "0"}, "page must be between 1 and 2147483647, got 0."),
    ({"page": "-1"}, "page must be between 1 and 2147483647, got -1."),
    ({"page": "2147483648"}, "page must be between 1 and 2147483647, got 2147483648."),
    ({"items_per_page": "0"}, "items_per_page must be between 1 and 200, got 0."),
    ({"items_per_page": "201"}, "items_per_page must be between 1 and 200, got 201."),
    ({"page": "1.5"}, "page must be an integer, got '1.5'."),
])
def test_paging_out_of_bounds_names_the_parameter(query: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        Page.from_query(query)
    assert caught.value.message == message
    assert caught.value.problems[0].source == next(iter(query))


def test_int_param_bounds_are_inclusive() -> None:
    assert int_param({"n": "5"}, "n", 1, 5, 5) == 5
    assert int_param({"n": "1000000"}, "n", 1, 1) == 1_000_000
    assert int_param({}, "n", 7, 1) == 7


@pytest.mark.parametrize(("page", "total", "back"), [
    (Page(5, 20), 0, 1), (Page(4, 20), 41, 3), (Page(9, 20), 40, 2), (Page(2, 1), 1, 1), (Page(3, 20), 40, 2),
])
def test_a_page_past_the_end_is_empty_and_leads_back_to_the_last(page: Page, total: int, back: int) -> None:
    result = envelope("/contacts", [], page, total, [])
    assert (result["$page"], result["$next"], result["$items"]) == (page.number, None, [])
    assert result["$back"] == f"/contacts?page={back}&items_per_page={page.per_page}"


def test_offset() -> None:
    assert [Page(n, 20).offset for n in (1, 2, 3)] == [0, 20, 40]


def _link(url: str | None) -> tuple[str, list[tuple[str, str]]] | None:
    if url is None:
        return None
    parts = urlsplit(url)
    return parts.path, parse_qsl(parts.query)


def test_the_envelope_of_a_middle_page_links_both_ways_and_keeps_other_parameters() -> None:
    query = [("page", "2"), ("search", "a&b c"), ("items_per_page", "10"), ("attributes", "all")]
    result = envelope("/contacts", query, Page(2, 10), 25, [{"id": "x"}])
    assert list(result) == ["$total", "$page", "$next", "$back", "$itemsPerPage", "$items"]
    assert (result["$total"], result["$page"], result["$itemsPerPage"], result["$items"]) == (25, 2, 10, [{"id": "x"}])
    others = [("search", "a&b c"), ("attributes", "all")]
    assert _link(result["$next"]) == ("/contacts", [("page", "3"), ("items_per_page", "10"), *others])
    assert _link(result["$back"]) == ("/contacts", [("page", "1"), ("items_per_page", "10"), *others])


@pytest.mark.parametrize(("number", "total", "has_next", "has_back"), [
    (1, 0, False, False), (1, 20, False, False), (1, 21, True, False), (2, 21, False, True), (2, 60, True, True),
    (3, 60, False, True),
])
def test_the_first_and_last_pages_have_no_link_beyond(number: int, total: int, has_next: bool,
                                                      has_back: bool) -> None:
    result = envelope("/items", [], Page(number, 20), total, [])
    assert (result["$next"] is not None, result["$back"] is not None) == (has_next, has_back)


def test_attributes_select_the_base_keys_and_the_named_ones_in_resource_order() -> None:
    full = {"id": "1", "displayed_as": "A", "$path": "/a/1", "name": "n", "notes": "x", "total": "1.0"}
    chosen = Attributes(" total , name,,", default_all=False)
    assert list(chosen.select(full)) == ["id", "displayed_as", "$path", "name", "total"]
    assert chosen.select(full)["total"] == "1.0"


def test_attributes_all_and_the_defaults() -> None:
    full = {"id": "1", "displayed_as": "A", "$path": "/a/1", "name": "n"}
    assert Attributes("all", default_all=False).select(full) == full
    assert Attributes("name,all", default_all=False).all
    assert Attributes(None, default_all=True).select(full) == full
    assert Attributes("  ", default_all=False).select(full) == {"id": "1", "displayed_as": "A", "$path": "/a/1"}
    assert Attributes("unknown", default_all=True).select(full) == {"id": "1", "displayed_as": "A", "$path": "/a/1"}


def test_selecting_copies() -> None:
    full = {"id": "1"}
    selected = Attributes("all", default_all=False).select(full)
    selected["id"] = "2"
    assert full == {"id": "1"}
