"""`/ledgerd/v1/admin/clock`: the deployment's clock over HTTP (sandbox/clock.py; docs/sandbox.md, "Clock").

    GET  /ledgerd/v1/admin/clock                                          what it shows and how it is set
    POST /ledgerd/v1/admin/clock {"clock": {"action": "freeze", "at": "2024-06-15T12:00:00Z"}}   (`at` optional)
    POST /ledgerd/v1/admin/clock {"clock": {"action": "advance", "by": "32d"}}
    POST /ledgerd/v1/admin/clock {"clock": {"action": "resume"}}                      (`"here": true` optional)
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from ledgerd.api.admin.route import admin_route
from ledgerd.api.pipeline import Call, Result
from ledgerd.api.validation import Body
from ledgerd.sandbox import clock


def _show(call: Call) -> Result:
    return Result(clock.show(call.db).as_dict())


def _change(call: Call, body: clock.ClockChange) -> Result:
    return Result(clock.change(call.db, body).as_dict())


routes: list[BaseRoute] = [
    admin_route("/clock", _show, methods=["GET"]),
    admin_route("/clock", _change, methods=["POST"], body=Body("clock", clock.ClockChange)),
]
