"""Attachments over HTTP on SQLite and PostgreSQL: base64 uploads, byte-exact downloads, contexts, limits."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.api.resource import REGISTRY
from ledgerd.api.resources.attachments import UPLOAD_BODY_BYTES
from ledgerd.app import build_runtime, create_app
from ledgerd.attachments.schemas import MAX_FILE_BYTES
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.regions.data import lookups
from ledgerd.runtime import Runtime
from tests.conftest import PUBLIC_URL, TEST_SCRYPT_N
from tests.support import reference
from tests.support.books import Books, problem
from tests.support.factories import Factory

ATTACHMENT_KEYS = ["id", "displayed_as", "$path", "deleted_at", "file", "mime_type", "description", "file_extension",
                   "transaction", "file_size", "file_name", "$file_path", "attachment_context_type",
                   "attachment_context", "is_public", "created_at", "updated_at"]
OCTET = {"Accept": "application/octet-stream"}
# Every byte value, twice, and bytes that are not UTF-8: a binary file must come back unchanged.
BINARY = bytes(range(256)) * 2 + b"\x00\xff\xfe%PDF\r\n\x1a"


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def upload(books: Books, content: bytes = BINARY, expect: int = 201, **extra: Any) -> dict[str, Any]:
    attrs = {"file": b64(content), "file_name": "receipt.pdf", "mime_type": "application/pdf", **extra}
    if "attachment_context_id" not in attrs and "transaction_id" not in attrs:
        attrs.update(attachment_context_type_id="CONTACT", attachment_context_id=books.contact())
    return books.created("/attachments", "attachment", attrs, expect=expect)


def download(client: TestClient, books: Books, attachment_id: str, accept: str | None = OCTET["Accept"]) -> Any:
    headers = {**books.headers, **({"Accept": accept} if accept is not None else {})}
    if accept is None:
        headers["Accept"] = ""
    return client.get(f"/v3.1/attachments/{attachment_id}/file", headers=headers)


def test_wire_shape_follows_the_swagger_definition() -> None:
    assert list(reference.definitions()["Attachment"]["properties"]) == ATTACHMENT_KEYS


def test_upload_and_download_a_binary_file_byte_for_byte(client: TestClient, books: Books) -> None:
    contact = books.contact(name="Paper Supplies")
    created = upload(books, attachment_context_type_id="CONTACT", attachment_context_id=contact,
                     description="March receipt", is_public=True)
    assert list(created) == ATTACHMENT_KEYS
    key = created["id"]
    assert (created["displayed_as"], created["$path"], created["$file_path"]) == (
        "receipt.pdf", f"/attachments/{key}", f"/attachments/{key}/file")
    assert (created["file"], created["deleted_at"], created["transaction"]) == (None, None, None)
    assert (created["file_size"], created["file_extension"], created["mime_type"]) == (
        len(BINARY), ".pdf", "application/pdf")
    assert (created["description"], created["is_public"]) == ("March receipt", True)
    assert created["attachment_context_type"] == {"id": "CONTACT", "displayed_as": "Contact",
                                                  "$path": "/attachment_context_types/CONTACT"}
    assert created["attachment_context"]["id"] == contact
    assert created["attachment_context"]["$path"] == f"/contacts/{contact}"
    assert created["attachment_context"]["displayed_as"].startswith("Paper Supplies")
    assert books.get(f"/attachments/{key}").json() == created

    response = download(client, books, key)
    assert response.status_code == 200
    assert response.content == BINARY
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-business"] == books.business_id
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"receipt.pdf\"; filename*=UTF-8''receipt.pdf")


def test_text_files_keep_their_exact_content_type_and_odd_names_are_safe(client: TestClient, books: Books) -> None:
    created = upload(books, b"plain\n", file_name='na"me\r\nX: ü.txt', mime_type="text/plain")
    assert created["file_extension"] == ".txt"
    response = download(client, books, created["id"])
    assert response.content == b"plain\n"
    assert response.headers["content-type"] == "text/plain"  # no charset added
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"na_me__X: _.txt\"; filename*=UTF-8''na%22me%0D%0AX%3A%20%C3%BC.txt")
    for mime_type in ("pdf", "text/plain\r\nX-Injected: 1", "a/b/c"):
        problem(books.post("/attachments", {"attachment": {"file": b64(b"x"), "file_name": "a", "mime_type": mime_type,
                                                           "attachment_context_type_id": "CONTACT",
                                                           "attachment_context_id": books.contact()}}),
                422, "RecordInvalid", "mime_type")


@pytest.mark.parametrize("accept", [None, "*/*", "application/*", "application/json",
                                    "application/octet-stream;q=0", "application/pdf"])
def test_download_needs_accept_octet_stream(client: TestClient, books: Books, accept: str | None) -> None:
    created = upload(books)
    response = download(client, books, created["id"], accept)
    found = problem(response, 406, "NotAcceptable", "Accept")
    assert "application/octet-stream" in found["$message"]


def test_accept_may_list_octet_stream_among_others(client: TestClient, books: Books) -> None:
    created = upload(books)
    for accept in ("application/json, application/octet-stream", "Application/Octet-Stream; q=0.5, */*"):
        response = download(client, books, created["id"], accept)
        assert response.status_code == 200 and response.content == BINARY


def test_download_of_an_unknown_or_foreign_attachment_is_not_found(client: TestClient, books: Books,
                                                                    factory: Factory) -> None:
    other = Books.open(client, factory)
    theirs = upload(other)
    problem(download(client, books, theirs["id"]), 404, "RecordNotFound")
    problem(download(client, books, "0" * 32), 404, "RecordNotFound")
    problem(books.get(f"/attachments/{theirs['id']}"), 404, "RecordNotFound")


def test_the_largest_file_is_taken_and_one_byte_more_is_refused(client: TestClient, books: Books) -> None:
    largest = bytes(range(256)) * (MAX_FILE_BYTES // 256)
    assert len(largest) == MAX_FILE_BYTES
    created = upload(books, largest)
    assert created["file_size"] == MAX_FILE_BYTES
    assert download(client, books, created["id"]).content == largest
    found = problem(books.post("/attachments", {"attachment": {
        "file": b64(largest + b"!"), "file_name": "big.bin", "mime_type": "application/octet-stream",
        "attachment_context_type_id": "CONTACT", "attachment_context_id": books.contact()}}),
        422, "RecordInvalid", "file")
    assert "2621441 bytes" in found["$message"] and str(MAX_FILE_BYTES) in found["$message"]
    # The size a client declares is informative: the stored size is the file's.
    assert upload(books, b"abc", file_size=99)["file_size"] == 3


def test_a_declared_size_above_the_maximum_is_refused(books: Books) -> None:
    response = books.post("/attachments", {"attachment": {
        "file": b64(b"x"), "file_name": "a.txt", "mime_type": "text/plain", "file_size": MAX_FILE_BYTES + 1,
        "attachment_context_type_id": "CONTACT", "attachment_context_id": books.contact()}})
    problem(response, 422, "RecordInvalid", "file_size")


@pytest.mark.parametrize("text", ["not base64!", "QUJD*", "QQ", "A", "data:application/pdf;base64,QUJD", ""])
def test_invalid_base64_is_refused_naming_file(books: Books, text: str) -> None:
    response = books.post("/attachments", {"attachment": {
        "file": text, "file_name": "a.pdf", "mime_type": "application/pdf",
        "attachment_context_type_id": "CONTACT", "attachment_context_id": books.contact()}})
    if text == "QQ":  # unpadded base64 of "A" is fine
        assert response.status_code == 201, response.text
        return
    problem(response, 422, "RecordInvalid", "file")


def test_base64_with_line_breaks_is_taken(client: TestClient, books: Books) -> None:
    text = base64.encodebytes(BINARY).decode().replace("\n", "\r\n")
    created = books.created("/attachments", "attachment", {
        "file": text, "file_name": "scan.png", "mime_type": "image/png",
        "attachment_context_type_id": "CONTACT", "attachment_context_id": books.contact()})
    assert download(client, books, created["id"]).content == BINARY


def test_a_largest_upload_passes_a_lower_server_limit(database_url: str, factory: Factory) -> None:
    """The upload routes raise LEDGERD_MAX_BODY_BYTES to what a largest file needs; other routes keep it."""
    assert len(b64(bytes(MAX_FILE_BYTES))) * 2 <= UPLOAD_BODY_BYTES
    strict = build_runtime(Settings(database_url=database_url, env="test",
                                    password_scrypt_n=TEST_SCRYPT_N, public_url=PUBLIC_URL,
                                    max_body_bytes=1024 * 1024), Clock())
    try:
        with TestClient(create_app(runtime=strict), base_url=PUBLIC_URL) as client:
            books = Books.open(client, factory)
            largest = bytes(MAX_FILE_BYTES)
            created = upload(books, largest)
            assert client.get(f"/v3.1/attachments/{created['id']}/file",
                              headers={**books.headers, **OCTET}).content == largest
            books.updated(f"/attachments/{created['id']}", "attachment", {"file": b64(largest[:-1])})
            problem(books.post("/contacts", {"contact": {"name": "x" * (1024 * 1024)}}), 413, "RequestEntityTooLarge")
            too_big = {"attachment": {"file": "A" * (UPLOAD_BODY_BYTES + 1), "file_name": "a", "mime_type": "a/b"}}
            problem(books.post("/attachments", too_big), 413, "RequestEntityTooLarge")
    finally:
        strict.engine.dispose()


def test_files_survive_a_restart(database_url: str, client: TestClient, books: Books) -> None:
    """A new process on the same database serves the same bytes (nothing is kept in memory or on local disk)."""
    created = upload(books, BINARY)
    fresh: Runtime = build_runtime(Settings(database_url=database_url, env="test",
                                            password_scrypt_n=TEST_SCRYPT_N, public_url=PUBLIC_URL), Clock())
    try:
        with TestClient(create_app(runtime=fresh), base_url=PUBLIC_URL) as restarted:
            response = restarted.get(f"/v3.1/attachments/{created['id']}/file", headers={**books.headers, **OCTET})
            assert response.status_code == 200 and response.content == BINARY
            listed = restarted.get("/v3.1/attachments", params={"attributes": "file_size"}, headers=books.headers)
            assert listed.json()["$items"][0]["file_size"] == len(BINARY)
    finally:
        fresh.engine.dispose()


# --- contexts ------------------------------------------------------------------------------------------------

def test_every_context_type_is_a_served_resource_and_listed(books: Books) -> None:
    types = lookups()["attachment_context_types"]
    assert all(t["path"] in REGISTRY for t in types)
    listed = books.get("/attachment_context_types", items_per_page=50).json()
    assert [i["id"] for i in listed["$items"]] == [t["id"] for t in types]
    assert books.get("/attachment_context_types/SALES_INVOICE").json() == {
        "id": "SALES_INVOICE", "displayed_as": "Sales Invoice", "$path": "/attachment_context_types/SALES_INVOICE"}


def _invoice(books: Books, customer: str) -> dict[str, Any]:
    return books.created("/sales_invoices", "sales_invoice", {
        "contact_id": customer, "date": "2024-03-15", "invoice_lines": [
            {"description": "Paper", "ledger_account_id": books.accounts[4000], "quantity": "1", "unit_price": "10",
             "tax_rate_id": "GB_ZERO"}]})


def test_documents_show_their_transaction(books: Books) -> None:
    invoice = _invoice(books, books.contact())
    created = upload(books, attachment_context_type_id="sales_invoice", attachment_context_id=invoice["id"])
    assert created["attachment_context_type"]["id"] == "SALES_INVOICE"
    assert created["attachment_context"] == {"id": invoice["id"], "displayed_as": invoice["displayed_as"],
                                             "$path": f"/sales_invoices/{invoice['id']}"}
    assert created["transaction"]["id"] == invoice["transaction"]["id"]
    assert created["transaction"]["$path"] == f"/transactions/{invoice['transaction']['id']}"
    transfer = books.created("/bank_transfers", "bank_transfer", {
        "from_bank_account_id": books.bank(), "to_bank_account_id": books.bank("CASH_IN_HAND"),
        "date": "2024-02-02", "amount": 25, "reference": "Float"})
    by_transfer = upload(books, attachment_context_type_id="BANK_TRANSFER", attachment_context_id=transfer["id"])
    assert by_transfer["attachment_context"]["$path"] == f"/bank_transfers/{transfer['id']}"
    assert by_transfer["transaction"]["id"] == transfer["transaction"]["id"]
    # Only a transaction: no context record.
    only = upload(books, transaction_id=invoice["transaction"]["id"])
    assert (only["attachment_context_type"], only["attachment_context"]) == (None, None)
    assert only["transaction"]["id"] == invoice["transaction"]["id"]


def test_context_must_exist_in_this_business(client: TestClient, books: Books, factory: Factory) -> None:
    foreign_contact = Books.open(client, factory).contact()
    invoice = _invoice(books, books.contact())
    contact = books.contact()

    def refused(source: str, **attrs: Any) -> str:
        body = {"file": b64(b"x"), "file_name": "a.txt", "mime_type": "text/plain", **attrs}
        return problem(books.post("/attachments", {"attachment": body}), 422, "RecordInvalid", source)["$message"]

    unknown = refused("attachment_context_id", attachment_context_type_id="CONTACT", attachment_context_id="0" * 32)
    assert refused("attachment_context_id", attachment_context_type_id="CONTACT",
                   attachment_context_id=foreign_contact) == unknown
    # The id must be a record of the type named: an invoice is not a purchase invoice or a contact.
    refused("attachment_context_id", attachment_context_type_id="PURCHASE_INVOICE", attachment_context_id=invoice["id"])
    refused("attachment_context_id", attachment_context_type_id="CONTACT", attachment_context_id=invoice["id"])
    refused("attachment_context_type_id", attachment_context_type_id="SPACESHIP", attachment_context_id=contact)
    refused("attachment_context_type_id", attachment_context_id=contact)
    refused("attachment_context_id", attachment_context_type_id="CONTACT")
    refused("attachment_context_id")
    refused("transaction_id", transaction_id="f" * 32)
    missing = books.post("/attachments", {"attachment": {"file_name": "a", "mime_type": "a/b"}})
    assert {p["$source"] for p in missing.json()} == {"file"}
    assert books.get("/attachments").json()["$total"] == 0


def test_update_replaces_the_file_and_moves_the_context(client: TestClient, books: Books, clock: Clock) -> None:
    clock.freeze()
    created = upload(books, b"first version")
    clock.advance(timedelta(seconds=3))
    other = books.contact()
    updated = books.updated(f"/attachments/{created['id']}", "attachment", {
        "file": b64(b"second"), "description": "Replaced", "attachment_context_id": other})
    assert list(updated) == ATTACHMENT_KEYS
    assert (updated["file_size"], updated["description"]) == (6, "Replaced")
    assert updated["attachment_context"]["id"] == other and updated["attachment_context_type"]["id"] == "CONTACT"
    assert updated["updated_at"] != created["updated_at"] and updated["created_at"] == created["created_at"]
    assert (updated["file_name"], updated["mime_type"]) == ("receipt.pdf", "application/pdf")
    assert download(client, books, created["id"]).content == b"second"
    # A refused update changes nothing.
    problem(books.put(f"/attachments/{created['id']}", {"attachment": {"description": "x", "file": "%%%"}}),
            422, "RecordInvalid", "file")
    assert books.get(f"/attachments/{created['id']}").json() == updated
    problem(books.put(f"/attachments/{'0' * 32}", {"attachment": {}}), 404, "RecordNotFound")


# --- lists -------------------------------------------------------------------------------------------------

def test_list_filters_by_context(books: Books) -> None:
    first, second = books.contact(), books.contact()
    a = upload(books, attachment_context_type_id="CONTACT", attachment_context_id=first)
    b = upload(books, attachment_context_type_id="CONTACT", attachment_context_id=first)
    c = upload(books, attachment_context_type_id="CONTACT", attachment_context_id=second)

    def ids(**query: Any) -> list[str]:
        response = books.get("/attachments", **query)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["$items"]]

    assert ids() == [a["id"], b["id"], c["id"]]
    assert ids(attachment_context_type_id="CONTACT", attachment_context_id=first) == [a["id"], b["id"]]
    assert ids(attachment_context_type_id="contact", attachment_context_id=second) == [c["id"]]
    assert ids(attachment_context_type_id="SALES_INVOICE", attachment_context_id=first) == []
    for name in ("attachment_context_type_id", "attachment_context_id"):
        found = problem(books.get("/attachments", **{name: "CONTACT"}), 400, "InvalidParameter", name)
        assert "as well" in found["$message"]
    assert ids(legacy_attachment_context_type="Contact") == [a["id"], b["id"], c["id"]]
    assert ids(legacy_attachment_context_type="SalesInvoice") == []
    problem(books.get("/attachments", legacy_attachment_context_id="abc"), 400, "InvalidParameter",
            "legacy_attachment_context_id")
    listed = books.get("/attachments", attributes="file_name,file_size", items_per_page=1).json()
    assert listed["$items"] == [{"id": a["id"], "displayed_as": "receipt.pdf", "$path": f"/attachments/{a['id']}",
                                 "file_size": len(BINARY), "file_name": "receipt.pdf"}]


def test_legacy_context_id_filters_by_the_records_legacy_id(books: Books) -> None:
    from sqlalchemy import select

    from ledgerd.contacts.models import Contact

    contact = books.contact()
    made = upload(books, attachment_context_type_id="CONTACT", attachment_context_id=contact)
    upload(books)
    legacy_id = books.tx(lambda db: db.scalars(select(Contact.legacy_id).where(Contact.id == contact)).one())
    listed = books.get("/attachments", legacy_attachment_context_id=str(legacy_id)).json()["$items"]
    assert [i["id"] for i in listed] == [made["id"]]


def test_delete_forgets_and_a_deleted_context_takes_its_attachments(client: TestClient, books: Books,
                                                                     clock: Clock) -> None:
    clock.freeze()
    since = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    clock.advance(timedelta(seconds=1))
    kept = upload(books)
    dropped = upload(books)
    contact = books.contact()
    first = upload(books, attachment_context_type_id="CONTACT", attachment_context_id=contact)
    second = upload(books, attachment_context_type_id="CONTACT", attachment_context_id=contact)
    assert books.delete(f"/attachments/{dropped['id']}").status_code == 204
    problem(download(client, books, dropped["id"]), 404, "RecordNotFound")
    problem(books.delete(f"/attachments/{dropped['id']}"), 404, "RecordNotFound")
    assert books.delete(f"/contacts/{contact}").status_code == 204
    gone = books.get("/attachments", deleted_since=since).json()["$items"]
    assert sorted(i["id"] for i in gone) == sorted([dropped["id"], first["id"], second["id"]])
    assert [i["id"] for i in books.get("/attachments").json()["$items"]] == [kept["id"]]


def test_readonly_users_download_but_cannot_upload(client: TestClient, books: Books, factory: Factory) -> None:
    created = upload(books)
    owner = books.owner
    readonly = factory.headers(owner, scope="readonly", business=books.business_id)
    response = client.get(f"/v3.1/attachments/{created['id']}/file", headers={**readonly, **OCTET})
    assert response.status_code == 200 and response.content == BINARY
    body = {"attachment": {"file": b64(b"x"), "file_name": "a", "mime_type": "a/b",
                           "attachment_context_type_id": "CONTACT", "attachment_context_id": books.contact()}}
    problem(client.post("/v3.1/attachments", json=body, headers=readonly), 403, "MultiUserAccessDenied")


# --- storage quota -----------------------------------------------------------------------------------------

QUOTA = 10_000


@pytest.fixture
def small(database_url: str) -> Iterator[Runtime]:
    """A server whose businesses may keep 10,000 bytes of files each."""
    runtime = build_runtime(Settings(database_url=database_url, env="test", public_url=PUBLIC_URL,
                                     password_scrypt_n=TEST_SCRYPT_N, attachment_quota_bytes=QUOTA), Clock())
    yield runtime
    runtime.engine.dispose()


def test_a_business_keeps_files_up_to_its_quota(small: Runtime) -> None:
    with TestClient(create_app(runtime=small), base_url=PUBLIC_URL) as client:
        books, other = Books.open(client, Factory(small)), Books.open(client, Factory(small))
        first = upload(books, bytes(6_000))
        body = {"file": b64(bytes(4_001)), "file_name": "big.bin", "mime_type": "application/octet-stream",
                "attachment_context_type_id": "CONTACT", "attachment_context_id": books.contact()}
        refused = problem(books.post("/attachments", {"attachment": body}), 422, "RecordInvalid", "file")
        assert f"storage quota of {QUOTA} bytes (6000 bytes are used)" in refused["$message"]
        assert books.get("/attachments").json()["$total"] == 1  # nothing of the refused one was kept
        upload(books, bytes(4_000))  # exactly full
        upload(other, bytes(QUOTA))  # each business has its own
        # Replacing a file counts the new size in place of the old one; other changes are not checked.
        key = f"/attachments/{first['id']}"
        assert books.updated(key, "attachment", {"file": b64(bytes(5_000))})["file_size"] == 5_000
        problem(books.put(key, {"attachment": {"file": b64(bytes(6_001))}}), 422, "RecordInvalid", "file")
        assert books.updated(key, "attachment", {"description": "full"})["description"] == "full"
        assert books.delete(key).status_code == 204
        upload(books, bytes(6_000))


def test_concurrent_uploads_cannot_pass_the_quota_together(small: Runtime) -> None:
    with TestClient(create_app(runtime=small), base_url=PUBLIC_URL) as client:
        books = Books.open(client, Factory(small))
        contact = books.contact()
        tries = 8
        barrier = threading.Barrier(tries)

        body = {"attachment": {"file": b64(bytes(3_000)), "file_name": "a.bin", "mime_type": "application/pdf",
                               "attachment_context_type_id": "CONTACT", "attachment_context_id": contact}}

        def send(_: int) -> int:
            barrier.wait()
            status: int = books.post("/attachments", body).status_code
            return status

        with ThreadPoolExecutor(tries) as pool:
            answers = sorted(pool.map(send, range(tries)))
        assert answers == [201] * 3 + [422] * 5
        assert books.get("/attachments").json()["$total"] == 3
