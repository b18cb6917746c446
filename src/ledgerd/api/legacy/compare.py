"""`ledgerd migrate compare`: recorded calls of the old APIs replayed against their v3.1 equivalents, the answers
compared field by field (docs/migration-kit.md, docs/decisions/migration-kit.md).

Never on the business itself: it is cloned twice (sandbox/state.clone_business; a clone keeps every record's
legacy id). Each recorded call goes through the old API on clone A, as a client would send it (v3: subscription
key, `X-Site`, a v3 token; v2: a v2 token, `X-Signature` over the call with the app's signing secret, a fresh
`X-Nonce`), and its v3.1 equivalent on clone B with a v3.1 token, both in-process through the whole application.
The map from an old call to its v3.1 one is the adapters' own: v3 paths lose `/{region}/sageone/accounts/v3`
(the core endpoints follow auth-and-legacy §6.6); a v2 path, its query and its form go through v2_resources'
tables and v2.v31_body, as the v2 adapter forwards them. The clones and the throwaway app are deleted at the end,
whatever happened.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
from sqlalchemy import select
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from ledgerd.api.legacy import forms, signing, v2, v3
from ledgerd.api.legacy import v2_summaries as summaries
from ledgerd.api.legacy import v2_translation as translate
from ledgerd.api.legacy.v2_resources import BY_PATH, Resource, Table
from ledgerd.api.listing import MAX_PER_PAGE
from ledgerd.auth import apps, legacy
from ledgerd.auth.models import App
from ledgerd.auth.server import issue_without_consent
from ledgerd.db.base import Base
from ledgerd.db.engine import unit_of_work
from ledgerd.db.records import Record
from ledgerd.db.tenancy import bind_business
from ledgerd.errors import Invalid, NotFound
from ledgerd.runtime import Runtime
from ledgerd.sandbox import state
from ledgerd.tenancy.models import Business, Membership, Role, User
from ledgerd.tenancy.service import find_user

APIS = ("v2", "v3")
METHODS = ("GET", "POST", "PUT", "DELETE")
V3_PATH = re.compile(r"^/(?P<region>[a-z]+)/sageone/(?P<api>accounts|core)/v3(?P<rest>/[^?]*)$")
V3_CORE = {"business": "/businesses/{business}", "business_relationships": "/businesses", "user": "/user"}
V2_CORE = {"business": "/businesses/{business}", "business_relationships": "/businesses", "user": "/user"}
# What necessarily differs between two copies of one business and two dialects: record ids (matched by legacy id
# instead), v2's `$key` (the id again), paths holding ids, and when a record was stamped.
IGNORED = frozenset({"id", "$key", "$path", "$next", "$back", "created_at", "updated_at"})
# Words of the dialects, not behaviour: v2's `ValidationError` and APIM's `$severity` for v3.1's codes.
IGNORED_IN_V2_PROBLEMS = frozenset({"$dataCode", "$severity"})
_HEX_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
BASE = "http://testserver"
TOKEN_CALLS = 200  # tokens issued again after this many calls (access tokens live 60 minutes)


class Absent:
    """A field one answer has and the other does not."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT = Absent()


@dataclass(frozen=True)
class Recorded:
    """One recorded call of an old API: its line in the file, API, method, path with query, and body (v2: the
    form string; v3: the JSON value)."""

    line: int
    api: str
    method: str
    path: str
    body: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "api": self.api, "method": self.method, "path": self.path}


@dataclass(frozen=True)
class Difference:
    path: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        for side, value in (("old", self.old), ("new", self.new)):
            if value is ABSENT:
                out[f"{side}_absent"] = True
            else:
                out[side] = value
        return out


@dataclass
class Outcome:
    """A recorded call, its v3.1 equivalent (None: there is none), both statuses and what differs."""

    recorded: Recorded
    v31: tuple[str, str] | None
    old_status: int
    new_status: int | None
    differences: list[Difference] = field(default_factory=list)
    note: str = ""

    @property
    def same(self) -> bool:
        return self.v31 is not None and not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {**self.recorded.to_dict(),
                "v31": None if self.v31 is None else {"method": self.v31[0], "path": self.v31[1]},
                "old_status": self.old_status, "new_status": self.new_status, "same": self.same,
                "differences": [d.to_dict() for d in self.differences], **({"note": self.note} if self.note else {})}


