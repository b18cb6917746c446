"""List endpoints (api/listing.py): paging parameters, the `$items` envelope and its links, `attributes`."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from ledgerd.api.listing import DEFAULT_PER_PAGE, MAX_PER_PAGE, Attributes, Page, envelope, int_param
from ledgerd.http.errors import InvalidParameter, body


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


# The wire shapes in full: Sage's error body for a bad paging parameter, the envelope's links in order.

def error(data_code: str, message: str, source: str = "") -> list[dict[str, str]]:
    return [{"$severity": "error", "$dataCode": data_code, "$message": message, "$source": source}]


QUERY = [("page", "2"), ("items_per_page", "25"), ("attributes", "date"), ("sort", "date:asc")]


def test_page_defaults() -> None:
    assert Page.from_query({}) == Page(1, 20)
    assert Page.from_query({"page": "", "items_per_page": ""}) == Page(1, 20)
    assert Page.from_query({"page": "3", "items_per_page": "200"}) == Page(3, 200)
    assert Page(3, 25).offset == 50


@pytest.mark.parametrize(("query", "source", "message"), [
    ({"items_per_page": "0"}, "items_per_page", "items_per_page must be between 1 and 200, got 0."),
    ({"items_per_page": "201"}, "items_per_page", "items_per_page must be between 1 and 200, got 201."),
    ({"items_per_page": "abc"}, "items_per_page", "items_per_page must be an integer, got 'abc'."),
    ({"page": "0"}, "page", "page must be between 1 and 2147483647, got 0."),
    ({"page": "-2"}, "page", "page must be between 1 and 2147483647, got -2."),
    ({"page": "abc"}, "page", "page must be an integer, got 'abc'."),
    ({"page": "1.5"}, "page", "page must be an integer, got '1.5'."),
])
def test_page_bounds(query: dict[str, str], source: str, message: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        Page.from_query(query)
    assert raised.value.status == 400
    assert body(raised.value) == error("InvalidParameter", message, source)


def test_a_page_past_the_end_leads_back_to_the_last_with_the_other_parameters() -> None:
    past = envelope("/sales_invoices", QUERY, Page(9, 25), 60, [])
    assert (past["$page"], past["$next"], past["$items"]) == (9, None, [])
    assert past["$back"] == "/sales_invoices?page=3&items_per_page=25&attributes=date&sort=date:asc"
    nothing = envelope("/contacts", [], Page(2, 20), 0, [])
    assert (nothing["$page"], nothing["$next"], nothing["$back"]) == (2, None, "/contacts?page=1&items_per_page=20")


def test_envelope_middle_page() -> None:
    items = [{"id": "a"}]
    body = envelope("/sales_invoices", QUERY, Page(2, 25), 100, items)
    assert list(body) == ["$total", "$page", "$next", "$back", "$itemsPerPage", "$items"]
    assert body == {
        "$total": 100,
        "$page": 2,
        "$next": "/sales_invoices?page=3&items_per_page=25&attributes=date&sort=date:asc",
        "$back": "/sales_invoices?page=1&items_per_page=25&attributes=date&sort=date:asc",
        "$itemsPerPage": 25,
        "$items": items,
    }


def test_envelope_first_and_last_page() -> None:
    first = envelope("/sales_invoices", QUERY, Page(1, 25), 100, [])
    assert first["$back"] is None
    assert first["$next"] == "/sales_invoices?page=2&items_per_page=25&attributes=date&sort=date:asc"
    last = envelope("/sales_invoices", QUERY, Page(4, 25), 100, [])
    assert last["$next"] is None
    assert last["$back"] == "/sales_invoices?page=3&items_per_page=25&attributes=date&sort=date:asc"
    only = envelope("/contacts", [], Page(1, 20), 0, [])
    assert only == {"$total": 0, "$page": 1, "$next": None, "$back": None, "$itemsPerPage": 20, "$items": []}


def test_envelope_links_when_page_params_were_absent() -> None:
    body = envelope("/contacts", [("search", "a b&c")], Page(1, 20), 45, [])
    assert body["$next"] == "/contacts?page=2&items_per_page=20&search=a+b%26c"


FULL = {"id": "1", "date": "2024-01-01", "displayed_as": "SI-1", "$path": "/sales_invoices/1",
        "due_date": "2024-02-01", "total_amount": "10.0"}


@pytest.mark.parametrize(("raw", "default_all", "keys"), [
    (None, True, list(FULL)),
    ("", True, list(FULL)),
    (None, False, ["id", "displayed_as", "$path"]),
    ("  ", False, ["id", "displayed_as", "$path"]),
    ("date,due_date", False, ["id", "date", "displayed_as", "$path", "due_date"]),
    ("due_date , date", True, ["id", "date", "displayed_as", "$path", "due_date"]),
    ("all", False, list(FULL)),
    ("date,all", False, list(FULL)),
    ("nonexistent", True, ["id", "displayed_as", "$path"]),
])
def test_attributes(raw: str | None, default_all: bool, keys: list[str]) -> None:
    selected = Attributes(raw, default_all=default_all).select(FULL)
    assert list(selected) == keys
    assert all(selected[k] == FULL[k] for k in keys)
