"""ledgerd's own OpenAPI document (api/openapi.py), made from a route table of its own."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import Mount

from ledgerd.api import openapi
from ledgerd.api.pipeline import Call, Result, api_route
from ledgerd.api.validation import Body


def test_new_routes_are_picked_up_with_their_body() -> None:
    class GadgetCreate(BaseModel):
        name: str

    def create_gadget(call: Call, body: GadgetCreate) -> Result:
        return Result(body.model_dump(), 201)

    route = api_route("/gadgets", create_gadget, methods=["POST"], body=Body("gadget", GadgetCreate))
    made = openapi.document(Starlette(routes=[Mount("/v3.1", routes=[route])]).routes)
    operation = made["paths"]["/gadgets"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"] == {"gadget": {"$ref": "#/components/schemas/GadgetCreate"}}
    assert made["components"]["schemas"]["GadgetCreate"]["required"] == ["name"]
    assert {p["name"] for p in operation["parameters"]} == {"show_legacy_id"}
