"""Declared request bodies: a resource spec names its write bodies, a route its own; the OpenAPI document reads
those declarations (api/resource.py, api/pipeline.py, api/openapi.py)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import Mount

from ledgerd.api import openapi
from ledgerd.api.pipeline import BusinessCall, Result, business_route
from ledgerd.api.resource import Resource
from ledgerd.api.validation import Body
from ledgerd.tenancy.models import Business


class WidgetCreate(BaseModel):
    name: str


def _spec(**writes: Any) -> Resource[Business]:
    return Resource(path="widgets", wrapper="widget", model=Business, present=lambda call, objs: [],
                    displayed_as=lambda obj: "", **writes)


def test_a_write_needs_its_body_model_and_a_body_model_its_write() -> None:
    with pytest.raises(ValueError, match="/widgets"):
        _spec(create=lambda call, body: None)
    with pytest.raises(ValueError, match="/widgets"):
        _spec(update_body=WidgetCreate)
    spec = _spec(create=lambda call, body: None, create_body=WidgetCreate)
    assert spec.body("create") == Body("widget", WidgetCreate)
    assert spec.body("update") is None and spec.body("list") is None


def test_the_document_describes_a_routes_declared_body() -> None:
    def tick(call: BusinessCall, body: WidgetCreate) -> Result:
        return Result(None, 204)

    def untick(call: BusinessCall) -> Result:
        return Result(None, 204)

    routes = [business_route("/widgets/{key}/tick", tick, methods=["POST"], body=Body("widget", WidgetCreate)),
              business_route("/widgets/{key}/untick", untick, methods=["POST"])]
    made = openapi.document(Starlette(routes=[Mount("/v3.1", routes=routes)]).routes)
    body = made["paths"]["/widgets/{key}/tick"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {
        "type": "object", "required": ["widget"],
        "properties": {"widget": {"$ref": "#/components/schemas/WidgetCreate"}}}
    assert made["components"]["schemas"]["WidgetCreate"]["required"] == ["name"]
    assert "requestBody" not in made["paths"]["/widgets/{key}/untick"]["post"]
