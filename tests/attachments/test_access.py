"""An attachment is seen and changed with the rights its record asks: read access to the record's area to
read it (one, its file, lists), the access that changing the record takes to add, change or delete one.

Generated over every attachment context type, plus attachments on a transaction alone, with three members
made from Sage's rules for the record's resource (api/operations.record_rules): one blind to its area, one
who may read but not change it there, one who may change it.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerd.api.operations import RecordRules, record_rules
from ledgerd.attachments.models import Attachment
from ledgerd.regions.data import lookups
from ledgerd.tenancy import service
from ledgerd.tenancy.access import AREAS, AreaRole
from ledgerd.tenancy.models import Business, Role
from tests.support.books import Books, problem
from tests.support.factories import Factory

OCTET = {"Accept": "application/octet-stream"}
TYPES = [(t["id"], t["path"]) for t in lookups()["attachment_context_types"]] + [(None, "transactions")]
# The attachment operations themselves (Sage): Sales or Purchases, read for reads, full/restricted for writes.
OPERATION_AREAS = ("sales", "purchases")
_WRITERS = (AreaRole.RESTRICTED_ACCESS, AreaRole.FULL_ACCESS)


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


def _member(books: Books, factory: Factory, areas: dict[str, AreaRole], role: Role = Role.NO_ACCESS) -> dict[str, str]:
    user = factory.user()
    factory.tx(lambda db: service.invite(db, factory.runtime.clock, business=db.get(Business, books.business_id),
                                         email=user.email, role=role, areas=areas))
    return {**factory.headers(user, business=books.business_id)}


def _attach(books: Books, type_id: str | None) -> str:
    """An attachment on a record of `type_id` (or on a transaction alone), written straight to the table: only
    its context type decides who may see it."""
    def run(db: Any) -> str:
        attachment = Attachment(business_id=books.business_id, file_name="secret.pdf", mime_type="application/pdf",
                                description="", file_extension=".pdf", file_size=3, content=b"pdf",
                                context_type_id=type_id, context_id=secrets.token_hex(16) if type_id else None,
                                transaction_id=None if type_id else secrets.token_hex(16), is_public=False)
        db.add(attachment)
        db.flush()
        return attachment.id

    return books.tx(run)


def _weakest(allowed: frozenset[AreaRole], among: tuple[AreaRole, ...]) -> AreaRole:
    return next(role for role in among if role in allowed)


def _blind(rules: RecordRules) -> dict[str, AreaRole]:
    """Full access everywhere but the record's areas, where there is none."""
    assert rules.read is not None
    return {area: AreaRole.NO_ACCESS if area in rules.read else AreaRole.FULL_ACCESS for area in AREAS}


def _reader(rules: RecordRules) -> dict[str, AreaRole]:
    """Full access to the attachment operations, read only where the record is changed."""
    assert rules.write is not None
    areas = dict.fromkeys(OPERATION_AREAS, AreaRole.FULL_ACCESS)
    areas.update(dict.fromkeys(rules.write, AreaRole.READ_ONLY))
    return areas


def _writer(rules: RecordRules) -> dict[str, AreaRole]:
    """The weakest roles that may change the record, in one of its areas, and may call the attachment operations."""
    assert rules.write is not None
    area, allowed = next(iter(rules.write.items()))
    areas = {area: _weakest(allowed, _WRITERS)}
    if area not in OPERATION_AREAS:
        areas["sales"] = AreaRole.RESTRICTED_ACCESS
    return areas


def _body(type_id: str | None) -> dict[str, Any]:
    owner = ({"attachment_context_type_id": type_id, "attachment_context_id": "0" * 32} if type_id
             else {"transaction_id": "0" * 32})
    return {"attachment": {"file": base64.b64encode(b"x").decode(), "file_name": "a.txt", "mime_type": "text/plain",
                           **owner}}


def _listed(client: TestClient, headers: dict[str, str]) -> set[str]:
    response = client.get("/v3.1/attachments", headers=headers, params={"items_per_page": 200})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["$items"]}


