"""`/ledgerd/v1/admin/journal`: the request journal over HTTP (sandbox/journal.py, docs/sandbox.md).

`GET /admin/journal` lists entries newest first in Sage's list envelope, filtered by `app` (a client id),
`business`, `status` (`404` or `4xx`) and `request_id`; `GET /admin/journal/{id}` is one entry with its headers and
bodies, by entry id or by the `X-Request-Id` its answer carried. Both first write this process's queued entries,
so a request answered a moment ago by this process is there. These reads are not themselves journalled.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy.orm import Session

from ledgerd.api.admin.route import admin_route
from ledgerd.api.listing import PAGING, Page, envelope
from ledgerd.api.params import Param
from ledgerd.api.pipeline import Call, Result
from ledgerd.db.engine import unit_of_work
from ledgerd.http.errors import InvalidParameter
from ledgerd.sandbox import journal

PATH = "/journal"


def _filters(query: Mapping[str, str]) -> journal.Filters:
    status = None
    if raw := query.get("status"):
        try:
            status = journal.status_range(raw)
        except ValueError as exc:
            raise InvalidParameter(f"status: {exc}.", "status") from None
    return journal.Filters(client_id=query.get("app") or None, business_id=query.get("business") or None,
                           status=status, request_id=query.get("request_id") or None)


@contextmanager
def _reading(call: Call) -> Iterator[Session]:
    """A read of the journal after this process's queue is written: in a transaction of its own, begun after the
    write (the request's own began before it, with the administrator check, and SQLite reads from where a
    transaction began)."""
    if call.runtime.journal is not None:
        call.runtime.journal.flush()
    with unit_of_work(call.runtime.sessions, write=False) as db:
        yield db


def list_entries(call: Call) -> Result:
    filters = _filters(call.query)
    page = Page.from_query(call.query)
    with _reading(call) as db:
        items = [journal.summary(found) for found in journal.entries(db, filters, limit=page.per_page,
                                                                      offset=page.offset)]
        total = journal.count(db, filters)
    return Result(envelope("/admin" + PATH, call.query.multi_items(), page, total, items))


def show_entry(call: Call) -> Result:
    with _reading(call) as db:
        return Result(journal.detail(journal.entry(db, call.path_params["entry_id"])))


routes = [
    admin_route(PATH, list_entries, methods=["GET"],
                query=(*PAGING, Param("app", "text", "Only this app's calls (client id)."),
                       Param("business", "text", "Only calls to this business (id)."),
                       Param("status", "text", "Only answers with this status or class (`404`, `4xx`)."),
                       Param("request_id", "text", "The call with this X-Request-Id."))),
    admin_route(PATH + "/{entry_id}", show_entry, methods=["GET"]),
]
