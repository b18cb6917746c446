"""Control characters and broken UTF-8 are refused at the edge (http/edge.py, api/validation.check_text), in the
shape of where they were sent: Sage's error array on the API, RFC 6749 on /token and /revoke, a page elsewhere.
On PostgreSQL a NUL reaching the database was a 500 (it cannot store one): every case runs on both engines."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.books import Books, problem
from tests.support.factories import Factory

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def _page(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")


def _oauth(response: Any) -> str:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert response.headers["cache-control"] == "no-store"
    return str(response.json()["error_description"])


# --- the API ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["a%00b", "%00", "a%0Ab", "a%1Bb", "%FF", "%ED%A0%80"])
def test_a_path_with_control_characters_or_broken_utf8_is_refused(books: Books, key: str) -> None:
    response = books.client.get(f"/v3.1/contacts/{key}", headers=books.headers)
    problem(response, 400, "InvalidCharacters", "path")
    assert response.headers["x-request-id"]


@pytest.mark.parametrize("value", ["%00", "a%00b", "%07", "%FF", "%C0%80", "%ED%A0%80"])
def test_a_query_value_with_control_characters_or_broken_utf8_is_refused(books: Books, value: str) -> None:
    response = books.client.get(f"/v3.1/contacts?search={value}", headers=books.headers)
    problem(response, 400, "InvalidCharacters", "search")


def test_a_query_name_with_control_characters_is_refused(books: Books) -> None:
    problem(books.client.get("/v3.1/contacts?se%00arch=x", headers=books.headers), 400, "InvalidCharacters")


def test_reports_refuse_control_characters_too(books: Books) -> None:
    response = books.client.get("/ledgerd/v1/reports/balance_sheet?date=2024-01-01%00", headers=books.headers)
    problem(response, 400, "InvalidCharacters", "date")


@pytest.mark.parametrize(("body", "source"), [
    ({"contact": {"name": "a\u0000b", "contact_type_ids": ["CUSTOMER"]}}, "name"),
    ({"contact": {"name": "Bell\u0007", "contact_type_ids": ["CUSTOMER"]}}, "name"),
    ({"contact": {"name": "Ok", "contact_type_ids": ["CUSTOMER\u0000"]}}, "contact_type_ids[0]"),
    ({"contact": {"name": "Ok", "contact_type_ids": ["CUSTOMER"], "main_address": {"city": "\u001b[31m"}}},
     "main_address.city"),
    ({"contact": {"name": "Ok", "contact_type_ids": ["CUSTOMER"], "x\u0000": 1}}, "x\u0000"),
    ({"contact\u0000": {}}, "contact\u0000"),
])
def test_a_body_string_with_control_characters_is_refused(books: Books, body: Any, source: str) -> None:
    error = problem(books.post("/contacts", body), 400, "InvalidCharacters", source)
    assert "U+00" in error["$message"]
    assert books.get("/contacts").json()["$total"] == 0


def test_tabs_and_line_breaks_are_text(books: Books) -> None:
    contact = books.created("/contacts", "contact", {"name": "Tab\tbed", "contact_type_ids": ["CUSTOMER"],
                                                     "notes": "Line one\r\nline two\n"})
    assert contact["name"] == "Tab\tbed" and contact["notes"] == "Line one\r\nline two"


def test_an_escaped_backslash_is_not_a_control_character(books: Books) -> None:
    raw = b'{"contact": {"name": "C:\\\\u0000\\\\bin", "contact_type_ids": ["CUSTOMER"]}}'
    response = books.client.post("/v3.1/contacts", content=raw, headers={**books.headers,
                                                                         "Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "C:\\u0000\\bin"


def test_escaped_characters_that_are_not_controls_are_text(books: Books) -> None:
    raw = b'{"contact": {"name": "Caf\\u00e9 \\u001F", "contact_type_ids": ["CUSTOMER"]}}'
    headers = {**books.headers, "Content-Type": "application/json"}
    problem(books.client.post("/v3.1/contacts", content=raw, headers=headers), 400, "InvalidCharacters", "name")
    response = books.client.post("/v3.1/contacts", content=raw.replace(b" \\u001F", b"\\u00e9\\u20ac"),
                                 headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Caf\u00e9\u00e9\u20ac"


@pytest.mark.parametrize("raw", [b'{"contact": {"name": "\\ud800"}}', b'{"contact": {"name": "\xff"}}',
                                 b'{"contact": {"name": "a\x01b"}}'])
def test_broken_unicode_in_a_body_is_invalid_json(books: Books, raw: bytes) -> None:
    response = books.client.post("/v3.1/contacts", content=raw, headers={**books.headers,
                                                                         "Content-Type": "application/json"})
    problem(response, 400, "InvalidJson")


def test_nothing_is_refused_before_the_token_is(client: TestClient) -> None:
    # The edge answers first, without a login: it never reaches the database.
    problem(client.get("/v3.1/contacts/%00"), 400, "InvalidCharacters", "path")


# --- /token and /revoke ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/token", "/oauth2/token", "/revoke"])
@pytest.mark.parametrize("form", [b"grant_type=refresh_token&refresh_token=a%00b&client_id=x&client_secret=y",
                                  b"client_id=%00&client_secret=y&grant_type=authorization_code&code=c",
                                  b"token=%FF&client_id=x", b"grant_type=%1B&client_id=x"])
def test_oauth_forms_with_control_characters_are_invalid_requests(client: TestClient, path: str, form: bytes) -> None:
    _oauth(client.post(path, content=form, headers=FORM))


def test_oauth_query_strings_are_checked_too(client: TestClient) -> None:
    _oauth(client.post("/token?x=%00", content=b"grant_type=refresh_token", headers=FORM))


def test_basic_credentials_with_control_characters_are_invalid_requests(client: TestClient) -> None:
    for credentials in (b"a\x00b:secret", b"id:se\x00cret", "\u00e9".encode("latin-1") + b":x"):
        headers = {**FORM, "Authorization": "Basic " + base64.b64encode(credentials).decode()}
        assert "client" in _oauth(client.post("/token", content=b"grant_type=refresh_token&refresh_token=r",
                                              headers=headers))


def test_undecodable_basic_credentials_stay_invalid_client(client: TestClient) -> None:
    response = client.post("/token", content=b"grant_type=refresh_token&refresh_token=r",
                           headers={**FORM, "Authorization": "Basic !!!"})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


# --- pages ------------------------------------------------------------------------------------------------------------

def _csrf(client: TestClient) -> str:
    assert client.get("/login").status_code == 200
    return client.cookies["ledgerd_csrf"]


@pytest.mark.parametrize("form", [b"email=a%00b&password=p", b"email=x%40example.com&password=%FF",
                                  b"email=x&password=p&next=%2F%0Bdeveloper"])
def test_login_form_with_control_characters_is_a_page(client: TestClient, form: bytes) -> None:
    _page(client.post("/login", content=form + b"&csrf=" + _csrf(client).encode(), headers=FORM), 400)


def test_signup_form_with_a_nul_is_a_page(client: TestClient) -> None:
    form = (b"email=nul%40example.com&password=a+long+password&first_name=A%00&last_name=B&business_name=C"
            b"&country=GB&csrf=" + _csrf(client).encode())
    _page(client.post("/signup", content=form, headers=FORM), 400)


@pytest.mark.parametrize("query", ["client_id=%00&response_type=code", "client_id=x&state=%FF", "%00=1"])
def test_the_authorize_url_with_control_characters_is_a_page(client: TestClient, query: str) -> None:
    _page(client.get(f"/oauth2/auth/central?{query}", follow_redirects=False), 400)


def test_page_paths_with_control_characters_are_a_page(client: TestClient) -> None:
    _page(client.get("/developer/apps/a%00b"), 400)
    _page(client.get("/login?next=%2Fdeveloper%00"), 400)


def test_pages_take_url_encoded_forms_only(client: TestClient) -> None:
    _page(client.post("/login", files={"email": (None, "a\x00b"), "password": (None, "p")}), 415)


def test_a_forged_csrf_token_of_any_characters_is_refused(client: TestClient) -> None:
    _csrf(client)
    _page(client.post("/login", data={"email": "x", "password": "y", "csrf": "\u00e9t\u00e9"}), 403)


def test_unknown_pages_answer_a_page(client: TestClient) -> None:
    _page(client.get("/no/such/page"), 404)
    response = client.get("/login/../token")
    assert response.status_code in (404, 405) and response.headers["content-type"].startswith("text/html")
