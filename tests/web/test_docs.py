"""The documentation site (/docs), in process over TestClient: guides, a reference page for every operation of the
OpenAPI document, search on the server and its JSON index, the links to it, the old page's redirect."""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.web.docs import guides as guide_module
from ledgerd.web.docs.reference import slug
from tests.support.factories import Factory
from tests.web.test_pages import logged_in

GENERATED = "generated from the schema"


@pytest.fixture
def doc(client: TestClient) -> dict[str, Any]:
    found: dict[str, Any] = client.get("/v3.1/openapi.json").json()
    return found


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in doc["paths"].items() for method, op in item.items()]


def _url(op: dict[str, Any]) -> str:
    return f"/docs/reference/{slug(op['tags'][0])}/{op['operationId']}"


def _examples() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(resources.files("ledgerd.web.docs").joinpath("examples.json").read_text())
    return found


def test_home_lists_every_guide_and_every_part_of_the_reference(client: TestClient, doc: dict[str, Any]) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name in guide_module.ORDER:
        assert f'href="/docs/guides/{name}"' in page.text
    for tag in doc["tags"]:
        assert f'href="/docs/reference/{slug(tag["name"])}"' in page.text
    assert f"{len(_operations(doc))} operations" in page.text


@pytest.mark.parametrize("name", list(guide_module.ORDER))
def test_every_guide_renders_with_anchored_headings(client: TestClient, name: str) -> None:
    page = client.get(f"/docs/guides/{name}")
    assert page.status_code == 200
    assert 'aria-current="page"' in page.text and "<h1" in page.text
    guide = guide_module.guides()[name]
    assert guide.headings, name
    for heading in guide.headings:
        assert f'id="{heading.anchor}"' in page.text
    # Markdown is rendered: no backtick outside code blocks, and raw HTML of a source would be escaped.
    prose = re.sub(r"<pre.*?</pre>", "", page.text, flags=re.S)
    assert "`" not in prose.split("<article>")[1]


def test_markdown_sources_cannot_inject_html() -> None:
    rendered = guide_module.render("x", "# T\n\n<script>alert(1)</script> and `<b>`\n")
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<code>&lt;b&gt;</code>" in rendered.html


def test_unknown_pages_are_404_pages(client: TestClient) -> None:
    for path in ("/docs/guides/nope", "/docs/reference/nope", "/docs/reference/contacts/nope",
                 "/docs/reference/ledger-accounts/getContacts"):  # an operation under another tag
        response = client.get(path)
        assert response.status_code == 404 and "Not found" in response.text, path


def test_home_and_portal_link_to_the_documentation(client: TestClient, factory: Factory) -> None:
    assert 'href="/docs"' in client.get("/").text
    logged_in(client, factory)
    portal = client.get("/developer")
    assert portal.status_code == 200 and 'href="/docs"' in portal.text


def test_the_old_reference_page_redirects_to_the_new_one(client: TestClient) -> None:
    moved = client.get("/v3.1/docs")
    assert moved.status_code == 200 and str(moved.url).endswith("/docs/reference")
    assert client.get("/v3.1/openapi.json").status_code == 200


def test_the_reference_index_and_tag_pages_list_every_operation(client: TestClient, doc: dict[str, Any]) -> None:
    index = client.get("/docs/reference").text
    assert "Decimals are strings (<code>" in index  # the document's intro, its Markdown rendered
    by_tag: dict[str, list[str]] = {}
    for _, _, op in _operations(doc):
        assert f'href="{_url(op)}"' in index
        by_tag.setdefault(op["tags"][0], []).append(_url(op))
    for tag, urls in by_tag.items():
        page = client.get(f"/docs/reference/{slug(tag)}")
        assert page.status_code == 200 and f"<h1>{html.escape(tag)}</h1>" in page.text
        assert all(f'href="{url}"' in page.text for url in urls)


