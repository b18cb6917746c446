"""A per-business settings singleton served as GET and PUT: one spec, the two handlers every such endpoint
shares (read the document, or validate the body, store the changes and answer the document again)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from starlette.routing import BaseRoute

from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.api.validation import parse_body
from ledgerd.settings import service
from ledgerd.tenancy.service import select_business

B = TypeVar("B", bound=BaseModel)


def given(body: BaseModel, nullable: Collection[str] = ()) -> dict[str, Any]:
    """The fields a PUT body sets: null clears the `nullable` ones and leaves the others unchanged."""
    return {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k in nullable}


@dataclass(frozen=True)
class Singleton(Generic[B]):
    path: str
    wrapper: str
    # The BusinessSettings column holding it.
    document: str
    body: type[B]
    wire: Callable[[Call], dict[str, Any]]
    # The validated body → what to store (raises Invalid naming the field).
    changes: Callable[[Call, B], dict[str, Any]]

    def get(self, call: Call) -> Result:
        assert call.business is not None
        return Result(self.wire(call), business_id=call.business.id)

    def put(self, call: Call) -> Result:
        assert call.business is not None
        service.row(call.db, lock=True)
        changes = self.changes(call, parse_body(call.body, self.wrapper, self.body))
        service.save_document(call.db, call.runtime.clock.now(), self.document, changes)
        return Result(self.wire(call), business_id=call.business.id)

    @property
    def routes(self) -> list[BaseRoute]:
        return [api_route(self.path, self.get, methods=["GET"], business=True, select_business=select_business),
                api_route(self.path, self.put, methods=["PUT"], business=True, select_business=select_business)]
