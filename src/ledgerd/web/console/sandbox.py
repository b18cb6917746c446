"""The sandbox controls as console pages, for ledgerd administrators: snapshots and restore, reset, the clock,
fault rules and the request journal, on the services the CLI and the admin API use (ledgerd.sandbox). Every
change is a form POST carrying the CSRF token, answered with a redirect back (post/redirect/get).
"""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from ledgerd.db.engine import unit_of_work
from ledgerd.errors import Invalid
from ledgerd.sandbox import clock, faults, inventory, journal, state
from ledgerd.web.console.frame import Paged, View, window

HOME = "/console/sandbox"


def _back(message: str, path: str = HOME) -> Response:
    return RedirectResponse(f"{path}?{urlencode({'done': message})}", status_code=303)


def home(view: View) -> Response:
    listed = inventory.businesses(view.db, limit=100)
    chosen = view.query.get("business") or (listed.items[0].id if listed.items else "")
    snapshots = state.list_snapshots(view.db, chosen) if chosen else []
    return view.render("console_sandbox.html", title="Sandbox controls", clock=clock.show(view.db),
                       rules=[(rule.id, faults.describe(rule)) for rule in faults.rules(view.db)],
                       presets=sorted(faults.PRESETS), listed=listed.items, chosen=chosen, snapshots=snapshots,
                       done=view.query.get("done"))


def _business(view: View) -> str:
    business_id = view.field("business")
    if not business_id:
        raise Invalid("Choose a business.", "business")
    return business_id


def snapshot(view: View) -> Response:
    business_id = _business(view)
    info = state.take_snapshot(view.db, view.runtime.clock, business_id, view.field("name"))
    return RedirectResponse(f"{HOME}?{urlencode({'business': business_id, 'done': f'Snapshot {info.name} taken.'})}",
                            status_code=303)


def restore(view: View) -> Response:
    business_id = _business(view)
    info = state.restore_snapshot(view.db, business_id, view.field("name"))
    return RedirectResponse(f"{HOME}?{urlencode({'business': business_id, 'done': f'Restored {info.name}.'})}",
                            status_code=303)


def reset(view: View) -> Response:
    business = state.reset_business(view.db, view.runtime.clock, _business(view))
    return _back(f"{business.name} reset to the books a new business starts with.")


def clock_change(view: View) -> Response:
    action = view.field("action")
    raw = {"action": action}
    if action == "freeze" and view.field("at").strip():
        raw["at"] = view.field("at").strip()
    if action == "advance":
        raw["by"] = view.field("by").strip()
    try:
        body = clock.ClockChange.model_validate(raw)
    except ValidationError as exc:
        raise Invalid(f"The clock change is not valid: {exc.errors()[0]['msg']}.", "clock") from None
    return _back(f"Clock: {clock.change(view.db, body).text()}")


def fault_add(view: View) -> Response:
    raw = {k: view.field(k).strip() for k in ("preset", "status", "method", "path", "times", "latency_ms")}
    spec = {k: v for k, v in raw.items() if v}
    try:
        body = faults.FaultCreate.model_validate(spec)
    except ValidationError as exc:
        raise Invalid(f"The fault rule is not valid: {exc.errors()[0]['msg']}.", "fault") from None
    rule = faults.add(view.db, view.runtime.clock.now(), body)
    return _back(f"Fault rule {rule.id} added.")


def fault_clear(view: View) -> Response:
    key = view.field("id")
    ids = [int(key)] if key.isascii() and key.isdigit() and len(key) < 10 else None
    cleared = faults.clear(view.db, view.runtime.clock.now(), ids)
    return _back(f"{cleared} fault rule{'s' if cleared != 1 else ''} cleared.")


def _filters(view: View) -> journal.Filters:
    status = None
    if raw := view.query.get("status", "").strip():
        try:
            status = journal.status_range(raw)
        except ValueError as exc:
            raise Invalid(f"status: {exc}.", "status") from None
    return journal.Filters(client_id=view.query.get("app") or None, business_id=view.query.get("business") or None,
                           status=status, request_id=view.query.get("request_id") or None)


def journal_list(view: View) -> Response:
    filters = _filters(view)
    if view.runtime.journal is not None:
        view.runtime.journal.flush()
    number = view.page_number()
    offset, limit = window(number)
    # A transaction begun after the flush, so this process's latest entries are in it (api/admin/journal.py).
    with unit_of_work(view.runtime.sessions, write=False) as db:
        paged = Paged.of([journal.summary(e) for e in journal.entries(db, filters, limit=limit, offset=offset)],
                         number)
    query = {k: view.query.get(k, "") for k in ("app", "business", "status", "request_id")}
    kept = {k: v for k, v in query.items() if v}
    pages = {"previous": f"{HOME}/journal?{urlencode({**kept, 'page': number - 1})}" if number > 1 else None,
             "next": f"{HOME}/journal?{urlencode({**kept, 'page': number + 1})}" if paged.more else None}
    return view.render("console_journal.html", title="Request journal", rows=paged.rows, filters=query, pages=pages,
                       enabled=view.runtime.journal is not None)


def journal_entry(view: View) -> Response:
    if view.runtime.journal is not None:
        view.runtime.journal.flush()
    with unit_of_work(view.runtime.sessions, write=False) as db:
        found = journal.detail(journal.entry(db, view.request.path_params["entry_id"]))
    return view.render("console_journal_entry.html", title=f"Request {found.get('id', '')}", entry=found)
