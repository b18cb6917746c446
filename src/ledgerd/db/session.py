"""`LedgerdSession`: ledgerd's own session class, and the one way its listeners are installed.

Nothing listens on SQLAlchemy's `Session` class, and no module installs a listener when it is imported: each
module that needs one declares it in a `LISTENERS` tuple of `(event name, function)`, and the runtime's builder
(`app.install_listeners`, called by `app.build_runtime`) installs them all, in one visible order, on this class.
The engine's sessionmaker makes sessions of this class (`db/engine.make_sessionmaker`); a plain `Session`
(a bulk loader's, a migration's) has no listeners at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

Listener = tuple[str, Callable[..., Any]]


class LedgerdSession(Session):
    """A unit of work's session: tenancy, timestamps and legacy ids, kept rows and the cascades of deletes are
    the listeners `install_listeners` put on this class."""


def install_listeners(*groups: Iterable[Listener]) -> None:
    """Install each group's listeners on `LedgerdSession`, in the order given (listeners of one event run in
    that order). One already installed is left alone, so building several runtimes in a process installs each
    listener once."""
    for group in groups:
        for name, listener in group:
            if not event.contains(LedgerdSession, name, listener):
                event.listen(LedgerdSession, name, listener)
