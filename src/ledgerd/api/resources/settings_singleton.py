"""A per-business settings singleton served as GET and PUT: one spec, the two handlers every such endpoint
shares (read the document, or validate the body, store the changes and answer the document again). The rules
of each PUT are in settings/updates.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.api.validation import Body
from ledgerd.settings import service

B = TypeVar("B", bound=BaseModel)


@dataclass(frozen=True)
class Singleton(Generic[B]):
    path: str
    wrapper: str
    # The BusinessSettings column holding it.
    document: str
    body: type[B]
    wire: Callable[[BusinessCall], dict[str, Any]]
    # (session, country, now, validated body) → what to store (raises Invalid naming the field).
    changes: Callable[[Session, str, datetime, B], dict[str, Any]]
    # What else follows once the changes are stored, if anything.
    saved: Callable[[Session, str, datetime, dict[str, Any]], None] | None = None

    def get(self, call: BusinessCall) -> Result:
        return Result(self.wire(call), business_id=call.business.id)

    def put(self, call: BusinessCall, body: B) -> Result:
        db, country, now = call.db, call.business.country_id, call.runtime.clock.now()
        service.row(db, lock=True)
        changes = self.changes(db, country, now, body)
        service.save_document(db, now, self.document, changes)
        if self.saved is not None:
            self.saved(db, country, now, changes)
        return Result(self.wire(call), business_id=call.business.id)

    @property
    def routes(self) -> list[BaseRoute]:
        return [business_route(self.path, self.get, methods=["GET"]),
                business_route(self.path, self.put, methods=["PUT"], body=Body(self.wrapper, self.body))]