@pytest.mark.parametrize(("type_id", "path"), TYPES, ids=[t or "TRANSACTION" for t, _ in TYPES])
def test_attachments_follow_their_records_area(books: Books, factory: Factory, type_id: str | None,
                                               path: str) -> None:
    client = books.client
    rules = record_rules(path)
    kept, other = _attach(books, type_id), _attach(books, "SALES_INVOICE" if type_id != "SALES_INVOICE" else "CONTACT")
    one, file = f"/v3.1/attachments/{kept}", f"/v3.1/attachments/{kept}/file"
    change = {"attachment": {"description": "changed"}}

    blind_areas = _blind(rules)
    if any(blind_areas[area] is not AreaRole.NO_ACCESS for area in OPERATION_AREAS):  # else the operation is shut
        blind = _member(books, factory, blind_areas)
        assert kept not in _listed(client, blind)
        for response in (client.get(one, headers=blind), client.get(file, headers={**blind, **OCTET}),
                         client.put(one, headers=blind, json=change), client.delete(one, headers=blind),
                         client.post("/v3.1/attachments", headers=blind, json=_body(type_id))):
            problem(response, 403, "MultiUserAccessDenied")
        only_this = {"attachment_context_type_id": type_id or "", "attachment_context_id": "x"} if type_id else {}
        if only_this:
            listed = client.get("/v3.1/attachments", headers=blind, params=only_this)
            assert listed.status_code == 200 and listed.json()["$total"] == 0

    reader = _member(books, factory, _reader(rules))
    assert kept in _listed(client, reader)
    assert client.get(one, headers=reader).status_code == 200
    assert client.get(file, headers={**reader, **OCTET}).content == b"pdf"
    for response in (client.put(one, headers=reader, json=change), client.delete(one, headers=reader),
                     client.post("/v3.1/attachments", headers=reader, json=_body(type_id))):
        problem(response, 403, "MultiUserAccessDenied")

    writer = _member(books, factory, _writer(rules))
    assert kept in _listed(client, writer)
    # Past the access check the body is read: the record named does not exist.
    problem(client.post("/v3.1/attachments", headers=writer, json=_body(type_id)), 422, "RecordInvalid")
    assert client.put(one, headers=writer, json=change).json()["description"] == "changed"
    assert client.delete(one, headers=writer).status_code == 204
    assert other in _listed(client, books.headers)  # the owner sees everything


def test_the_findings(books: Books, factory: Factory) -> None:
    """As reported: Bank no access read a bank transfer's attachment; Sales read only deleted an invoice's."""
    client = books.client
    transfer_file, invoice_file = _attach(books, "BANK_TRANSFER"), _attach(books, "SALES_INVOICE")
    no_bank = _member(books, factory, {"bank": AreaRole.NO_ACCESS}, role=Role.FULL_ACCESS)
    problem(client.get(f"/v3.1/attachments/{transfer_file}/file", headers={**no_bank, **OCTET}), 403,
            "MultiUserAccessDenied")
    assert _listed(client, no_bank) == {invoice_file}
    sales_read_only = _member(books, factory, {"sales": AreaRole.READ_ONLY}, role=Role.FULL_ACCESS)
    problem(client.delete(f"/v3.1/attachments/{invoice_file}", headers=sales_read_only), 403,
            "MultiUserAccessDenied")
    assert books.get(f"/attachments/{invoice_file}").status_code == 200


def test_moving_an_attachment_needs_the_right_to_change_both_records(books: Books, factory: Factory) -> None:
    client = books.client
    invoice_file = _attach(books, "SALES_INVOICE")
    transfer = books.created("/bank_transfers", "bank_transfer", {
        "from_bank_account_id": books.bank(), "to_bank_account_id": books.bank("CASH_IN_HAND"),
        "date": "2024-02-02", "amount": 25, "reference": "Float"})
    sales_only = _member(books, factory, {"sales": AreaRole.FULL_ACCESS, "bank": AreaRole.READ_ONLY})
    moved = {"attachment": {"attachment_context_type_id": "BANK_TRANSFER", "attachment_context_id": transfer["id"]}}
    problem(client.put(f"/v3.1/attachments/{invoice_file}", headers=sales_only, json=moved), 403,
            "MultiUserAccessDenied")
    assert books.get(f"/attachments/{invoice_file}").json()["attachment_context_type"]["id"] == "SALES_INVOICE"
    both = _member(books, factory, {"sales": AreaRole.FULL_ACCESS, "bank": AreaRole.RESTRICTED_ACCESS})
    response = client.put(f"/v3.1/attachments/{invoice_file}", headers=both, json=moved)
    assert response.status_code == 200 and response.json()["attachment_context"]["id"] == transfer["id"]
