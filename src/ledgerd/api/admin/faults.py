"""`/ledgerd/v1/admin/faults`: fault rules over HTTP (sandbox/faults.py; docs/sandbox.md, "Faults").

    GET    /ledgerd/v1/admin/faults                                     the rules, in the order they are tried
    POST   /ledgerd/v1/admin/faults {"fault": {"status": 503, "times": 3}}                 201, the new rule
    DELETE /ledgerd/v1/admin/faults                                    every rule: {"cleared": n}
    DELETE /ledgerd/v1/admin/faults/{id}                                one rule: 204 (404 if there is none)

The admin API itself is never subject to a rule, so rules can always be listed and cleared.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from ledgerd.api.admin.route import admin_route
from ledgerd.api.pipeline import Call, Result
from ledgerd.api.validation import Body
from ledgerd.errors import NotFound
from ledgerd.sandbox import faults


def _list(call: Call) -> Result:
    return Result({"faults": [faults.as_dict(rule) for rule in faults.rules(call.db)],
                   "presets": {name: preset.description for name, preset in faults.PRESETS.items()}})


def _add(call: Call, body: faults.FaultCreate) -> Result:
    return Result(faults.as_dict(faults.add(call.db, call.runtime.clock.now(), body)), status=201)


def _clear(call: Call) -> Result:
    return Result({"cleared": faults.clear(call.db, call.runtime.clock.now())})


def _remove(call: Call) -> Result:
    key = call.path_params["id"]
    if not key.isascii() or not key.isdigit() or len(key) > 10:
        raise NotFound(f"No fault rule has the id {key}.", "id")
    faults.clear(call.db, call.runtime.clock.now(), [int(key)])
    return Result(None, status=204)


routes: list[BaseRoute] = [
    admin_route("/faults", _list, methods=["GET"]),
    admin_route("/faults", _add, methods=["POST"], body=Body("fault", faults.FaultCreate)),
    admin_route("/faults", _clear, methods=["DELETE"]),
    admin_route("/faults/{id}", _remove, methods=["DELETE"]),
]
