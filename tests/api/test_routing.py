"""SegmentRouter over ledgerd's own route table (the router against Starlette's is tested in tests/unit)."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_ledgerd_api_table_is_routed_by_segment(client: TestClient) -> None:
    # The real table: an unknown path is a Sage 404 and a known path with a wrong method names every
    # method of that path (from the whole table, not one group).
    missing = client.get("/v3.1/no_such_resource")
    assert missing.status_code == 404
    assert missing.json()[0]["$dataCode"] == "RouteNotFound"
    wrong = client.patch("/v3.1/contacts")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD, POST"
