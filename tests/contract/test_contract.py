"""The contract every served resource keeps, generated from its spec: one test per check and resource.

Read checks run against the shared `reader` business; writes go to `writer` (see conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import ledgerd.app  # noqa: F401 - importing the app fills REGISTRY
from ledgerd.api.resource import REGISTRY, Resource
from ledgerd.clock import Clock
from tests.contract.books import Books, Response
from tests.contract.conftest import World
from tests.contract.examples import EXAMPLES

PATHS = sorted(REGISTRY)
CREATABLE = [p for p in PATHS if REGISTRY[p].create is not None]
UPDATABLE = [p for p in PATHS if REGISTRY[p].update is not None]
DELETABLE = [p for p in PATHS if REGISTRY[p].delete is not None]
SORTABLE = [p for p in PATHS if REGISTRY[p].sorts]
ENVELOPE = ["$total", "$page", "$next", "$back", "$itemsPerPage", "$items"]
BASE = ["id", "displayed_as", "$path"]
ERROR_KEYS = ["$severity", "$dataCode", "$message", "$source"]
UNKNOWN_ID = "0" * 32
# Deviations these tests found and src does not fix yet, by (test, path): each is a strict expected failure,
# so fixing one makes its test pass and asks for its entry to go.
DEVIATIONS: dict[tuple[str, str], str] = {}


@pytest.fixture(autouse=True)
def _known_deviation(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    reason = DEVIATIONS.get((request.node.originalname, callspec.params.get("path") if callspec else ""))
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


def spec(path: str) -> Resource[Any]:
    return REGISTRY[path]


def problem(response: Response, status: int, data_code: str, source: str | None = None) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and body, body
    first: dict[str, str] = body[0]
    assert list(first) == ERROR_KEYS, first
    assert first["$dataCode"] == data_code, first
    if source is not None:
        assert first["$source"] == source, first
    return first


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def listed_ids(books: Books, path: str, **params: Any) -> list[str]:
    response = books.get(f"/{path}", items_per_page=200, **params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["$items"]]


def frozen(clock: Clock) -> datetime:
    """Freeze the clock on a whole second just ahead, so nothing made earlier shares its stamps."""
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    clock.freeze(at)
    return at


# --- the examples ----------------------------------------------------------------------------------------------

def test_every_resource_has_an_example() -> None:
    assert sorted(set(REGISTRY) - set(EXAMPLES)) == [], "add these resources to tests/contract/examples.py"
    assert sorted(set(EXAMPLES) - set(REGISTRY)) == [], "these examples name no served resource"


@pytest.mark.parametrize("path", PATHS)
def test_example_matches_the_spec_operations(path: str) -> None:
    example, resource = EXAMPLES[path], spec(path)
    assert (example.create is not None) == (resource.create is not None)
    assert (example.make is not None) == (resource.create is None), "resources without POST need `make`"
    assert (example.update is not None) == (resource.update is not None)


# --- reading: envelope, paging, attributes ----------------------------------------------------------------------

@pytest.mark.parametrize("path", PATHS)
def test_list_envelope_and_base_items(path: str, world: World) -> None:
    response = world.reader_for(path).get(f"/{path}")
    assert response.status_code == 200, response.text
    assert response.headers["X-Business"] == world.reader_for(path).business_id
    body = response.json()
    assert list(body) == ENVELOPE
    assert (body["$page"], body["$itemsPerPage"], body["$back"]) == (1, 20, None)
    assert len(body["$items"]) == min(body["$total"], 20) and body["$total"] >= 5
    for item in body["$items"]:
        assert list(item) == BASE, item
        assert item["$path"] == f"/{path}/{item['id']}"


@pytest.mark.parametrize("path", PATHS)
def test_paging_walks_with_relative_links(path: str, world: World) -> None:
    books = world.reader_for(path)
    everything = listed_ids(books, path)
    first = books.get(f"/{path}", items_per_page=1, attributes="all").json()
    total = first["$total"]
    assert total >= 2 and len(everything) == min(total, 200)
    assert (first["$page"], first["$itemsPerPage"], first["$back"]) == (1, 1, None)
    assert first["$next"] == f"/{path}?page=2&items_per_page=1&attributes=all"
    second = books.client.get(f"/v3.1{first['$next']}", headers=books.headers).json()
    assert second["$page"] == 2
    assert second["$back"] == f"/{path}?page=1&items_per_page=1&attributes=all"
    assert [first["$items"][0]["id"], second["$items"][0]["id"]] == everything[:2]

    last = books.get(f"/{path}", items_per_page=1, page=total).json()
    assert (last["$page"], last["$next"]) == (total, None)
    assert last["$back"] == f"/{path}?page={total - 1}&items_per_page=1"
    past = books.get(f"/{path}", items_per_page=1, page=total + 3).json()
    assert past == {"$total": total, "$page": total + 3, "$next": None,
                    "$back": f"/{path}?page={total}&items_per_page=1", "$itemsPerPage": 1, "$items": []}, (
        "a page past the end is empty (a client paging until $items is empty stops), $back leads to the last page")


@pytest.mark.parametrize("path", PATHS)
def test_attributes_all_lists_what_a_single_get_shows(path: str, world: World) -> None:
    books = world.reader_for(path)
    listing = books.get(f"/{path}", attributes="all", items_per_page=3)
    assert listing.status_code == 200, listing.text
    for item in listing.json()["$items"]:
        single = books.get(item["$path"])
        assert single.status_code == 200, single.text
        assert list(item) == list(single.json())
        assert item == single.json()


@pytest.mark.parametrize("path", PATHS)
def test_attributes_pick_keys_in_the_resource_order(path: str, world: World) -> None:
    books = world.reader_for(path)
    key = world.first_ids(path, 1)[0]
    full = list(books.get(f"/{path}/{key}").json())
    extra = [k for k in full if k not in BASE]
    assert full[:3] == BASE and extra
    one = books.get(f"/{path}", attributes=extra[0], items_per_page=2).json()["$items"]
    assert all(list(item) == [*BASE, extra[0]] for item in one), one
    # Asked for in reverse, shown in the resource's order.
    two = books.get(f"/{path}", attributes=f"{extra[-1]},{extra[0]}", items_per_page=2).json()["$items"]
    assert all(list(item) == [*BASE, *dict.fromkeys([extra[0], extra[-1]])] for item in two), two
    single = books.get(f"/{path}/{key}", attributes=extra[-1]).json()
    assert list(single) == [*BASE, extra[-1]]


@pytest.mark.parametrize("path", PATHS)
def test_single_get(path: str, world: World) -> None:
    key = world.first_ids(path, 1)[0]
    response = world.reader_for(path).get(f"/{path}/{key}")
    assert response.status_code == 200, response.text
    assert response.headers["X-Business"] == world.reader_for(path).business_id
    body = response.json()
    assert (body["id"], body["$path"]) == (key, f"/{path}/{key}")


@pytest.mark.parametrize("path", PATHS)
def test_unknown_id_is_not_found(path: str, world: World) -> None:
    books, resource = world.reader_for(path), spec(path)
    problem(books.get(f"/{path}/{UNKNOWN_ID}"), 404, "RecordNotFound")
    if resource.update is not None:
        problem(books.request("PUT", f"/{path}/{UNKNOWN_ID}", {resource.wrapper: {}}), 404, "RecordNotFound")
    if resource.delete is not None:
        problem(books.request("DELETE", f"/{path}/{UNKNOWN_ID}"), 404, "RecordNotFound")


@pytest.mark.parametrize("path", PATHS)
def test_another_business_record_is_not_found(path: str, world: World) -> None:
    books, resource = world.reader_for(path), spec(path)
    if resource.key_column is not None:
        pytest.skip("keyed by a natural key (a currency code) every business can hold; its own tests check isolation")
    other = world.foreign(path)
    problem(books.get(f"/{path}/{other}"), 404, "RecordNotFound")
    assert other not in listed_ids(books, path)
    if resource.update is not None:
        problem(books.request("PUT", f"/{path}/{other}", {resource.wrapper: {}}), 404, "RecordNotFound")
    if resource.delete is not None:
        problem(books.request("DELETE", f"/{path}/{other}", void_reason="x"), 404, "RecordNotFound")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("value", ["0", "201", "abc"])
def test_bad_items_per_page(path: str, value: str, world: World) -> None:
    problem(world.reader_for(path).get(f"/{path}", items_per_page=value), 400, "InvalidParameter", "items_per_page")


@pytest.mark.parametrize("path", PATHS)
def test_bad_list_parameters(path: str, world: World) -> None:
    bad = [("page", "0"), ("page", "abc"), ("updated_or_created_since", "yesterday"), ("deleted_since", "2024-13-01")]
    if spec(path).date_column is not None:
        bad += [("from_date", "2024-02-30"), ("to_date", "soon")]
    for name, value in bad:
        problem(world.reader_for(path).get(f"/{path}", **{name: value}), 400, "InvalidParameter", name)
    assert world.reader_for(path).get(f"/{path}", items_per_page=200).status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_filters_never_fail_on_odd_values(path: str, world: World) -> None:
    """A declared filter given nonsense narrows to nothing or answers 400 naming itself, never 500."""
    books, resource = world.reader_for(path), spec(path)
    names = [*resource.filters, *(["search"] if resource.search is not None else [])]
    for name in names:
        for value in ("zz-no-such-thing", "%_' "):
            response = books.get(f"/{path}", **{name: value})
            if response.status_code != 200:
                problem(response, 400, "InvalidParameter", name)


@pytest.mark.parametrize("path", [p for p in PATHS if REGISTRY[p].date_column is not None])
def test_date_range(path: str, world: World) -> None:
    books = world.reader_for(path)
    assert books.get(f"/{path}", from_date="2999-01-01").json()["$total"] == 0
    assert books.get(f"/{path}", to_date="1999-12-31").json()["$total"] == 0
    assert books.get(f"/{path}", from_date="1999-12-31", to_date="2999-01-01").json()["$total"] == \
        books.get(f"/{path}").json()["$total"]


@pytest.mark.parametrize("path", SORTABLE)
def test_sort(path: str, world: World) -> None:
    books = world.reader_for(path)
    for name in spec(path).sorts:
        # Every sort key is also a wire attribute holding an ISO date or time, so text order is time order.
        ascending = books.get(f"/{path}", sort=name, attributes=name, items_per_page=200)
        descending = books.get(f"/{path}", sort=f"{name}:desc", attributes=name, items_per_page=200)
        assert ascending.status_code == descending.status_code == 200, (ascending.text, descending.text)
        up = [item[name] for item in ascending.json()["$items"]]
        down = [item[name] for item in descending.json()["$items"]]
        assert up == sorted(up) and down == sorted(up, reverse=True) and len(up) >= 5
    unknown = problem(books.get(f"/{path}", sort="no_such_attribute"), 400, "InvalidParameter", "sort")
    assert unknown["$message"].endswith(f"one of: {', '.join(spec(path).sorts)}.")
    problem(books.get(f"/{path}", sort=f"{next(iter(spec(path).sorts))}:sideways"), 400, "InvalidParameter", "sort")


@pytest.mark.parametrize("path", [p for p in PATHS if not REGISTRY[p].sorts])
def test_sort_where_nothing_sorts_says_so(path: str, world: World) -> None:
    refused = problem(world.reader_for(path).get(f"/{path}", sort="created_at"), 400, "InvalidParameter", "sort")
    assert refused["$message"] == f"/{path} cannot be sorted: its items come in the order they were created."


@pytest.mark.parametrize("path", PATHS)
def test_operations_outside_the_spec_are_not_allowed(path: str, world: World) -> None:
    books, resource = world.reader_for(path), spec(path)
    key = world.first_ids(path, 1)[0]
    refused = []
    if resource.create is None:
        refused.append(books.request("POST", f"/{path}", {resource.wrapper: {}}))
    if resource.update is None:
        refused.append(books.request("PUT", f"/{path}/{key}", {resource.wrapper: {}}))
    if resource.delete is None:
        refused.append(books.request("DELETE", f"/{path}/{key}"))
    for response in refused:
        problem(response, 405, "MethodNotAllowed")


# --- writing ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", CREATABLE)
def test_create_answers_the_read_shape(path: str, world: World) -> None:
    books = world.books_for(path)
    example = EXAMPLES[path]
    assert example.create is not None
    response = books.request("POST", f"/{path}", example.create(books))
    assert response.status_code == 201, response.text
    assert response.headers["X-Business"] == books.business_id
    made = response.json()
    assert made["$path"] == f"/{path}/{made['id']}"
    read = books.get(f"/{path}/{made['id']}").json()
    assert list(made) == list(read)
    assert made == read


@pytest.mark.parametrize("path", UPDATABLE)
def test_update_answers_the_read_shape(path: str, world: World) -> None:
    books = world.books_for(path)
    example = EXAMPLES[path]
    assert example.update is not None
    if example.create is not None:
        made = books.create(path, example.create(books))
    else:  # a resource every business is given (e.g. analysis types): change one of them
        made = books.get(books.get(f"/{path}", items_per_page=1).json()["$items"][0]["$path"]).json()
    response = books.request("PUT", f"/{path}/{made['id']}", example.update(books, made))
    assert response.status_code == 200, response.text
    assert response.headers["X-Business"] == books.business_id
    changed = response.json()
    assert list(changed) == list(made) and changed["id"] == made["id"]
    assert changed != made
    assert books.get(f"/{path}/{made['id']}").json() == changed


@pytest.mark.parametrize("path", DELETABLE)
def test_delete(path: str, world: World, clock: Clock) -> None:
    books = world.books_for(path)
    example = EXAMPLES[path]
    assert example.create is not None
    made = books.create(path, example.create(books))
    at = frozen(clock)
    response = books.request("DELETE", f"/{path}/{made['id']}", query=example.delete_params)
    after = books.get(f"/{path}/{made['id']}")
    gone = books.get(f"/{path}", deleted_since=stamp(at - timedelta(seconds=1)), items_per_page=200).json()
    if example.removal == "forget":
        assert response.status_code == 204, response.text
        assert response.content == b""
        problem(after, 404, "RecordNotFound")
        tombstones = [item for item in gone["$items"] if item["id"] == made["id"]]
        assert tombstones == [{"id": made["id"], "displayed_as": made["displayed_as"],
                               "$path": f"/{path}/{made['id']}", "deleted_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")}]
        # deleted_since is exclusive.
        assert made["id"] not in listed_ids(books, path, deleted_since=stamp(at))
    else:
        assert response.status_code == (200 if example.removal == "void" else 204), response.text
        assert after.status_code == 200, after.text
        assert after.json()["status"]["id"] == "VOID"
        if example.removal == "void":
            assert response.json() == after.json()
        assert made["id"] not in [item["id"] for item in gone["$items"]], "a void writes no tombstone"


@pytest.mark.parametrize("path", CREATABLE)
def test_updated_or_created_since_is_inclusive(path: str, world: World, clock: Clock) -> None:
    books = world.books_for(path)
    example = EXAMPLES[path]
    assert example.create is not None
    body = example.create(books)
    at = frozen(clock)
    made = books.create(path, body)
    assert made["id"] in listed_ids(books, path, updated_or_created_since=stamp(at))
    assert made["id"] not in listed_ids(books, path, updated_or_created_since=stamp(at + timedelta(seconds=1)))
    if example.update is not None:
        clock.advance(timedelta(seconds=10))
        changed = books.request("PUT", f"/{path}/{made['id']}", example.update(books, made))
        assert changed.status_code == 200, changed.text
        later = stamp(at + timedelta(seconds=5))
        assert made["id"] in listed_ids(books, path, updated_or_created_since=later)
        if "updated_at" in made:
            shown = (at + timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
            assert (changed.json()["created_at"], changed.json()["updated_at"]) == (made["created_at"], shown)


@pytest.mark.parametrize("path", CREATABLE)
def test_readonly_token_cannot_write(path: str, world: World) -> None:
    books = world.books_for(path)
    readonly = books.once("readonly", lambda: books.scoped("readonly"))
    response = books.request("POST", f"/{path}", {spec(path).wrapper: {}}, headers=readonly)
    problem(response, 403, "MultiUserAccessDenied")
    key = world.foreign(path)
    if spec(path).update is not None:
        response = books.request("PUT", f"/{path}/{key}", {spec(path).wrapper: {}}, headers=readonly)
        problem(response, 403, "MultiUserAccessDenied")
    if spec(path).delete is not None:
        problem(books.request("DELETE", f"/{path}/{key}", headers=readonly), 403, "MultiUserAccessDenied")


@pytest.mark.parametrize("path", CREATABLE)
def test_post_without_the_wrapper(path: str, world: World) -> None:
    books = world.books_for(path)
    wrapper = spec(path).wrapper
    problem(books.request("POST", f"/{path}", {f"not_{wrapper}": {}}), 422, "Validation", wrapper)
    problem(books.request("POST", f"/{path}", {wrapper: []}), 422, "Validation", wrapper)
    if spec(path).update is not None:
        key = world.foreign(path)
        problem(books.request("PUT", f"/{path}/{key}", {f"not_{wrapper}": {}}), 422, "Validation", wrapper)