@dataclass
class Report:
    business_id: str
    outcomes: list[Outcome]

    @property
    def summary(self) -> dict[str, int]:
        return {"requests": len(self.outcomes), "same": sum(o.same for o in self.outcomes),
                "different": sum(bool(o.differences) for o in self.outcomes),
                "without_equivalent": sum(o.v31 is None for o in self.outcomes),
                "fields": sum(len(o.differences) for o in self.outcomes)}

    @property
    def differs(self) -> bool:
        return any(not outcome.same for outcome in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {"business": self.business_id, "requests": [o.to_dict() for o in self.outcomes],
                "summary": self.summary}

    def text(self) -> str:
        lines = []
        for o in self.outcomes:
            r = o.recorded
            target = "no v3.1 equivalent" if o.v31 is None else f"{o.v31[0]} /v3.1{o.v31[1]}"
            verdict = "same" if o.same else "differs" if o.v31 is not None else "not compared"
            lines.append(f"line {r.line}: {r.api} {r.method} {r.path} -> {target}: {o.old_status} / "
                         f"{'-' if o.new_status is None else o.new_status}, {verdict}")
            if o.note:
                lines.append(f"    {o.note}")
            for d in o.differences:
                lines.append(f"    {d.path}: {_shown(d.old)} -> {_shown(d.new)}")
        s = self.summary
        lines.append(f"{s['requests']} requests: {s['same']} the same, {s['different']} different "
                     f"({s['fields']} fields), {s['without_equivalent']} without a v3.1 equivalent")
        return "\n".join(lines)


def _shown(value: Any) -> str:
    return "(absent)" if value is ABSENT else orjson.dumps(value).decode()


# --- the recorded file ----------------------------------------------------------------------------------------

def read(lines: Iterable[str]) -> list[Recorded]:
    """The recorded calls of a JSON-lines file (blank lines skipped); 422 naming the line of the first mistake."""
    found = []
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        where = f"line {number}"
        try:
            item = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise Invalid(f"{where} is not JSON.", where) from None
        if not isinstance(item, dict):
            raise Invalid(f"{where} must be a JSON object with api, method, path and body.", where)
        unknown = sorted(set(item) - {"api", "method", "path", "body"})
        if unknown:
            raise Invalid(f"{where} has unknown keys {', '.join(unknown)} (credentials never belong in the "
                          "file: they are minted for the replay).", where)
        api, method, path, body = item.get("api"), item.get("method"), item.get("path"), item.get("body")
        if api not in APIS:
            raise Invalid(f"{where}: api must be one of {', '.join(APIS)}.", where)
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise Invalid(f"{where}: method must be one of {', '.join(METHODS)}.", where)
        if not isinstance(path, str) or not path.startswith("/"):
            raise Invalid(f"{where}: path must be the called path with its query, starting with /.", where)
        bare = path.split("?", 1)[0]
        matched = V3_PATH.match(bare)
        if api == "v3" and (matched is None or matched["region"] not in v3.REGIONS):
            raise Invalid(f"{where}: a v3 path is /{{region}}/sageone/accounts/v3/… or …/core/v3/….", where)
        if api == "v2" and not bare.startswith(v2.PATHS):
            raise Invalid(f"{where}: a v2 path starts with {v2.ACCOUNTS}/ or {v2.CORE}/.", where)
        if api == "v2" and body is not None and not isinstance(body, str):
            raise Invalid(f"{where}: a v2 body is the form string (name[field]=value&…).", where)
        if api == "v3" and isinstance(body, str):
            try:
                body = orjson.loads(body) if body.strip() else None
            except orjson.JSONDecodeError:
                raise Invalid(f"{where}: a v3 body is JSON.", where) from None
        found.append(Recorded(number, api, method.upper(), path, body))
    return found


# --- comparing answers ----------------------------------------------------------------------------------------

def _match_key(item: Any, v2_dialect: bool) -> Any:
    if not isinstance(item, dict):
        return None
    if item.get("legacy_id") is not None:
        return ("legacy_id", item["legacy_id"])
    if v2_dialect and isinstance(item.get("id"), int) and not isinstance(item.get("id"), bool):
        return ("id", item["id"])
    return None


def diff(old: Any, new: Any, path: str = "", *, v2_dialect: bool = False,
         ignored: frozenset[str] = IGNORED) -> list[Difference]:
    """Where two answers differ: objects key by key (IGNORED keys left out), lists of records matched by legacy
    id (v2: by its integer id, the legacy id), other lists item by item, values by equality."""
    out: list[Difference] = []
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            if key in ignored:
                continue
            here = f"{path}.{key}" if path else key
            out += diff(old.get(key, ABSENT), new.get(key, ABSENT), here, v2_dialect=v2_dialect, ignored=ignored)
        return out
    if isinstance(old, list) and isinstance(new, list):
        old_keys = [_match_key(item, v2_dialect) for item in old]
        new_keys = [_match_key(item, v2_dialect) for item in new]
        if old and new and None not in old_keys and None not in new_keys:
            by_key = dict(zip(new_keys, new, strict=True))
            for key, item in zip(old_keys, old, strict=True):
                here = f"{path}[{key[0]}={key[1]}]"
                out += diff(item, by_key.pop(key, ABSENT), here, v2_dialect=v2_dialect, ignored=ignored)
            for key, item in by_key.items():
                out.append(Difference(f"{path}[{key[0]}={key[1]}]", ABSENT, _brief(item)))
            return out
        for index in range(max(len(old), len(new))):
            out += diff(old[index] if index < len(old) else ABSENT, new[index] if index < len(new) else ABSENT,
                        f"{path}[{index}]", v2_dialect=v2_dialect, ignored=ignored)
        return out
    if old is ABSENT and new is ABSENT:
        return out
    if old != new or type(old) is not type(new):
        out.append(Difference(path or "(body)", _brief(old), _brief(new)))
    return out


def _brief(value: Any) -> Any:
    """A record where the other answer has none (another record, an error, nothing) named by its legacy id and
    `displayed_as`, not written out whole."""
    if isinstance(value, dict) and ("legacy_id" in value or "displayed_as" in value):
        return {key: value[key] for key in ("legacy_id", "displayed_as") if key in value}
    return value


def _body(response: Any) -> Any:
    if not response.content:
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {"(not JSON)": response.headers.get("content-type", "")}


def as_v2(body: Any, status: int, table: Table, resource: Resource | None) -> Any:
    """A v3.1 answer in v2's words, through the v2 adapter's own translation (v2_translation): records with
    their fields renamed by the resource's table, lists in the SData envelope, error arrays as `$diagnoses` with
    sources in v2's form names."""
    if status >= 400:
        problems = body if isinstance(body, list) else []
        wrappers = (resource.v31_wrapper, resource.v2_wrapper) if resource else ("", "")
        return {"$diagnoses": [{**p, "$source": translate.source(table, *wrappers, str(p.get("$source", "")))}
                               for p in problems if isinstance(p, dict)]}
    if isinstance(body, dict) and "$items" in body:
        per = int(body.get("$itemsPerPage") or 0)
        return {"$totalResults": body.get("$total"), "$startIndex": (int(body.get("$page") or 1) - 1) * per,
                "$itemsPerPage": per,
                "$resources": [translate.resource(table, item) for item in body["$items"] if isinstance(item, dict)]}
    if isinstance(body, dict):
        return translate.resource(table, body)
    return body


# --- the replay -----------------------------------------------------------------------------------------------

@dataclass
class Side:
    """One clone and the credentials calling it."""

    business: Business
    v3_token: str = ""
    v2_token: str = ""
    v31_token: str = ""


@dataclass
class Replay:
    runtime: Runtime
    client: TestClient
    user: User
    app: App
    keys: dict[str, str]
    signing_secret: str
    old: Side
    new: Side
    ids: dict[str, dict[str, str]] = field(default_factory=dict)  # original record id → clone's, per clone
    calls: int = 0

    # --- credentials ------------------------------------------------------------------------------------------

    def tokens(self) -> None:
        """Fresh tokens: v3 and v2 for clone A, v3.1 for clone B."""
        with unit_of_work(self.runtime.sessions, write=True) as db:
            app, user = db.get(App, self.app.id), db.get(User, self.user.id)
            assert app is not None and user is not None
            clock, a, b = self.runtime.clock, self.old.business, self.new.business
            for api in legacy.APIS:
                token = legacy.issue_without_consent(db, clock, app=app, user=user, api=api, scope="full_access",
                                                     country=a.country_id, business_id=a.id)["access_token"]
                setattr(self.old, f"{api}_token", token)
            self.new.v31_token = issue_without_consent(db, self.runtime.tokens, clock, app=app, user=user,
                                                       scope="full_access", country=b.country_id)["access_token"]

    def _counted(self) -> None:
        if self.calls % TOKEN_CALLS == 0:
            self.tokens()
        self.calls += 1

    # --- calls ------------------------------------------------------------------------------------------------

    def v31(self, method: str, path: str, query: list[tuple[str, str]], body: Any = None) -> Any:
        self._counted()
        headers = {"Authorization": f"Bearer {self.new.v31_token}", "X-Business": self.new.business.id,
                   "Accept": "application/json"}
        url = "/v3.1" + path + ("?" + urlencode(query) if query else "")
        if body is None:
            return self.client.request(method, url, headers=headers)
        return self.client.request(method, url, headers={**headers, "Content-Type": "application/json"},
                                   content=orjson.dumps(body))

    def v3(self, recorded: Recorded, path: str, query: list[tuple[str, str]], body: Any) -> Any:
        self._counted()
        headers = {"Authorization": f"Bearer {self.old.v3_token}", "Ocp-Apim-Subscription-Key": self.keys["primary"],
                   "X-Site": self.old.business.id, "Accept": "application/json"}
        url = path + ("?" + urlencode(query) if query else "")
        if body is None:
            return self.client.request(recorded.method, url, headers=headers)
        return self.client.request(recorded.method, url, headers={**headers, "Content-Type": "application/json"},
                                   content=orjson.dumps(body))

    def v2(self, recorded: Recorded, path: str, query: list[tuple[str, str]], form: list[tuple[str, str]]) -> Any:
        """The call signed as v2's signers did (api/legacy/signing.py), on the URL v2.py checks it against."""
        self._counted()
        nonce = secrets.token_hex(16)
        url = (self.runtime.settings.public_url or BASE) + path
        base = signing.base_string(recorded.method, url, [*query, *form], nonce)
        key = signing.signing_key(self.signing_secret, self.old.v2_token)
        headers = {"Authorization": f"Bearer {self.old.v2_token}", "X-Nonce": nonce,
                   "X-Signature": signing.signature(key, base), "Accept": "*/*",
                   "User-Agent": "ledgerd migrate compare"}
        target = path + ("?" + urlencode(query) if query else "")
        if not form:
            return self.client.request(recorded.method, target, headers=headers)
        return self.client.request(recorded.method, target, content=urlencode(form).encode(),
                                   headers={**headers, "Content-Type": v2.FORM})

    # --- one recorded call ------------------------------------------------------------------------------------

    def replay(self, recorded: Recorded) -> Outcome:
        return self._v3(recorded) if recorded.api == "v3" else self._v2(recorded)

    def _clone_ids(self, value: Any, clone: Side) -> Any:
        mapping = self.ids.get(clone.business.id, {})
        if isinstance(value, str):
            return _HEX_ID.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)
        if isinstance(value, list):
            return [self._clone_ids(item, clone) for item in value]
        if isinstance(value, dict):
            return {k: self._clone_ids(v, clone) for k, v in value.items()}
        return value

    def _v3(self, recorded: Recorded) -> Outcome:
        parts = urlsplit(recorded.path)
        found = V3_PATH.match(parts.path)
        assert found is not None
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k not in ("show_legacy_id", v3.SUBSCRIPTION_PARAM.decode())]
        query.append(("show_legacy_id", "true"))  # both sides, so records match by legacy id
        old_path, old_query = self._clone_ids(parts.path, self.old), self._clone_ids(query, self.old)
        answer = self.v3(recorded, old_path, old_query, self._clone_ids(recorded.body, self.old))
        rest = found["rest"]
        if found["api"] == "core":
            target = V3_CORE.get(rest.strip("/"))
            if target is None:
                return Outcome(recorded, None, answer.status_code, None,
                               note="auth-and-legacy §6.6 maps this core endpoint to nothing in v3.1")
            rest = target.format(business=self.new.business.id)
        elif rest.split("/")[1] == "unposted_transactions":
            return Outcome(recorded, None, answer.status_code, None,
                           note="/unposted_transactions is v3's only (docs/legacy-v3.md)")
        new_path, new_query = self._clone_ids(rest, self.new), self._clone_ids(query, self.new)
        result = self.v31(recorded.method, new_path, new_query, self._clone_ids(recorded.body, self.new))
        shown = new_path.replace(self.new.business.id, "{business}")
        asked = query[:-1]  # the recorded query, without the show_legacy_id both sides are given
        outcome = Outcome(recorded, (recorded.method, shown + (f"?{urlencode(asked)}" if asked else "")),
                          answer.status_code, result.status_code)
        if answer.status_code != result.status_code:
            outcome.differences.append(Difference("(status)", answer.status_code, result.status_code))
        outcome.differences += diff(_body(answer), _body(result))
        return outcome

    def _key(self, segment: str, legacy_id: int) -> str | None:
        """The v3.1 key, in clone B, of the record of `segment` with `legacy_id`."""
        if v2.stored(segment):
            return v2.stored_key(self.runtime, self.new.business.id, segment, legacy_id)
        page = 1
        while True:
            answer = self.v31("GET", f"/{segment}", [("show_legacy_id", "true"), ("page", str(page)),
                                                     ("items_per_page", str(MAX_PER_PAGE))])
            body = _body(answer) if answer.status_code == 200 else None
            items = body.get("$items", []) if isinstance(body, dict) else []
            for item in items:
                if isinstance(item, dict) and item.get("legacy_id") == legacy_id:
                    return str(item["id"])
            if not isinstance(body, dict) or page * MAX_PER_PAGE >= int(body.get("$total") or 0):
                return None
            page += 1

    def _v2_target(self, recorded: Recorded, rest: str, core: bool, query: list[tuple[str, str]],
                   form: dict[str, Any]) -> tuple[str, list[tuple[str, str]], Any, Resource | None] | str:
        """The v3.1 call of a v2 one (method as recorded): path, query, body and the v2 resource; or why there
        is none."""
        params = dict(query)
        passed = [(k, v) for k, v in query if not k.startswith("$") and k not in ("page", "items_per_page",
                                                                                  "attributes")]
        per = params.get("$itemsPerPage") or str(v2.DEFAULT_PER_PAGE)
        start = params.get("$startIndex") or "0"
        paging = [("attributes", "all"), ("items_per_page", per),
                  ("page", str(int(start) // max(int(per), 1) + 1) if start.isdigit() and per.isdigit() else "1")]
        if core:
            target = V2_CORE.get(rest)
            if target is None:
                return f"{v2.CORE}/{rest} has no v3.1 equivalent (auth-and-legacy §7.4)"
            path = target.format(business=self.new.business.id)
            wrapper = rest if rest in ("business", "user") else ""
            entity = Resource(rest, path.strip("/"), singular=wrapper, wrapper=wrapper, singleton=True)
            if rest == "business_relationships":
                return path, [*passed, *paging], None, None
            body = None
            if recorded.method == "PUT":
                body = {entity.v31_wrapper: v2.v31_body(entity, "PUT", form)}
            return path, [], body, entity
        if summaries.serves(rest):
            return f"{v2.ACCOUNTS}/{rest} has no v3.1 equivalent (auth-and-legacy §7.4: not supported yet)"
        name, _, key = rest.partition("/")
        resource = BY_PATH.get(name)
        if resource is None or "/" in key:
            return f"{v2.ACCOUNTS}/{rest} is not a path of API v2"
        path = f"/{resource.v31}"
        if key:
            found = self._key(resource.v31, int(key)) if key.isdigit() and len(key) < 12 else None
            path += f"/{found or key}"
        body = None
        if recorded.method in ("POST", "PUT"):
            inner = v2.v31_body(resource, recorded.method, form)
            for ref in translate.refs(inner):
                ref.holder[ref.key] = self._key(ref.segment, ref.legacy_id) or ref.holder[ref.key]
            body = {resource.v31_wrapper: inner}
        listing = recorded.method == "GET" and not key and not resource.singleton
        return path, [*resource.filters, *passed, *paging] if listing else [], body, resource

    def _v2(self, recorded: Recorded) -> Outcome:
        parts = urlsplit(recorded.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        pairs = parse_qsl(recorded.body or "", keep_blank_values=True)
        answer = self.v2(recorded, parts.path, query, pairs)
        core = parts.path.startswith(v2.CORE + "/")
        rest = parts.path[len(v2.CORE if core else v2.ACCOUNTS) + 1:].strip("/")
        try:
            target = self._v2_target(recorded, rest, core, query, forms.parse(pairs))
        except Invalid as exc:  # the form itself is wrong: v2 said so, v3.1 has no call to compare
            return Outcome(recorded, None, answer.status_code, None, note=f"the form has no v3.1 body: "
                                                                          f"{exc.problems[0].message}")
        if isinstance(target, str):
            return Outcome(recorded, None, answer.status_code, None, note=target)
        path, v31_query, body, resource = target
        result = self.v31(recorded.method, path, [*v31_query, ("show_legacy_id", "true")], body)
        shown = path.replace(self.new.business.id, "{business}")
        outcome = Outcome(recorded, (recorded.method, shown + (f"?{urlencode(v31_query)}" if v31_query else "")),
                          answer.status_code, result.status_code)
        if answer.status_code != result.status_code:
            outcome.differences.append(Difference("(status)", answer.status_code, result.status_code))
        table = resource.table if resource else Table()
        new = as_v2(_body(result), result.status_code, table, resource)
        old = _body(answer)
        ignored = IGNORED | IGNORED_IN_V2_PROBLEMS if answer.status_code >= 400 else IGNORED
        outcome.differences += diff(old, new, v2_dialect=True, ignored=ignored)
        return outcome


# --- setting up and tearing down ------------------------------------------------------------------------------

def _record_models() -> list[Any]:
    """Every mapped class of records with legacy ids, one per table."""
    found: dict[str, Any] = {}
    for mapper in Base.registry.mappers:
        model: Any = mapper.class_
        if issubclass(model, Record) and mapper.inherits is None:
            found.setdefault(model.__tablename__, model)
    return [found[name] for name in sorted(found)]


def _id_tokens(recorded: Iterable[Recorded]) -> set[str]:
    found: set[str] = set()
    for r in recorded:
        if r.api == "v3":
            found.update(_HEX_ID.findall(r.path + " " + orjson.dumps(r.body).decode()))
    return found


def clone_ids(runtime: Runtime, original: str, clone: str, tokens: set[str]) -> dict[str, str]:
    """Which record of the clone each record id of the original named in `tokens` is: the same legacy id in the
    same table (a clone keeps legacy ids; sandbox/state.py)."""
    mapping = {original: clone}
    wanted = sorted(tokens - {original})
    if not wanted:
        return mapping
    with unit_of_work(runtime.sessions, write=False) as db:
        for model in _record_models():
            bind_business(db, original)
            rows = db.execute(select(model.id, model.legacy_id).where(
                model.business_id == original, model.id.in_(wanted))).all()
            if not rows:
                continue
            legacy_ids = {legacy_id: old for old, legacy_id in rows}
            bind_business(db, clone)
            for new, legacy_id in db.execute(select(model.id, model.legacy_id).where(
                    model.business_id == clone, model.legacy_id.in_(list(legacy_ids)))):
                mapping[legacy_ids[legacy_id]] = new
        bind_business(db, None)
    return mapping


def _who(runtime: Runtime, business_id: str, email: str | None) -> tuple[Business, User, Membership]:
    with unit_of_work(runtime.sessions, write=False) as db:
        business = db.get(Business, business_id) if re.fullmatch(r"[0-9a-f]{32}", business_id or "") else None
        if business is None:
            raise NotFound(f"No business with id {business_id!r}.", "business")
        if email is None:
            membership = db.scalar(select(Membership).where(Membership.business_id == business.id,
                                                            Membership.role == Role.OWNER))
        else:
            found = find_user(db, email)
            membership = None if found is None else db.scalar(select(Membership).where(
                Membership.business_id == business.id, Membership.user_id == found.id))
        if membership is None:
            raise Invalid(f"{email or 'The owner'} is not a member of business {business.id}.", "user")
        user = db.get(User, membership.user_id)
        assert user is not None
        db.expunge_all()
        return business, user, membership


def _clone(runtime: Runtime, business: Business, member: Membership) -> Business:
    """A clone of the business; the replaying user a member of it as of the original (a clone has only the
    owner)."""
    with unit_of_work(runtime.sessions, write=True) as db:
        clone = state.clone_business(db, runtime.clock, business.id, business.name)
        if member.role is not Role.OWNER:
            bind_business(db, None)
            now = runtime.clock.now()
            db.add(Membership(user_id=member.user_id, business_id=clone.id, role=member.role,
                              area_roles=dict(member.area_roles or {}), created_at=now, updated_at=now))
            db.flush()
        db.expunge(clone)
        return clone


def _remove(runtime: Runtime, work: Callable[[Any], Any]) -> None:
    with unit_of_work(runtime.sessions, write=True) as db:
        work(db)


def compare(runtime: Runtime, asgi: ASGIApp, business_id: str, recorded: list[Recorded], *,
            user_email: str | None = None, progress: Callable[[int, int], None] | None = None) -> Report:
    """Replay `recorded` on two clones of the business (old APIs on one, v3.1 on the other) and compare; the
    clones and the replaying app are deleted before returning, also on failure."""
    business, user, member = _who(runtime, business_id, user_email)
    clones: list[Business] = []
    app: App | None = None
    try:
        for _ in range(2):
            clones.append(_clone(runtime, business, member))
        with unit_of_work(runtime.sessions, write=True) as db:
            owner = db.get(User, user.id)
            assert owner is not None
            app, _secret = apps.create_app(db, runtime.clock, owner=owner, name="ledgerd migrate compare",
                                           redirect_uris=["http://localhost/ledgerd-migrate-compare"])
            signing_secret = legacy.create_credentials(db, runtime.clock, app, "v2").signing_secret
            keys = legacy.create_subscription_keys(db, runtime.clock, app)
            db.expunge(app)
        assert signing_secret is not None
        client = TestClient(asgi, base_url=BASE, raise_server_exceptions=False)
        session = Replay(runtime, client, user, app, keys, signing_secret, Side(clones[0]), Side(clones[1]))
        tokens = _id_tokens(recorded)
        for clone in clones:
            session.ids[clone.id] = clone_ids(runtime, business.id, clone.id, tokens)
        outcomes = []
        for index, call in enumerate(recorded, 1):
            outcomes.append(session.replay(call))
            if progress is not None:
                progress(index, len(recorded))
        return Report(business.id, outcomes)
    finally:
        if app is not None:
            _remove(runtime, functools.partial(_delete_app, runtime, app.id))
        for clone in clones:
            _remove(runtime, functools.partial(_delete_business, clone.id))


def _delete_app(runtime: Runtime, app_id: str, db: Any) -> None:
    found = db.get(App, app_id)
    if found is not None:
        apps.delete_app(db, runtime.clock, found)


def _delete_business(business_id: str, db: Any) -> None:
    state.delete_business(db, business_id)