def test_every_operation_has_a_page_with_its_parameters_and_an_example(client: TestClient,
                                                                        doc: dict[str, Any]) -> None:
    examples = _examples()
    for method, path, op in _operations(doc):
        page = client.get(_url(op))
        assert page.status_code == 200, (method, path)
        text = page.text
        assert f"<h1>{html.escape(op['summary'])}</h1>" in text
        assert f"/v3.1{html.escape(path)}</code>" in text
        for parameter in op["parameters"]:
            assert f"<code>{html.escape(parameter['name'])}</code>" in text, (method, path, parameter["name"])
            assert guide_module.inline(parameter["description"]) in text, (method, path, parameter["name"])
        assert 'id="example"' in text and f"curl -X {method} " in text
        captured = examples.get(f"{method} {path}")
        assert (GENERATED in text) == (captured is None), (method, path)
        if captured is not None:  # the request the script sent, and the status it got
            assert html.escape(captured["request"]["path"].split("?")[0]) in text
            assert f"<h3>Response: {captured['response']['status']}</h3>" in text


def test_nearly_every_operation_has_a_captured_example(doc: dict[str, Any]) -> None:
    examples = _examples()
    keys = {f"{method} {path}" for method, path, _ in _operations(doc)}
    assert set(examples) <= keys  # no example of an operation that is gone
    assert len(examples) >= 0.95 * len(keys)


def test_the_examples_file_stays_small() -> None:
    examples = _examples()

    def longest_list(value: Any) -> int:
        if isinstance(value, dict):
            return max((longest_list(v) for v in value.values()), default=0)
        if isinstance(value, list):
            return max([len(value), *(longest_list(v) for v in value)])
        return 0

    assert longest_list(examples) <= 3
    assert len(json.dumps(examples)) < 512 * 1024
    assert not any("Bearer ey" in json.dumps(e["request"]) for e in examples.values())  # never a real token


def test_body_and_response_tables_have_types_descriptions_and_required_markers(client: TestClient) -> None:
    page = client.get("/docs/reference/contacts/postContacts").text
    body = page.split('id="request-body"')[1].split('id="response"')[0]
    assert "<code>contact</code>" in body  # the wrapper
    row = re.search(r"<code>contact_type_ids</code>(.*?)</tr>", body, re.S)
    assert row and '<span class="required">required</span>' in row.group(1)
    optional = re.search(r"<code>reference</code>(.*?)</tr>", body, re.S)
    assert optional and "required" not in optional.group(1)
    assert "<code>main_address.address_line_1</code>" in body  # a nested object's fields, by their path
    response = page.split('id="response"')[1].split('id="example"')[0]
    assert "Status <strong>201</strong>" in response
    row = re.search(r"<code>displayed_as</code>.*?<td>(.*?)</td>\s*</tr>", response, re.S)
    assert row and "displays" in row.group(1)  # a description for the fields every record shares
    listing = client.get("/docs/reference/contacts/getContacts").text
    assert "A page of records" in listing and "<code>items_per_page</code>" in listing


def test_server_side_search(client: TestClient) -> None:
    found = client.get("/docs/search", params={"q": "refresh"}).text
    assert "/docs/guides/oauth#" in found
    release = client.get("/docs/search", params={"q": "release sales invoices"}).text
    assert 'href="/docs/reference/sales-invoices/postSalesInvoicesKeyRelease"' in release
    assert 'value="release sales invoices"' in release  # the query stays in the box
    assert "Nothing matches" in client.get("/docs/search", params={"q": "zzqqxx"}).text
    assert 'id="results"' not in client.get("/docs/search").text


def test_search_puts_title_matches_first(client: TestClient) -> None:
    page = client.get("/docs/search", params={"q": "x-business"}).text
    titles = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', page.split('id="results"')[1])
    assert titles and "x-business" in titles[0].lower()


def test_the_search_index_holds_guide_headings_and_every_operation(client: TestClient,
                                                                   doc: dict[str, Any]) -> None:
    response = client.get("/docs/search.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    entries = response.json()
    urls = {e["url"] for e in entries}
    assert {_url(op) for _, _, op in _operations(doc)} <= urls
    for guide in guide_module.guides().values():
        assert guide.url in urls
        assert {f"{guide.url}#{h.anchor}" for h in guide.headings} <= urls
    assert all(set(e) == {"title", "url", "kind", "text"} for e in entries)
