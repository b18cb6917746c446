"""`ledgerd migrate compare` (docs/migration-kit.md): recorded v2 and v3 calls replayed on one clone of a business
and their v3.1 equivalents on another, the answers compared field by field; the business itself untouched and
the clones gone afterwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from ledgerd.api.legacy import compare
from ledgerd.auth.models import App, LegacyAccessToken, LegacyCredential, SubscriptionKey, TokenFamily
from ledgerd.auth.nonces import LegacyNonce
from ledgerd.cli import main
from ledgerd.tenancy.models import Business
from tests.support import invariants
from tests.support.books import Books
from tests.support.cli import Ledgerd, in_process
from tests.support.factories import Factory

V3 = "/uki/sageone/accounts/v3"


@pytest.fixture
def books(client: TestClient, factory: Factory) -> Books:
    return Books.open(client, factory)


@pytest.fixture
def ledgerd(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str) -> Ledgerd:
    return in_process(monkeypatch, capsys, database_url)


def _small_business(books: Books) -> dict[str, Any]:
    contact = books.created("/contacts", "contact", {"name": "Hartfield Books", "contact_type_ids": ["CUSTOMER"]})
    contact = books.get(f"/contacts/{contact['id']}", show_legacy_id="true").json()
    invoice = books.created("/sales_invoices", "sales_invoice", {
        "contact_id": contact["id"], "date": "2024-03-15",
        "invoice_lines": [{"description": "Consulting", "ledger_account_id": books.accounts[4000], "quantity": "1",
                           "unit_price": "100.00", "tax_rate_id": "GB_STANDARD", "tax_amount": "20.00"}]})
    invoice = books.get(f"/sales_invoices/{invoice['id']}", show_legacy_id="true").json()
    return {"contact": contact, "invoice": invoice}


def _write(tmp_path: Path, calls: list[dict[str, Any]]) -> Path:
    path = tmp_path / "recorded.jsonl"
    path.write_text("".join(json.dumps(call) + "\n" for call in calls), encoding="utf-8")
    return path


def _state(books: Books) -> tuple[Any, ...]:
    def counts(db: Any) -> list[int]:
        return [db.scalar(select(func.count()).select_from(model)) for model in (
            Business, App, LegacyAccessToken, LegacyCredential, SubscriptionKey, LegacyNonce, TokenFamily)]

    return books.tx(invariants.fingerprint), books.factory.tx(counts), books.get("/contacts").json()


def _agreeing(made: dict[str, Any]) -> list[dict[str, Any]]:
    contact, invoice = made["contact"], made["invoice"]
    line = {"description": "Hours", "ledger_account_id": invoice["invoice_lines"][0]["ledger_account"]["id"],
            "quantity": "2", "unit_price": "50.00", "tax_rate_id": "GB_STANDARD", "tax_amount": "20.00"}
    return [
        {"api": "v2", "method": "GET", "path": "/accounts/v2/contacts?$itemsPerPage=5"},
        {"api": "v3", "method": "GET", "path": f"{V3}/contacts/{contact['id']}"},
        {"api": "v2", "method": "GET", "path": f"/accounts/v2/sales_invoices/{invoice['legacy_id']}"},
        {"api": "v2", "method": "POST", "path": "/accounts/v2/contacts",
         "body": "contact[name]=Amble%20Ltd&contact[contact_type_id]=1"},
        {"api": "v3", "method": "POST", "path": f"{V3}/sales_invoices",
         "body": {"sales_invoice": {"contact_id": contact["id"], "date": "2024-04-01", "invoice_lines": [line]}}},
        {"api": "v3", "method": "GET", "path": f"{V3}/sales_invoices?attributes=total_amount,contact"},
        {"api": "v2", "method": "PUT", "path": f"/accounts/v2/contacts/{contact['legacy_id']}",
         "body": "contact[notes]=Pays%20late"},
        {"api": "v2", "method": "GET", "path": "/accounts/v2/contacts"},
        {"api": "v3", "method": "GET", "path": f"{V3}/contacts/{contact['id']}?show_legacy_id=false"},
    ]


def test_calls_where_the_dialects_agree_show_no_differences(books: Books, ledgerd: Ledgerd, tmp_path: Path) -> None:
    made = _small_business(books)
    before = _state(books)
    ran = ledgerd("migrate", "compare", books.business_id, str(_write(tmp_path, _agreeing(made))), "--format", "json")
    assert ran.code == 0, ran.out + ran.err
    report = json.loads(ran.out)
    assert report["summary"] == {"requests": 9, "same": 9, "different": 0, "without_equivalent": 0, "fields": 0}
    outcomes = report["requests"]
    assert [(o["old_status"], o["new_status"]) for o in outcomes] == [
        (200, 200), (200, 200), (200, 200), (201, 201), (201, 201), (200, 200), (200, 200), (200, 200), (200, 200)]
    assert outcomes[0]["v31"] == {"method": "GET", "path": "/contacts?attributes=all&items_per_page=5&page=1"}
    assert outcomes[1]["v31"]["path"].startswith("/contacts/") and made["contact"]["id"] not in outcomes[1]["v31"]
    assert outcomes[2]["v31"]["path"].startswith("/sales_invoices/")
    assert _state(books) == before  # the business unchanged, the clones, the app and its tokens gone


def test_a_real_dialect_difference_is_reported_field_by_field(books: Books, ledgerd: Ledgerd,
                                                               tmp_path: Path) -> None:
    made = _small_business(books)
    before = _state(books)
    line = {"description": "No tax sent", "ledger_account_id": books.accounts[4000], "quantity": "1",
            "unit_price": "100.00", "tax_rate_id": "GB_STANDARD"}
    calls = [
        # v3 fills an omitted tax_amount; v3.1 refuses the line (docs/legacy-v3.md)
        {"api": "v3", "method": "POST", "path": f"{V3}/sales_invoices",
         "body": {"sales_invoice": {"contact_id": made["contact"]["id"], "date": "2024-04-01",
                                    "invoice_lines": [line]}}},
        {"api": "v3", "method": "GET", "path": f"{V3}/sales_invoices?attributes=total_amount"},
        {"api": "v2", "method": "GET", "path": "/core/v2/me"},
        {"api": "v2", "method": "GET", "path": "/accounts/v2/contacts"},
    ]
    out = tmp_path / "report.txt"
    ran = ledgerd("migrate", "compare", books.business_id, str(_write(tmp_path, calls)), "--output", str(out))
    assert ran.code == 1, ran.err
    assert ran.out == "" and "1 without a v3.1 equivalent" in ran.err
    text = out.read_text()
    assert "line 1: v3 POST /uki/sageone/accounts/v3/sales_invoices -> POST /v3.1/sales_invoices: 201 / 422, " \
           "differs" in text
    assert "    (status): 201 -> 422" in text
    assert "line 3: v2 GET /core/v2/me -> no v3.1 equivalent" in text
    assert "line 4: v2 GET /accounts/v2/contacts -> GET /v3.1/contacts?attributes=all&items_per_page=20&page=1: " \
           "200 / 200, same" in text
    json_ran = ledgerd("migrate", "compare", books.business_id, str(_write(tmp_path, calls)), "--format", "json")
    assert json_ran.code == 1
    report = json.loads(json_ran.out)
    first, listing = report["requests"][0], report["requests"][1]
    assert first["differences"][0] == {"path": "(status)", "old": 201, "new": 422}
    assert first["differences"][1]["path"] == "(body)" and len(first["differences"]) == 2
    assert [p["$source"] for p in first["differences"][1]["new"]] == ["invoice_lines[0].tax_amount"]
    # the invoice v3 made is there on the old side only, matched by legacy id
    created = [d for d in listing["differences"] if d["path"].startswith("$items[legacy_id=")]
    assert created == [{"path": created[0]["path"], "old": {"legacy_id": created[0]["old"]["legacy_id"],
                                                           "displayed_as": "SI-2"}, "new_absent": True}]
    assert first["differences"][1]["old"] == created[0]["old"]  # the record v3 made, named, not written out
    assert {"path": "$total", "old": 2, "new": 1} in listing["differences"]
    assert report["summary"] == {"requests": 4, "same": 1, "different": 2, "without_equivalent": 1,
                                 "fields": len(first["differences"]) + len(listing["differences"])}
    assert _state(books) == before


def test_usage_errors_exit_2_before_anything_is_made(books: Books, ledgerd: Ledgerd, tmp_path: Path) -> None:
    before = _state(books)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"api": "v2", "method": "GET", "path": "/accounts/v2/contacts"}\n'
                   '{"api": "v4", "method": "GET", "path": "/x"}\n', encoding="utf-8")
    ran = ledgerd("migrate", "compare", books.business_id, str(bad))
    assert ran.code == 2 and "line 2: api must be one of v2, v3" in ran.err
    secret = tmp_path / "secret.jsonl"
    secret.write_text('{"api": "v3", "method": "GET", "path": "/uki/sageone/accounts/v3/contacts", '
                      '"headers": {"Authorization": "Bearer x"}}\n', encoding="utf-8")
    assert "unknown keys headers" in ledgerd("migrate", "compare", books.business_id, str(secret)).err
    good = _write(tmp_path, [{"api": "v3", "method": "GET", "path": f"{V3}/contacts"}])
    unknown = ledgerd("migrate", "compare", "0" * 32, str(good))
    assert unknown.code == 2 and "No business" in unknown.err
    stranger = ledgerd("migrate", "compare", books.business_id, str(good), "--user", "nobody@example.com")
    assert stranger.code == 2 and "not a member" in stranger.err
    assert ledgerd("migrate", "compare", books.business_id, str(tmp_path / "missing.jsonl")).code == 2
    assert _state(books) == before


def test_answers_are_compared_record_by_legacy_id_ignoring_ids_and_timestamps() -> None:
    old = {"$total": 2, "$items": [{"legacy_id": 1, "id": "a" * 32, "name": "A", "updated_at": "x"},
                                   {"legacy_id": 2, "id": "b" * 32, "name": "B"}]}
    new = {"$total": 2, "$items": [{"legacy_id": 2, "id": "c" * 32, "name": "B"},
                                   {"legacy_id": 1, "id": "d" * 32, "name": "A2", "updated_at": "y"}]}
    assert compare.diff(old, new) == [compare.Difference("$items[legacy_id=1].name", "A", "A2")]
    assert compare.diff({"a": 1}, {"b": 1}) == [compare.Difference("a", 1, compare.ABSENT),
                                                compare.Difference("b", compare.ABSENT, 1)]


def test_the_clones_and_the_app_go_also_when_the_replay_fails(books: Books, ledgerd: Ledgerd, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    before = _state(books)

    def broken(self: compare.Replay, recorded: compare.Recorded) -> compare.Outcome:
        raise RuntimeError("the replay broke")

    monkeypatch.setattr(compare.Replay, "replay", broken)
    with pytest.raises(RuntimeError, match="the replay broke"):
        ledgerd("migrate", "compare", books.business_id,
                str(_write(tmp_path, [{"api": "v3", "method": "GET", "path": f"{V3}/contacts"}])))
    assert _state(books) == before


def test_the_verb_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["migrate", "compare", "--help"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("usage: ledgerd migrate compare")
