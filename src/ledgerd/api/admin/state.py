"""`/ledgerd/v1/admin/businesses/…`: a business's state over HTTP (snapshots, restore, reset, clone, export,
import, delete), the HTTP face of `ledgerd.sandbox.state` (docs/sandbox.md, "Business state")."""

from __future__ import annotations

from typing import Any

from ledgerd.api.admin.route import admin_route
from ledgerd.api.params import Param, boolean
from ledgerd.api.pipeline import Call, Result
from ledgerd.errors import Invalid, NotFound
from ledgerd.sandbox import state
from ledgerd.tenancy.models import Business
from ledgerd.tenancy.service import find_user

# An import carries a whole business's books: far more than an API body (LEDGERD_MAX_BODY_BYTES).
IMPORT_BODY_LIMIT = 256 * 1024 * 1024


def _field(call: Call, name: str) -> Any:
    """`name` of a JSON object body (`{"name": "before-test"}`)."""
    if not isinstance(call.body, dict) or name not in call.body:
        raise Invalid(f"The body must be a JSON object with {name!r}.", name)
    return call.body[name]


def business_view(business: Business) -> dict[str, Any]:
    return {"id": business.id, "name": business.name, "country_id": business.country_id,
            "legacy_id": business.legacy_id}


def _snapshot(call: Call) -> Result:
    info = state.take_snapshot(call.db, call.runtime.clock, call.path_params["business_id"], _field(call, "name"))
    return Result(info.to_dict(), status=201)


def _snapshots(call: Call) -> Result:
    items = [info.to_dict() for info in state.list_snapshots(call.db, call.path_params["business_id"])]
    return Result({"$total": len(items), "$items": items})


def _restore(call: Call) -> Result:
    info = state.restore_snapshot(call.db, call.path_params["business_id"], call.path_params["name"])
    return Result(info.to_dict())


def _delete_snapshot(call: Call) -> Result:
    state.delete_snapshot(call.db, call.path_params["business_id"], call.path_params["name"])
    return Result(None, status=204)


def _reset(call: Call) -> Result:
    return Result(business_view(state.reset_business(call.db, call.runtime.clock, call.path_params["business_id"])))


def _clone(call: Call) -> Result:
    business = state.clone_business(call.db, call.runtime.clock, call.path_params["business_id"],
                                    _field(call, "name"))
    return Result(business_view(business), status=201)


def _export(call: Call) -> Result:
    return Result(state.export_books(call.db, call.path_params["business_id"]))


def _import(call: Call) -> Result:
    email = call.query.get("owner")
    if not email:
        raise Invalid("Name the owner of the imported business: ?owner=EMAIL.", "owner")
    owner = find_user(call.db, email)
    if owner is None:
        raise NotFound(f"No user with e-mail {email}.", "owner")
    new_ids = boolean("new_ids", call.query["new_ids"]) if "new_ids" in call.query else False
    business = state.import_books(call.db, call.runtime.clock, call.body, owner=owner, new_ids=new_ids)
    return Result(business_view(business), status=201)


def _delete(call: Call) -> Result:
    state.delete_business(call.db, call.path_params["business_id"])
    return Result(None, status=204)


routes = [
    admin_route("/businesses/import", _import, methods=["POST"], body_limit=IMPORT_BODY_LIMIT,
                query=(Param("owner", "text", "E-mail of the user who owns the imported business (required)."),
                       Param("new_ids", "boolean", "Give every record a new id (default: keep the document's)."))),
    admin_route("/businesses/{business_id}", _delete, methods=["DELETE"]),
    admin_route("/businesses/{business_id}/snapshots", _snapshots, methods=["GET"]),
    admin_route("/businesses/{business_id}/snapshots", _snapshot, methods=["POST"]),
    admin_route("/businesses/{business_id}/snapshots/{name}/restore", _restore, methods=["POST"]),
    admin_route("/businesses/{business_id}/snapshots/{name}", _delete_snapshot, methods=["DELETE"]),
    admin_route("/businesses/{business_id}/reset", _reset, methods=["POST"]),
    admin_route("/businesses/{business_id}/clone", _clone, methods=["POST"]),
    admin_route("/businesses/{business_id}/export", _export, methods=["GET"]),
]
