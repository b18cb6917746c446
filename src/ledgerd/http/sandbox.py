"""The sandbox's step in every request: follow the deployment's shared setting, and answer a call a fault rule
takes (ledgerd.sandbox.shared, ledgerd.sandbox.faults).

`follow` runs first thing on the request's thread, on every surface that reads the time (the API pipeline, the
OAuth endpoints, the pages): one prebuilt query; a newer setting is taken before anything reads the clock. The API
pipeline and the OAuth endpoints then ask `faults.fire` (never for the admin API, so faults can always be cleared).
A rule's added latency is waited out on the event loop (`suffer`), never on a request thread (SQLite's writes have
only one); its error is raised as Sage's error array by the API (`api_error`) and as RFC 6749's by /token; a
dropped connection is `ConnectionDropped`, which `DropConnections` turns into a closed connection.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from ledgerd.errors import Problem
from ledgerd.http.errors import ApiError
from ledgerd.runtime import Runtime
from ledgerd.sandbox.faults import Call, Fired

log = logging.getLogger("ledgerd.sandbox")


def follow(runtime: Runtime) -> int:
    """Take the shared setting if it changed (the clock above all); the version read."""
    return runtime.sandbox.follow(runtime.engine, runtime.clock)


class Faulted(Exception):
    """A fault rule fired for this call (raised on the request thread, handled by `suffer` on the event loop)."""

    def __init__(self, fired: Fired) -> None:
        super().__init__(f"fault rule {fired.rule_id}")
        self.fired = fired


class ConnectionDropped(Exception):
    """The call is to go unanswered: its connection is closed (`DropConnections`)."""


def check(runtime: Runtime, version: int, call: Call) -> None:
    """Raise `Faulted` when a rule fires for `call`."""
    fired = runtime.faults.fire(runtime.engine, version, call)
    if fired is not None:
        log.info("fault rule %d fired for %s %s", fired.rule_id, call.method, call.path)
        raise Faulted(fired)


async def suffer(fired: Fired) -> None:
    """Wait out the rule's latency, then drop the connection (`ConnectionDropped`); returns when the call is to
    get the rule's error, or proceed."""
    if fired.latency:
        await asyncio.sleep(fired.latency)
    if fired.drop:
        raise ConnectionDropped()


class FaultError(ApiError):
    """A fault rule's error, in Sage's error array."""


def api_error(fired: Fired) -> ApiError:
    """The rule's answer as the API gives it: Sage's error array with the status, `Retry-After` when set, and on
    a 401 the `WWW-Authenticate` the API sends with every 401 (http/errors.Unauthorized)."""
    assert fired.status is not None and fired.code is not None
    headers = {}
    if fired.retry_after is not None:
        headers["Retry-After"] = str(fired.retry_after)
    message = fired.message or ""
    if fired.status == 401:
        description = message.replace('"', "'")
        headers["WWW-Authenticate"] = \
            f'Bearer realm="ledgerd", error="invalid_token", error_description="{description}"'
    error = FaultError(problems=[Problem(fired.code, message)], headers=headers)
    error.status = fired.status
    return error


class DropConnections:
    """Outermost middleware: a call that raised `ConnectionDropped` has its connection closed without an answer.

    ASGI has no message for this; under uvicorn (what `ledgerd serve` runs) the connection's transport is closed,
    found on the server's `receive` (the request cycle it is a method of). Under another server, or an in-process
    test client, the exception goes on: the server answers it its own way, a test client raises it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ConnectionDropped:
            cycle = getattr(receive, "__self__", None)
            transport = getattr(cycle, "transport", None)
            if transport is None:
                raise
            transport.close()
            # The server notices the closed connection on a later turn of the loop; until it has, it would take
            # the unanswered call for an application error and answer it 500.
            for _ in range(100):
                if getattr(cycle, "disconnected", True):
                    break
                await asyncio.sleep(0)
