"""`/addresses`, `/contact_persons`, `/contact_person_types`, and the `/contacts` list, update and delete rules,
over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from ledgerd.banking.models import BankAccount
from ledgerd.clock import Clock
from ledgerd.contacts.models import Address, ContactPerson
from ledgerd.db.tenancy import bind_business
from ledgerd.tenancy.models import Business, Role
from tests.support import reference
from tests.support.factories import Factory

ADDRESS_KEYS = ["id", "displayed_as", "$path", "address_line_1", "address_line_2", "city", "postal_code", "country",
                "deleted_at", "created_at", "updated_at", "bank_account", "contact", "address_type", "name", "region",
                "country_group", "is_main_address"]
PERSON_KEYS = ["id", "displayed_as", "$path", "created_at", "updated_at", "deleted_at", "contact_person_types", "name",
               "job_title", "telephone", "mobile", "email", "fax", "is_main_contact", "address",
               "is_preferred_contact"]


def _definition(name: str) -> list[str]:
    return list(reference.definitions()[name]["properties"])


@dataclass
class Books:
    business_id: str
    headers: dict[str, str]


@pytest.fixture
def books(factory: Factory, clock: Clock) -> Books:
    # Whole seconds, so a timestamp read back from the wire is the instant itself.
    clock.freeze(clock.now().replace(microsecond=0))
    owner = factory.user()
    business = factory.business(owner)
    return Books(business.id, factory.headers(owner, business=business.id))


def _problem(response: Any, status: int, data_code: str, source: str) -> str:
    assert response.status_code == status, response.text
    [problem] = response.json()
    assert (problem["$dataCode"], problem["$source"]) == (data_code, source), problem
    message: str = problem["$message"]
    return message


def _post(client: TestClient, books: Books, path: str, wrapper: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/v3.1/{path}", json={wrapper: body}, headers=books.headers)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


def _contact(client: TestClient, books: Books, name: str = "Deskpro BV", **extra: Any) -> dict[str, Any]:
    return _post(client, books, "contacts", "contact", {"name": name, "contact_type_ids": ["CUSTOMER"], **extra})


def _list(client: TestClient, books: Books, query: str) -> list[dict[str, Any]]:
    response = client.get(f"/v3.1/{query}", headers=books.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["$items"]
    return items


# --- addresses ------------------------------------------------------------------------------------------------

def test_address_wire_shape_follows_the_swagger(client: TestClient, books: Books) -> None:
    assert _definition("Address") == ADDRESS_KEYS
    assert _definition("ContactPerson") == PERSON_KEYS
    contact = _contact(client, books)
    created = _post(client, books, "addresses", "address", {
        "contact_id": contact["id"], "address_type_id": "DELIVERY", "name": "Warehouse", "is_main_address": False,
        "address_line_1": "Unit 12", "address_line_2": "Corporation Buildings", "city": "North Shields",
        "region": "North Tyneside", "postal_code": "NE12 6GH", "country_id": "gb", "country_group_id": "GBIE"})
    assert list(created) == ADDRESS_KEYS
    assert created["displayed_as"] == "Unit 12\nCorporation Buildings\nNorth Shields\nNorth Tyneside\nNE12 6GH"
    assert created["$path"] == f"/addresses/{created['id']}"
    assert created["country"] == {"id": "GB", "displayed_as": "United Kingdom (GB)", "$path": "/countries/GB"}
    assert created["address_type"] == {"id": "DELIVERY", "displayed_as": "Delivery", "$path": "/address_types/DELIVERY"}
    assert created["country_group"]["id"] == "GBIE" and created["name"] == "Warehouse"
    assert created["contact"] == {"id": contact["id"], "displayed_as": contact["displayed_as"],
                                  "$path": f"/contacts/{contact['id']}"}
    assert (created["bank_account"], created["deleted_at"], created["is_main_address"]) == (None, None, False)
    assert client.get(f"/v3.1/addresses/{created['id']}", headers=books.headers).json() == created
    # The contact shows it as its delivery address.
    again = client.get(f"/v3.1/contacts/{contact['id']}", headers=books.headers).json()
    assert again["delivery_address"]["id"] == created["id"]


def test_one_main_address_per_contact(client: TestClient, books: Books, clock: Clock) -> None:
    contact = _contact(client, books, main_address={"address_line_1": "1 Old Road"})
    first = contact["main_address"]["id"]
    clock.advance(timedelta(seconds=1))
    second = _post(client, books, "addresses", "address", {
        "contact_id": contact["id"], "address_type_id": "ACCOUNTS", "name": "HQ", "is_main_address": True,
        "address_line_1": "2 New Road"})
    listed = _list(client, books, f"addresses?contact_id={contact['id']}&attributes=is_main_address")
    assert [(a["id"], a["is_main_address"]) for a in listed] == [(first, False), (second["id"], True)]
    assert client.get(f"/v3.1/contacts/{contact['id']}", headers=books.headers).json()["main_address"]["id"] == \
        second["id"]
    # The main address is changed by making another one main, not by un-making it.
    response = client.put(f"/v3.1/addresses/{second['id']}", json={"address": {"is_main_address": False}},
                          headers=books.headers)
    _problem(response, 422, "RecordInvalid", "is_main_address")
    response = client.put(f"/v3.1/addresses/{first}", json={"address": {"is_main_address": True, "city": "Leeds"}},
                          headers=books.headers)
    assert response.status_code == 200 and response.json()["city"] == "Leeds"
    listed = _list(client, books, f"addresses?contact_id={contact['id']}&attributes=is_main_address")
    assert [a["is_main_address"] for a in listed] == [True, False]
    # Deleting the main address promotes the oldest remaining one.
    assert client.delete(f"/v3.1/addresses/{first}", headers=books.headers).status_code == 204
    assert _list(client, books, f"addresses?contact_id={contact['id']}&attributes=is_main_address") == [
        {"id": second["id"], "displayed_as": "2 New Road", "$path": f"/addresses/{second['id']}",
         "is_main_address": True}]


def test_address_rules_and_errors(client: TestClient, books: Books, factory: Factory) -> None:
    contact = _contact(client, books)
    other = _contact(client, books, "Other Ltd")
    base = {"contact_id": contact["id"], "address_type_id": "DELIVERY", "name": "Site", "is_main_address": False}
    cases = [
        ({**base, "address_type_id": None}, "address_type_id"),
        ({k: v for k, v in base.items() if k != "name"}, "name"),
        ({k: v for k, v in base.items() if k != "is_main_address"}, "is_main_address"),
        ({**base, "address_type_id": "HOLIDAY"}, "address_type_id"),
        ({**base, "country_id": "XX"}, "country_id"),
        ({**base, "country_group_id": "MARS"}, "country_group_id"),
        ({**base, "contact_id": None}, "contact_id"),
        ({**base, "contact_id": "0" * 32}, "contact_id"),
        ({**base, "bank_account_id": "0" * 32, "contact_id": None}, "bank_account_id"),
    ]
    for body, source in cases:
        response = client.post("/v3.1/addresses", json={"address": body}, headers=books.headers)
        assert response.status_code == 422, response.text
        assert source in [p["$source"] for p in response.json()], (source, response.text)
    site = _post(client, books, "addresses", "address", base)
    response = client.put(f"/v3.1/addresses/{site['id']}", json={"address": {"contact_id": other["id"]}},
                          headers=books.headers)
    _problem(response, 422, "RecordInvalid", "contact_id")
    _problem(client.get(f"/v3.1/addresses/{'0' * 32}", headers=books.headers), 404, "RecordNotFound", "")
    # Bank accounts have addresses too, and the list filters by owner.
    bank_id = factory.tx(lambda db: _first_bank(db, books.business_id))
    bank = _post(client, books, "addresses", "address", {"bank_account_id": bank_id, "address_type_id": "ACCOUNTS",
                                                         "name": "Branch", "is_main_address": False,
                                                         "address_line_1": "1 Bank St"})
    assert bank["is_main_address"] is True  # the owner's first address is its main address
    assert bank["bank_account"] == {"id": bank_id, "displayed_as": "Current (1200)",
                                    "$path": f"/bank_accounts/{bank_id}"}
    assert [a["id"] for a in _list(client, books, f"addresses?bank_account_id={bank_id}")] == [bank["id"]]
    assert len(_list(client, books, "addresses")) == 4  # two contacts' main addresses, the site, the branch


def _first_bank(db: Session, business_id: str) -> str:
    bind_business(db, business_id)
    bank = db.scalars(select(BankAccount).order_by(BankAccount.created_at)).first()
    assert bank is not None
    return bank.id


def test_addresses_sync_with_tombstones(client: TestClient, books: Books, clock: Clock) -> None:
    contact = _contact(client, books)
    site = _post(client, books, "addresses", "address", {"contact_id": contact["id"], "address_type_id": "DELIVERY",
                                                         "name": "Site", "is_main_address": False})
    clock.advance(timedelta(seconds=1))
    since = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    updated = client.put(f"/v3.1/addresses/{site['id']}", json={"address": {"postal_code": "LS1 1AA"}},
                         headers=books.headers).json()
    assert updated["updated_at"] == since and updated["postal_code"] == "LS1 1AA"
    assert [a["id"] for a in _list(client, books, f"addresses?updated_or_created_since={since}")] == [site["id"]]
    clock.advance(timedelta(seconds=1))
    assert client.delete(f"/v3.1/addresses/{site['id']}", headers=books.headers).status_code == 204
    deleted = _list(client, books, f"addresses?deleted_since={since}")
    assert [(d["id"], d["deleted_at"]) for d in deleted] == [(site["id"], clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"))]
    assert _list(client, books, f"addresses?deleted_since={clock.now().strftime('%Y-%m-%dT%H:%M:%SZ')}") == []


# --- contact persons ------------------------------------------------------------------------------------------

def test_contact_persons(client: TestClient, books: Books, clock: Clock) -> None:
    contact = _contact(client, books)
    address = contact["main_address"]["id"]
    first = _post(client, books, "contact_persons", "contact_person", {
        "address_id": address, "name": "Dorcas McCullough", "contact_person_type_ids": ["accounts", "SALES"],
        "telephone": "+44 2035 111111", "mobile": "+44 2035 222222", "email": "dorcas@example.org",
        "fax": "+44 2035 333333", "job_title": "Buyer", "is_main_contact": False})
    assert list(first) == PERSON_KEYS
    assert first["is_main_contact"] is True  # a contact's first person is its main contact
    assert first["contact_person_types"] == [
        {"id": "ACCOUNTS", "displayed_as": "Accounts", "$path": "/contact_person_types/ACCOUNTS"},
        {"id": "SALES", "displayed_as": "Sales", "$path": "/contact_person_types/SALES"}]
    assert first["address"] == {"id": address, "displayed_as": contact["main_address"]["displayed_as"],
                                "$path": f"/addresses/{address}"}
    assert (first["displayed_as"], first["job_title"], first["deleted_at"]) == ("Dorcas McCullough", "Buyer", None)
    shown = client.get(f"/v3.1/contacts/{contact['id']}", headers=books.headers).json()["main_contact_person"]
    assert shown["id"] == first["id"]
    clock.advance(timedelta(seconds=1))
    site = _post(client, books, "addresses", "address", {"contact_id": contact["id"], "address_type_id": "DELIVERY",
                                                         "name": "Site", "is_main_address": False})
    second = _post(client, books, "contact_persons", "contact_person", {
        "address_id": site["id"], "name": "Peter Quigley", "contact_person_type_ids": ["PURCHASING"],
        "is_main_contact": True, "is_preferred_contact": True})
    persons = _list(client, books, f"contact_persons?contact_id={contact['id']}&attributes=is_main_contact")
    assert [(p["id"], p["is_main_contact"]) for p in persons] == [(first["id"], False), (second["id"], True)]
    assert [p["id"] for p in _list(client, books, f"contact_persons?address_id={site['id']}")] == [second["id"]]
    _problem(client.put(f"/v3.1/contact_persons/{second['id']}", json={"contact_person": {"is_main_contact": False}},
                        headers=books.headers), 422, "RecordInvalid", "is_main_contact")
    response = client.put(f"/v3.1/contact_persons/{first['id']}", json={"contact_person": {
        "is_preferred_contact": True, "address_id": site["id"], "name": "Dorcas M."}}, headers=books.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["address"]["id"], response.json()["name"]) == (site["id"], "Dorcas M.")
    preferred = _list(client, books, f"contact_persons?contact_id={contact['id']}&attributes=is_preferred_contact")
    assert [p["is_preferred_contact"] for p in preferred] == [True, False]
    # An address with people at it stays; deleting the main person promotes the other one.
    _problem(client.delete(f"/v3.1/addresses/{site['id']}", headers=books.headers), 422, "RecordInvalid", "base")
    assert client.delete(f"/v3.1/contact_persons/{second['id']}", headers=books.headers).status_code == 204
    assert client.get(f"/v3.1/contact_persons/{first['id']}", headers=books.headers).json()["is_main_contact"] is True
    deleted = _list(client, books, "contact_persons?deleted_since=2000-01-01")
    assert [d["id"] for d in deleted] == [second["id"]]


def test_contact_person_errors(client: TestClient, books: Books) -> None:
    contact = _contact(client, books)
    other = _contact(client, books, "Other Ltd")
    address = contact["main_address"]["id"]
    base = {"address_id": address, "name": "Ann", "contact_person_type_ids": ["ACCOUNTS"]}
    cases = [
        ({k: v for k, v in base.items() if k != "address_id"}, "address_id"),
        ({k: v for k, v in base.items() if k != "name"}, "name"),
        ({**base, "contact_person_type_ids": []}, "contact_person_type_ids"),
        ({**base, "contact_person_type_ids": ["ACCOUNTS", "BOSS"]}, "contact_person_type_ids[1]"),
        ({**base, "address_id": "0" * 32}, "address_id"),
    ]
    for body, source in cases:
        response = client.post("/v3.1/contact_persons", json={"contact_person": body}, headers=books.headers)
        assert response.status_code == 422, response.text
        assert source in [p["$source"] for p in response.json()], (source, response.text)
    person = _post(client, books, "contact_persons", "contact_person", base)
    response = client.put(f"/v3.1/contact_persons/{person['id']}",
                          json={"contact_person": {"address_id": other["main_address"]["id"]}}, headers=books.headers)
    _problem(response, 422, "RecordInvalid", "address_id")
    types = client.get("/v3.1/contact_person_types", headers=books.headers).json()
    assert [t["id"] for t in types["$items"]] == ["ACCOUNTS", "SALES", "PURCHASING", "CONTACT"]
    assert client.get("/v3.1/contact_person_types/ACCOUNTS", headers=books.headers).json() == {
        "id": "ACCOUNTS", "displayed_as": "Accounts", "$path": "/contact_person_types/ACCOUNTS"}


def test_address_and_person_access(client: TestClient, books: Books, factory: Factory) -> None:
    contact = _contact(client, books)
    reader = factory.user()
    business = factory.tx(lambda db: db.get(Business, books.business_id))
    assert business is not None
    factory.member(business, reader, Role.READ_ONLY)
    read_only = factory.headers(reader, business=books.business_id)
    assert client.get("/v3.1/addresses", headers=read_only).status_code == 200
    response = client.post("/v3.1/contact_persons", json={"contact_person": {
        "address_id": contact["main_address"]["id"], "name": "X", "contact_person_type_ids": ["ACCOUNTS"]}},
        headers=read_only)
    _problem(response, 403, "MultiUserAccessDenied", "")
    assert client.get("/v3.1/contact_persons").status_code == 401
    stranger = factory.user()
    own = factory.business(stranger, name="Elsewhere Ltd")
    elsewhere = factory.headers(stranger, business=own.id)
    _problem(client.get(f"/v3.1/addresses/{contact['main_address']['id']}", headers=elsewhere),
             404, "RecordNotFound", "")
    response = client.post("/v3.1/addresses", json={"address": {
        "contact_id": contact["id"], "address_type_id": "DELIVERY", "name": "X", "is_main_address": False}},
        headers=elsewhere)
    _problem(response, 422, "RecordInvalid", "contact_id")


# --- contacts -------------------------------------------------------------------------------------------------

def test_full_contact_key_order(client: TestClient, books: Books) -> None:
    contact = _contact(client, books, reference="DP-002", email="ap@deskpro.example", credit_limit=2000,
                       credit_days=30, main_contact_person={"name": "Dorcas", "email": "dorcas@example.org"},
                       delivery_address={"address_line_1": "Unit 12"})
    # A customer as Sage answers one [DP]: the definition's order without the supplier's purchase account and
    # without `balance` (only with show_balance), the preferred address and person beside the main ones, and
    # Sage's extra keys last.
    expected = [k for k in _definition("Contact") if k not in ("balance", "default_purchase_ledger_account")]
    expected.insert(expected.index("main_address") + 1, "preferred_address")
    expected.insert(expected.index("main_contact_person") + 1, "preferred_contact_person")
    expected += ["mandate_active", "send_statements", "statement_run"]
    assert list(contact) == expected
    read = client.get(f"/v3.1/contacts/{contact['id']}", headers=books.headers).json()
    assert list(read) == expected
    assert read["displayed_as"] == "Deskpro BV (DP-002)" and read["credit_limit"] == "2000.0"
    assert read["main_contact_person"]["displayed_as"] == "Dorcas"
    delivery = client.get(f"/v3.1{read['delivery_address']['$path']}", headers=books.headers).json()
    assert delivery["address_line_1"] == "Unit 12"


def test_contact_list_filters(client: TestClient, books: Books, clock: Clock) -> None:
    alpha = _contact(client, books, "Alpha Traders", email="Buyer@Alpha.example")
    clock.advance(timedelta(seconds=1))
    beta = _post(client, books, "contacts", "contact", {"name": "Beta Supplies", "contact_type_ids": ["VENDOR"],
                                                        "reference": "BETA"})
    clock.advance(timedelta(seconds=1))
    both = _post(client, books, "contacts", "contact", {"name": "Gamma", "contact_type_ids": ["CUSTOMER", "VENDOR"],
                                                        "is_active": False})

    def ids(query: str) -> list[str]:
        return [c["id"] for c in _list(client, books, f"contacts?{query}")
                if c["id"] in (alpha["id"], beta["id"], both["id"])]

    assert ids("") == [alpha["id"], beta["id"], both["id"]]
    assert ids("contact_type_id=CUSTOMER") == [alpha["id"], both["id"]]
    assert ids("contact_type_id=vendor") == [beta["id"], both["id"]]
    assert ids("email=buyer@alpha.example") == [alpha["id"]]
    assert ids("search=beta") == [beta["id"]]  # reference or name
    assert ids("search=ALPHA") == [alpha["id"]]
    assert ids("filter_inactive_contacts=true") == [alpha["id"], beta["id"]]
    assert ids("exclude_system=true") == [alpha["id"], beta["id"], both["id"]]
    assert ids(f"updated_or_created_since={clock.now().strftime('%Y-%m-%dT%H:%M:%SZ')}") == [both["id"]]


def test_the_main_contact_persons_email_is_the_contacts(client: TestClient, books: Books) -> None:
    """Sage copies the main contact person's e-mail to the contact and finds the contact by any person's e-mail;
    an integration that links contacts by e-mail relies on both."""
    made = _contact(client, books, "Epsilon Ltd", main_contact_person={"name": "Eve", "email": "eve@epsilon.example"})
    assert made["email"] == "eve@epsilon.example"
    assert [c["id"] for c in _list(client, books, "contacts?email=EVE@epsilon.example")] == [made["id"]]
    address = made["main_address"]["id"]
    second = _post(client, books, "contact_persons", "contact_person", {
        "address_id": address, "name": "Sam", "email": "sam@epsilon.example", "contact_person_type_ids": ["SALES"]})
    assert [c["id"] for c in _list(client, books, "contacts?email=sam@epsilon.example")] == [made["id"]]
    # Making Sam the main contact makes his e-mail the contact's.
    response = client.put(f"/v3.1/contact_persons/{second['id']}", headers=books.headers,
                          json={"contact_person": {"is_main_contact": True}})
    assert response.status_code == 200, response.text
    contact = client.get(f"/v3.1/contacts/{made['id']}", headers=books.headers).json()
    assert contact["email"] == "sam@epsilon.example"
    # Changing the main person's e-mail follows too.
    updated = client.put(f"/v3.1/contacts/{made['id']}", headers=books.headers,
                         json={"contact": {"main_contact_person": {"email": "accounts@epsilon.example"}}})
    assert updated.json()["email"] == "accounts@epsilon.example"


def test_contact_update_and_duplicate_reference(client: TestClient, books: Books, clock: Clock) -> None:
    first = _contact(client, books, "Alpha", reference="ALPHA")
    second = _contact(client, books, "Beta")
    response = client.post("/v3.1/contacts", json={"contact": {"name": "Again", "contact_type_ids": ["CUSTOMER"],
                                                               "reference": "alpha"}}, headers=books.headers)
    assert _problem(response, 422, "RecordInvalid", "reference") == "must be unique."
    response = client.put(f"/v3.1/contacts/{second['id']}", json={"contact": {"reference": "ALPHA"}},
                          headers=books.headers)
    _problem(response, 422, "RecordInvalid", "reference")
    clock.advance(timedelta(seconds=1))
    response = client.put(f"/v3.1/contacts/{first['id']}", json={"contact": {
        "name": "Alpha Ltd", "notes": "Pays late", "main_address": {"city": "York"}}}, headers=books.headers)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["notes"], updated["reference"]) == ("Alpha Ltd", "Pays late", "ALPHA")
    address = client.get(f"/v3.1{updated['main_address']['$path']}", headers=books.headers).json()
    assert updated["displayed_as"] == "Alpha Ltd (ALPHA)" and address["city"] == "York"
    assert updated["updated_at"] > first["updated_at"]
    response = client.post("/v3.1/contacts", json={"contact": {"contact_type_ids": ["CUSTOMER"]}},
                           headers=books.headers)
    _problem(response, 422, "RecordInvalid", "name")


def test_contact_delete_leaves_a_tombstone(client: TestClient, books: Books, clock: Clock) -> None:
    contact = _contact(client, books, main_contact_person={"name": "Ann"})
    keep = _contact(client, books, "Keeper")
    clock.advance(timedelta(seconds=1))
    since = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    clock.advance(timedelta(seconds=1))
    assert client.delete(f"/v3.1/contacts/{contact['id']}", headers=books.headers).status_code == 204
    _problem(client.get(f"/v3.1/contacts/{contact['id']}", headers=books.headers), 404, "RecordNotFound", "")
    deleted = client.get(f"/v3.1/contacts?deleted_since={since}", headers=books.headers).json()
    assert deleted["$items"] == [{"id": contact["id"], "displayed_as": contact["displayed_as"],
                                  "$path": f"/contacts/{contact['id']}",
                                  "deleted_at": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")}]
    assert [c["id"] for c in _list(client, books, "contacts")] == [keep["id"]]


def test_contact_delete_takes_its_addresses_and_people(client: TestClient, books: Books, factory: Factory) -> None:
    contact = _contact(client, books, main_contact_person={"name": "Ann"})
    address = contact["main_address"]["id"]
    assert client.delete(f"/v3.1/contacts/{contact['id']}", headers=books.headers).status_code == 204

    def leftovers(db: Session) -> int:
        bind_business(db, books.business_id)
        addresses = db.scalar(select(func.count()).select_from(Address).where(Address.contact_id.is_(None)))
        persons = db.scalar(select(func.count()).select_from(ContactPerson).where(ContactPerson.contact_id.is_(None)))
        return (addresses or 0) + (persons or 0)

    assert factory.tx(leftovers) == 0  # the contact's addresses and people went with it
    assert [d["id"] for d in _list(client, books, "addresses?deleted_since=2000-01-01")] == [address]
