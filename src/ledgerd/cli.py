"""The `ledgerd` command line."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import orjson
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.api import id_map
from ledgerd.api.admin.inventory import app_item, business_item, family_item, user_item
from ledgerd.api.legacy import compare
from ledgerd.api.validation import parse_body
from ledgerd.app import build_runtime
from ledgerd.app import create_app as create_asgi_app
from ledgerd.auth import legacy
from ledgerd.auth.apps import create_app
from ledgerd.auth.models import App
from ledgerd.auth.server import issue_without_consent
from ledgerd.config import DEFAULT_PORT, Settings, SettingsError
from ledgerd.db.engine import make_engine, make_sessionmaker, unit_of_work
from ledgerd.db.migrate import upgrade
from ledgerd.errors import Invalid, LedgerdError
from ledgerd.formats import timestamp_str
from ledgerd.onboarding import open_business
from ledgerd.passwords import Passwords
from ledgerd.progress import Progress
from ledgerd.sandbox import clock as sandbox_clock
from ledgerd.sandbox import faults, inventory, journal, state
from ledgerd.sandbox.clock import ClockView
from ledgerd.sandbox.demo import demo_app, seed_demo_books
from ledgerd.tenancy.access import area_roles
from ledgerd.tenancy.models import Business, Membership, Role
from ledgerd.tenancy.service import accessible, create_user, find_user, invite, password_hash, set_admin

DEMO_EMAIL = "demo@ledgerd.example"
DEMO_PASSWORD = "demo-password"
DEMO_CALLBACKS = ["http://localhost:8080/callback", "https://oauth.pstmn.io/v1/browser-callback",
                  "https://www.postman.com/oauth2/callback"]


class CliError(Exception):
    pass


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    return Settings.load(database_url=getattr(args, "database_url", None), **extra)


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return timestamp_str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=_json_value) if getattr(args, "json", False) else text)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str) -> str:
    """Rows in columns under their headers (timestamps as the API writes them, None as "-")."""
    if not rows:
        return empty
    cells = [list(headers), *([_cell(value) for value in row] for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
                     for line in cells)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return timestamp_str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _with_db(settings: Settings, fn: Callable[[Session, Any], dict[str, Any]]) -> dict[str, Any]:
    """Run `fn(db, runtime)` in one committed transaction on an up-to-date database."""
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.sessions, write=True) as db:
            return fn(db, runtime)
    finally:
        runtime.engine.dispose()


def _user(db: Session, email: str) -> Any:
    user = find_user(db, email)
    if user is None:
        raise CliError(f"no user with e-mail {email}")
    return user


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    settings = _settings(args)
    with Progress("db upgrade") as progress:
        upgrade(settings.database_url, progress=progress.update)
    print(f"database at head: {settings.database_url}")


def cmd_users_create(args: argparse.Namespace) -> None:
    settings = _settings(args)
    hashed = password_hash(Passwords(settings.password_scrypt_n), args.password)

    def run(db: Session, rt: Any) -> dict[str, Any]:
        user = create_user(db, rt.clock, email=args.email, password_hash=hashed,
                           first_name=args.first_name or "", last_name=args.last_name or "", is_admin=args.admin)
        return {"id": user.id, "email": user.email, "requested_by_id": user.subject, "is_admin": user.is_admin}

    data = _with_db(settings, run)
    _print(args, data, f"created {'administrator' if data['is_admin'] else 'user'} {data['email']} (id {data['id']})")


def cmd_users_grant_admin(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        user = set_admin(db, rt.clock, _user(db, args.email), not args.revoke)
        return {"id": user.id, "email": user.email, "is_admin": user.is_admin}

    data = _with_db(_settings(args), run)
    _print(args, data, f"{data['email']} is {'now' if data['is_admin'] else 'no longer'} a ledgerd administrator")


def cmd_users_list(args: argparse.Namespace) -> None:
    data = _with_db(_settings(args), lambda db, rt: {"users": inventory.users(db).items})
    _print(args, [user_item(user) for user in data["users"]], _table(
        ["EMAIL", "NAME", "ADMIN", "CREATED", "ID", "BUSINESSES"],
        [[user.email, f"{user.first_name} {user.last_name}".strip(), user.is_admin, user.created_at, user.id,
          ", ".join(f"{access.name} ({access.role.value})" for access in user.businesses)]
         for user in data["users"]], "no users"))


def cmd_users_delete(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        deleted = inventory.delete_user(db, rt.clock, inventory.user_named(db, args.email))
        return {"email": deleted.email, "memberships": deleted.memberships, "apps": deleted.apps,
                "token_families": deleted.token_families, "browser_sessions": deleted.browser_sessions}

    data = _with_db(_settings(args), run)
    _print(args, data, f"deleted user {data['email']} with {data['memberships']} membership(s), {data['apps']} "
                       f"app(s), {data['token_families']} token family(ies) revoked, {data['browser_sessions']} "
                       "browser session(s)")


def cmd_businesses_list(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        owner = inventory.user_named(db, args.owner, "owner") if args.owner else None
        return {"businesses": inventory.businesses(db, owner=owner).items}

    found: list[inventory.BusinessEntry] = _with_db(_settings(args), run)["businesses"]
    _print(args, [business_item(business) for business in found], _table(
        ["ID", "NAME", "COUNTRY", "OWNER", "MEMBERS", "CONTACTS", "SALES INV", "PURCHASE INV", "CREATED"],
        [[b.id, b.name, b.country_id, b.owner_email, b.members, b.contacts, b.sales_invoices, b.purchase_invoices,
          b.created_at] for b in found], "no businesses"))


def cmd_businesses_create(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        business = open_business(db, rt.clock, owner=_user(db, args.owner), name=args.name,
                                 country_id=args.country, is_demo=args.demo)
        return {"id": business.id, "name": business.name, "country": business.country_id}

    data = _with_db(_settings(args), run)
    _print(args, data, f"created business {data['name']} ({data['country']}), id {data['id']}")


def cmd_businesses_invite(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        business = db.get(Business, args.business)
        if business is None:
            raise CliError(f"no business with id {args.business}")
        areas = area_roles(args.area or [])
        result = invite(db, rt.clock, business=business, email=args.email, role=Role(args.role), areas=areas)
        status = "member" if isinstance(result, Membership) else "invited"
        return {"business": business.id, "email": args.email.lower(), "role": args.role, "status": status,
                "areas": {area: role.value for area, role in areas.items()}}

    data = _with_db(_settings(args), run)
    _print(args, data, f"{data['email']}: {data['status']} as {data['role']} of business {data['business']}")


def cmd_businesses_snapshot(args: argparse.Namespace) -> None:
    data = _with_db(_settings(args),
                    lambda db, rt: state.take_snapshot(db, rt.clock, args.business, args.name).to_dict())
    _print(args, data, f"snapshot {data['name']!r} of business {data['business_id']}: {data['rows']} rows, "
                       f"{data['size']} bytes before compression")


def cmd_businesses_snapshots(args: argparse.Namespace) -> None:
    data = _with_db(_settings(args), lambda db, rt: {
        "$items": [info.to_dict() for info in state.list_snapshots(db, args.business)]})
    lines = [f"{item['name']}\t{item['created_at']}\t{item['rows']} rows" for item in data["$items"]]
    _print(args, data, "\n".join(lines) or f"business {args.business} has no snapshots")


def cmd_businesses_restore(args: argparse.Namespace) -> None:
    data = _with_db(_settings(args), lambda db, rt: state.restore_snapshot(db, args.business, args.name).to_dict())
    _print(args, data, f"business {data['business_id']} restored to snapshot {data['name']!r} "
                       f"of {data['created_at']}")


def cmd_businesses_delete_snapshot(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        state.delete_snapshot(db, args.business, args.name)
        return {"business_id": args.business, "name": args.name, "deleted": True}

    data = _with_db(_settings(args), run)
    _print(args, data, f"deleted snapshot {data['name']!r} of business {data['business_id']}")


def _business_data(business: Business) -> dict[str, Any]:
    return {"id": business.id, "name": business.name, "country_id": business.country_id,
            "legacy_id": business.legacy_id}


def cmd_businesses_reset(args: argparse.Namespace) -> None:
    data = _with_db(_settings(args),
                    lambda db, rt: _business_data(state.reset_business(db, rt.clock, args.business)))
    _print(args, data, f"business {data['name']} ({data['id']}) reset to a new {data['country_id']} business")


def cmd_businesses_clone(args: argparse.Namespace) -> None:
    data = _with_db(_settings(args),
                    lambda db, rt: _business_data(state.clone_business(db, rt.clock, args.business, args.name)))
    _print(args, data, f"cloned business {args.business} as {data['name']}, id {data['id']}")


def cmd_businesses_export(args: argparse.Namespace) -> None:
    document = _with_db(_settings(args), lambda db, rt: state.export_books(db, args.business))
    raw = orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)
    if args.output:
        with open(args.output, "wb") as out:
            out.write(raw)
    else:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()


def cmd_businesses_import(args: argparse.Namespace) -> None:
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        document = orjson.loads(raw)
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise CliError(f"{args.file} is not JSON: {exc}") from None

    def run(db: Session, rt: Any) -> dict[str, Any]:
        with Progress("import") as progress:
            business = state.import_books(db, rt.clock, document, owner=_user(db, args.owner), new_ids=args.new_ids,
                                          progress=progress.update)
        return _business_data(business)

    data = _with_db(_settings(args), run)
    _print(args, data, f"imported business {data['name']}, id {data['id']}")


def cmd_businesses_delete(args: argparse.Namespace) -> None:
    data = _with_db(_settings(args), lambda db, rt: state.delete_business(db, args.business))
    _print(args, data, f"deleted business {data['name']} ({data['id']}) and all its books")


def _write_ids(out: IO[str], entries: Iterable[id_map.Entry], form: str) -> int:
    """The map as CSV (a header, then one line per record) or as a JSON array of objects, written as it is read."""
    count = 0
    if form == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(id_map.COLUMNS)
        for entry in entries:
            writer.writerow(entry.row())
            count += 1
        return count
    out.write("[")
    for entry in entries:
        out.write(("," if count else "") + "\n" + json.dumps(dict(zip(id_map.COLUMNS, entry.row(), strict=True))))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def cmd_migrate_ids(args: argparse.Namespace) -> None:
    settings = _settings(args)
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.sessions, write=False) as db:
            entries = id_map.entries(db, args.business, args.resource)  # checked before anything is written
            if args.output:
                try:
                    with open(args.output, "w", encoding="utf-8", newline="") as out:
                        count = _write_ids(out, entries, args.format)
                except OSError as exc:
                    raise CliError(f"cannot write {args.output}: {exc.strerror}") from None
                print(f"wrote {count} legacy ids to {args.output}", file=sys.stderr)
            else:
                _write_ids(sys.stdout, entries, args.format)
                sys.stdout.flush()
    finally:
        runtime.engine.dispose()


def cmd_migrate_compare(args: argparse.Namespace) -> None:
    """Exit status 0 when every answer agrees, 1 when some differ (raised as _Differs), 2 on a usage error."""
    try:
        with open(args.file, encoding="utf-8") as recorded_file:
            recorded = compare.read(recorded_file)
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CliError(f"{args.file} is not UTF-8 text") from None
    # In-process, as a client: the old APIs on whatever the deployment says, nothing journalled, no rate limit on
    # the replaying app (it is the tool's own, deleted at the end).
    settings = _settings(args, legacy_apis=True, journal=False, access_log=False, rate_limit=0)
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    try:
        asgi = create_asgi_app(runtime=runtime)
        with Progress("migrate compare") as progress:
            report = compare.compare(runtime, asgi, args.business, recorded, user_email=args.user,
                                     progress=progress.update)
    finally:
        runtime.engine.dispose()
    text = json.dumps(report.to_dict(), indent=2) + "\n" if args.format == "json" else report.text() + "\n"
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror}") from None
        print(report.text().splitlines()[-1], file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if report.differs:
        raise _Differs()


class _Differs(Exception):
    """The compared answers differ: exit status 1."""


LEGACY_KINDS = ("v3", "v2", "subscription-keys")


def _legacy_credentials(db: Session, clock: Any, app: App, kinds: Sequence[str] = LEGACY_KINDS) -> dict[str, Any]:
    """New credentials of the old APIs for `app` (docs/legacy-oauth.md): v3's and v2's client id and secret (v2's
    signing secret too) and v3's subscription keys, as `kinds` asks; each replaces what the app had."""
    data: dict[str, Any] = {}
    for api in legacy.APIS:
        if api in kinds:
            issued = legacy.create_credentials(db, clock, app, api)
            data[api] = {"client_id": issued.client_id, "client_secret": issued.client_secret}
            if issued.signing_secret is not None:
                data[api]["signing_secret"] = issued.signing_secret
    if "subscription-keys" in kinds:
        data["subscription_keys"] = legacy.create_subscription_keys(db, clock, app)
    return data


def _legacy_text(data: dict[str, Any]) -> str:
    lines = []
    for api in legacy.APIS:
        if api in data:
            lines += [f"  {api} client id:      {data[api]['client_id']}",
                      f"  {api} client secret:  {data[api]['client_secret']}  (shown once)"]
            if "signing_secret" in data[api]:
                lines.append(f"  {api} signing secret: {data[api]['signing_secret']}  (shown once)")
    if "subscription_keys" in data:
        keys = data["subscription_keys"]
        lines += [f"  v3 subscription keys: primary {keys['primary']}, secondary {keys['secondary']}  (shown once)"]
    return "\n".join(lines)


def cmd_apps_create(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        app, secret = create_app(db, rt.clock, owner=_user(db, args.owner), name=args.name,
                                 redirect_uris=args.redirect_uri)
        return {"name": app.name, "client_id": app.client_id, "client_secret": secret,
                "redirect_uris": app.callback_urls, **_legacy_credentials(db, rt.clock, app)}

    data = _with_db(_settings(args), run)
    _print(args, data, f"app {data['name']}\n  client id:     {data['client_id']}\n"
                       f"  client secret: {data['client_secret']}  (shown once)\n"
                       "old APIs (docs/legacy-oauth.md)\n" + _legacy_text(data))


def cmd_apps_legacy_credentials(args: argparse.Namespace) -> None:
    kinds = args.only or LEGACY_KINDS

    def run(db: Session, rt: Any) -> dict[str, Any]:
        app = inventory.app_named(db, args.client_id)
        return {"client_id": app.client_id, **_legacy_credentials(db, rt.clock, app, kinds)}

    data = _with_db(_settings(args), run)
    _print(args, data, f"app {data['client_id']}: new credentials of the old APIs (the previous ones no longer "
                       f"work)\n" + _legacy_text(data))


def cmd_apps_list(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        owner = inventory.user_named(db, args.owner, "owner") if args.owner else None
        return {"apps": inventory.apps(db, rt.clock, owner=owner).items}

    found: list[inventory.AppEntry] = _with_db(_settings(args), run)["apps"]
    _print(args, [app_item(app) for app in found], _table(
        ["CLIENT ID", "NAME", "OWNER", "LIVE TOKENS", "CREATED", "CALLBACKS"],
        [[a.client_id, a.name, a.owner_email, a.live_token_families, a.created_at, " ".join(a.callbacks)]
         for a in found], "no apps"))


def cmd_apps_delete(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        revoked = inventory.delete_app(db, rt.clock, inventory.app_named(db, args.client_id))
        return {"client_id": args.client_id, "revoked": revoked}

    data = _with_db(_settings(args), run)
    _print(args, data, f"deleted app {data['client_id']}; {len(data['revoked'])} token family(ies) revoked")


def cmd_tokens_list(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        user = inventory.user_named(db, args.user) if args.user else None
        app = inventory.app_named(db, args.app) if args.app else None
        return {"families": inventory.token_families(db, rt.clock, user=user, app=app).items}

    found: list[inventory.FamilyEntry] = _with_db(_settings(args), run)["families"]
    _print(args, [family_item(family) for family in found], _table(
        ["ID", "USER", "APP", "SCOPE", "STATUS", "CREATED", "LAST ISSUED", "EXPIRES", "REVOKED"],
        [[f.id, f.user_email, f.client_id, f.scope, f.status, f.created_at, f.last_issued_at, f.expires_at,
          f.revoked_at] for f in found], "no token families"))


def cmd_tokens_revoke(args: argparse.Namespace) -> None:
    if not (args.user or args.app or args.family):
        raise CliError("name the token families to revoke: --user EMAIL, --app CLIENT_ID or --family ID")

    def run(db: Session, rt: Any) -> dict[str, Any]:
        user = inventory.user_named(db, args.user) if args.user else None
        app = inventory.app_named(db, args.app) if args.app else None
        return {"revoked": inventory.revoke(db, rt.clock, user=user, app=app, family_id=args.family)}

    data = _with_db(_settings(args), run)
    _print(args, data, f"revoked {len(data['revoked'])} token family(ies)" +
           "".join(f"\n  {family_id}" for family_id in data["revoked"]))


def cmd_tokens_issue(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        app = db.scalar(select(App).where(App.client_id == args.app))
        if app is None:
            raise CliError(f"no app with client id {args.app}")
        user = _user(db, args.user)
        if args.api == "v3.1":
            return issue_without_consent(db, rt.tokens, rt.clock, app=app, user=user, scope=args.scope,
                                         country=args.country)
        # An old API's token is given for one business (v3's resource_owner_id): the one named, else the lead one.
        businesses = [business for business, _ in accessible(db, user.id)]
        chosen = next((b for b in businesses if b.id == args.business), None) if args.business else \
            next(iter(businesses), None)
        if chosen is None:
            raise CliError(f"{args.user} has no business {args.business}" if args.business else
                           f"{args.user} has no business")
        return legacy.issue_without_consent(db, rt.clock, app=app, user=user, api=args.api, scope=args.scope,
                                            country=chosen.country_id, business_id=chosen.id)

    data = _with_db(_settings(args), run)
    _print(args, data, json.dumps(data, indent=2))


def _clock(args: argparse.Namespace, change: Callable[[Session], ClockView]) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        view = change(db)
        return {**view.as_dict(), "text": view.text()}

    data = _with_db(_settings(args), run)
    text = data.pop("text")
    _print(args, data, text)


def cmd_clock_show(args: argparse.Namespace) -> None:
    _clock(args, sandbox_clock.show)


def cmd_clock_freeze(args: argparse.Namespace) -> None:
    at = sandbox_clock.parse_instant(args.instant, "INSTANT") if args.instant else None
    _clock(args, lambda db: sandbox_clock.freeze(db, at))


def cmd_clock_advance(args: argparse.Namespace) -> None:
    delta = sandbox_clock.parse_duration(args.duration, "DURATION")
    _clock(args, lambda db: sandbox_clock.advance(db, delta))


def cmd_clock_resume(args: argparse.Namespace) -> None:
    _clock(args, lambda db: sandbox_clock.resume(db, here=args.here))


# The options of `faults add` by the field they set, where the names differ.
_FAULT_OPTIONS = {"client_id": "--app", "business_id": "--business", "latency_ms": "--latency"}


def cmd_faults_add(args: argparse.Namespace) -> None:
    given = {"preset": args.preset, "status": args.status, "drop": args.drop or None, "method": args.method,
             "path": args.path, "client_id": args.app, "business_id": args.business, "probability": args.probability,
             "every": args.every, "times": args.times, "retry_after": args.retry_after, "message": args.message,
             "latency_ms": faults.parse_latency(args.latency) if args.latency else None}
    try:
        spec = parse_body({"fault": {name: value for name, value in given.items() if value is not None}}, "fault",
                          faults.FaultCreate)
        faults.check(spec)
    except Invalid as exc:
        problem = exc.problems[0]
        option = _FAULT_OPTIONS.get(problem.source, "--" + problem.source.replace("_", "-"))
        raise CliError(f"{option}: {problem.message}" if problem.source else problem.message) from None

    def run(db: Session, rt: Any) -> dict[str, Any]:
        rule = faults.add(db, rt.clock.now(), spec)
        return {**faults.as_dict(rule), "text": faults.describe(rule)}

    data = _with_db(_settings(args), run)
    text = data.pop("text")
    _print(args, data, f"added {text}")


def cmd_faults_list(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        found = faults.rules(db)
        return {"faults": [faults.as_dict(rule) for rule in found], "text": [faults.describe(rule) for rule in found]}

    data = _with_db(_settings(args), run)
    lines = data.pop("text")
    _print(args, data, "\n".join(lines) if lines else "no fault rules")


def cmd_faults_clear(args: argparse.Namespace) -> None:
    data = _with_db(_settings(args), lambda db, rt: {"cleared": faults.clear(db, rt.clock.now(), args.id or None)})
    _print(args, data, f"cleared {data['cleared']} fault rule{'' if data['cleared'] == 1 else 's'}")
# --- the request journal ---------------------------------------------------------------------------------------

# `journal --follow`: seconds between two looks, and how far below the newest id seen it looks again: another
# process may commit a lower id a moment after a higher one.
FOLLOW_INTERVAL = 0.5
FOLLOW_WINDOW = 200


def _status(text: str) -> tuple[int, int]:
    try:
        return journal.status_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= journal.MAX_READ:
        raise argparse.ArgumentTypeError(f"a number from 1 to {journal.MAX_READ}, not {text!r}")
    return int(text)


def _entry_line(entry: dict[str, Any]) -> str:
    target = entry["path"] + (f"?{entry['query']}" if entry["query"] else "")
    return (f"{entry['id']:>7} {entry['at']} {entry['method']:<6} {target} {entry['status'] or '-'} "
            f"{entry['duration_ms']:.1f}ms app={entry['client_id'] or '-'} business={entry['business_id'] or '-'} "
            f"request={entry['request_id']}")


def _entry_text(entry: dict[str, Any]) -> str:
    lines = [_entry_line(entry), f"  user={entry['user_id'] or '-'} server={entry['server']}"]
    for side, mark in (("request", ">"), ("response", "<")):
        part = entry[side]
        lines += [f"{mark} {name}: {value}" for name, value in part["headers"]]
        body = part["body"]
        size = entry[f"{side}_bytes"]
        if body is None:
            lines.append(f"{mark} ({size} bytes, not text)")
        elif body:
            lines.append(body + (f"\n{mark} (cut: {size} bytes in all)" if part["truncated"] else ""))
        lines.append("")
    return "\n".join(lines).rstrip()


def _journal_reader(settings: Settings) -> Any:
    """A read-only view of the journal: `read(fn)` runs `fn(db)` in a read transaction of its own."""
    upgrade(settings.database_url)
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)

    def read(fn: Callable[[Session], Any]) -> Any:
        with unit_of_work(sessions, write=False) as db:
            return fn(db)

    return engine, read


def _newest(db: Session, among: journal.Filters, limit: int) -> list[dict[str, Any]]:
    """The newest entries, oldest first, as `tail` shows a log: --follow then adds the new ones below."""
    return [journal.summary(found) for found in journal.entries(db, among, limit=limit)][::-1]


def cmd_journal(args: argparse.Namespace) -> None:
    filters = journal.Filters(client_id=args.app, business_id=args.business, status=args.status,
                              request_id=args.request_id)
    engine, read = _journal_reader(_settings(args))
    try:
        if args.entry is not None:
            data = read(lambda db: journal.detail(journal.entry(db, args.entry)))
            _print(args, data, _entry_text(data))
            return
        shown: list[dict[str, Any]] = read(partial(_newest, among=filters, limit=args.limit))
        if not args.follow:
            print(json.dumps(shown, indent=2) if args.json else "\n".join(map(_entry_line, shown)))
            return
        seen = {entry["id"] for entry in shown}
        while True:
            for entry in shown:
                print(json.dumps(entry) if args.json else _entry_line(entry), flush=True)
            time.sleep(FOLLOW_INTERVAL)
            low = max(seen, default=0) - FOLLOW_WINDOW
            recent = replace(filters, after=low)
            shown = [entry for entry in read(partial(_newest, among=recent, limit=journal.MAX_READ))
                     if entry["id"] not in seen]
            seen = {entry_id for entry_id in seen if entry_id > low} | {entry["id"] for entry in shown}
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()


def _demo_setup(settings: Settings, country: str) -> dict[str, Any]:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        user = find_user(db, DEMO_EMAIL) or create_user(
            db, rt.clock, email=DEMO_EMAIL, password_hash=password_hash(rt.passwords, DEMO_PASSWORD),
            first_name="Demo", last_name="User")
        if not accessible(db, user.id):
            business = open_business(db, rt.clock, owner=user, name="Demo Business Ltd", country_id=country,
                                     is_demo=True)
            if country == "GB":  # the demo books use the GB chart and VAT rates
                seed_demo_books(db, rt.clock, business.id)
        app, secret = demo_app(db, rt.clock, rt.secret_key, user, DEMO_CALLBACKS)
        authorize = f"{settings.base_url}/oauth2/auth/central?" + urlencode({
            "filter": "apiv3.1", "response_type": "code", "client_id": app.client_id,
            "redirect_uri": DEMO_CALLBACKS[0], "scope": "full_access", "state": "demo"})
        return {"login": DEMO_EMAIL, "password": DEMO_PASSWORD, "client_id": app.client_id,
                "client_secret": secret, "redirect_uri": DEMO_CALLBACKS[0], "authorize_url": authorize,
                "token_url": f"{settings.base_url}/token", "api_base": f"{settings.base_url}/v3.1"}

    return _with_db(settings, run)


def cmd_demo(args: argparse.Namespace) -> None:
    port = args.port or DEFAULT_PORT
    settings = _settings(args, env="development", port=port, host=args.host, access_log=_access_log())
    data = _demo_setup(settings, args.country)
    _print(args, data, "\n".join([
        "ledgerd demo business is ready.",
        f"  sign in as:     {data['login']} / {data['password']}",
        f"  client id:      {data['client_id']}",
        f"  client secret:  {data['client_secret']}",
        f"  redirect uri:   {data['redirect_uri']}",
        f"  authorize URL:  {data['authorize_url']}",
        f"  token URL:      {data['token_url']}",
        f"  API base URL:   {data['api_base']}",
        f"  a token now:    ledgerd tokens issue --user {data['login']} --app '{data['client_id']}'",
        f"  developer page: {settings.base_url}/developer",
        f"  console:        {settings.base_url}/console (the books, signed in as above)",
        f"  documentation:  {settings.base_url}/docs",
        *([f"  old APIs:       v3 {settings.base_url}/uki/sageone/accounts/v3 (and us, ca, de, es, fr), v2 "
           f"{settings.base_url}/accounts/v2 (docs/legacy-apis.md)",
           f"                  their credentials: ledgerd apps legacy-credentials '{data['client_id']}'; a token: "
           "add --api v3 or --api v2 to the command above"] if settings.legacy_apis else []),
    ]))
    sys.stdout.flush()
    if not args.no_serve:
        _serve(settings)


def _serve(settings: Settings) -> None:
    upgrade(settings.database_url)
    os.environ.update(settings.to_environ())
    uvicorn.run("ledgerd.app:app_from_env", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level=settings.log_level, access_log=False,
                proxy_headers=True, server_header=False)


def _access_log() -> bool | None:
    """`serve` logs every request unless LEDGERD_ACCESS_LOG says otherwise."""
    return None if "LEDGERD_ACCESS_LOG" in os.environ else True


def cmd_serve(args: argparse.Namespace) -> None:
    _serve(_settings(args, host=args.host, port=args.port or DEFAULT_PORT, workers=args.workers,
                     access_log=_access_log()))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ledgerd", description="A Sage Accounting API v3.1 compatible server.")
    top.add_argument("--database-url", help="SQLAlchemy URL (default: LEDGERD_DATABASE_URL or a SQLite file)")
    verbs = top.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(parent: Any, name: str, fn: Callable[[argparse.Namespace], None], help_: str,
             json_out: bool = True) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_, description=help_)
        p.set_defaults(fn=fn)
        p.add_argument("--database-url", default=argparse.SUPPRESS,
                       help="SQLAlchemy URL (default: LEDGERD_DATABASE_URL)")
        if json_out:
            p.add_argument("--json", action="store_true", help="print the result as JSON")
        return p

    serve = verb(verbs, "serve", cmd_serve, "Serve the API, OAuth server and pages.", json_out=False)
    serve.add_argument("--host", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")

    db = verbs.add_parser("db", help="Database maintenance.", description="Database maintenance.")
    db_verbs = db.add_subparsers(dest="db_verb", required=True, metavar="VERB")
    verb(db_verbs, "upgrade", cmd_db_upgrade, "Create or migrate the database schema to the newest version.",
         json_out=False)

    users = verbs.add_parser("users", help="User accounts.", description="User accounts.")
    users_verbs = users.add_subparsers(dest="users_verb", required=True, metavar="VERB")
    p = verb(users_verbs, "create", cmd_users_create, "Create a user account.")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--first-name")
    p.add_argument("--last-name")
    p.add_argument("--admin", action="store_true", help="make it a ledgerd administrator (the sandbox controls)")
    p = verb(users_verbs, "grant-admin", cmd_users_grant_admin,
             "Make a user a ledgerd administrator (the sandbox controls under /ledgerd/v1/admin).")
    p.add_argument("email", metavar="EMAIL")
    p.add_argument("--revoke", action="store_true", help="take the administrator right away instead")
    verb(users_verbs, "list", cmd_users_list, "List the user accounts, with the businesses each can see.")
    p = verb(users_verbs, "delete", cmd_users_delete,
             "Delete a user account with its memberships, sessions, apps and tokens (refused while it owns a "
             "business, and for the last administrator).")
    p.add_argument("email", metavar="EMAIL")

    businesses = verbs.add_parser("businesses", help="Businesses.", description="Businesses and members.")
    b_verbs = businesses.add_subparsers(dest="businesses_verb", required=True, metavar="VERB")
    p = verb(b_verbs, "create", cmd_businesses_create, "Create a business owned by a user.")
    p.add_argument("--owner", required=True, metavar="EMAIL")
    p.add_argument("--name", required=True)
    p.add_argument("--country", required=True, choices=["GB", "IE", "US", "CA", "ES", "FR", "DE"],
                   type=str.upper)
    p.add_argument("--demo", action="store_true", help="mark it as a demo business")
    p = verb(b_verbs, "list", cmd_businesses_list,
             "List the businesses with their owner, members, contacts and invoices.")
    p.add_argument("--owner", metavar="EMAIL", help="only the businesses this user owns")
    p = verb(b_verbs, "invite", cmd_businesses_invite, "Give an e-mail address a role in a business.")
    p.add_argument("--business", required=True, metavar="ID")
    p.add_argument("--email", required=True)
    p.add_argument("--role", required=True, choices=["full_access", "read_only", "no_access"])
    p.add_argument("--area", action="append", metavar="AREA=ROLE",
                   help="override the role in one area, e.g. bank=full_access (repeatable; areas: sales, purchases, "
                        "contacts, products_services, bank, journals, settings, statutory_reporting, reporting; "
                        "roles: full_access, restricted_access, read_only, no_access)")

    p = verb(b_verbs, "snapshot", cmd_businesses_snapshot,
             "Save a business's state under a name (replacing a snapshot of that name).")
    p.add_argument("business", metavar="BUSINESS", help="the business id")
    p.add_argument("--name", required=True)
    p = verb(b_verbs, "snapshots", cmd_businesses_snapshots, "List a business's snapshots.")
    p.add_argument("business", metavar="BUSINESS", help="the business id")
    p = verb(b_verbs, "restore", cmd_businesses_restore, "Bring a business back to a snapshot.")
    p.add_argument("business", metavar="BUSINESS", help="the business id")
    p.add_argument("--name", required=True)
    p = verb(b_verbs, "delete-snapshot", cmd_businesses_delete_snapshot, "Delete a snapshot of a business.")
    p.add_argument("business", metavar="BUSINESS", help="the business id")
    p.add_argument("--name", required=True)
    p = verb(b_verbs, "reset", cmd_businesses_reset,
             "Reset a business to the books a new business of its country starts with (same id, name, members).")
    p.add_argument("business", metavar="BUSINESS", help="the business id")
    p = verb(b_verbs, "clone", cmd_businesses_clone, "Copy a business, with new ids, for the same owner.")
    p.add_argument("business", metavar="BUSINESS", help="the business id")
    p.add_argument("--name", required=True, help="the copy's name")
    p = verb(b_verbs, "export", cmd_businesses_export,
             "Write a business's books as a JSON document (docs/sandbox.md) to standard output.", json_out=False)
    p.add_argument("business", metavar="BUSINESS", help="the business id")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead")
    p = verb(b_verbs, "import", cmd_businesses_import, "Make a business from an exported books document.")
    p.add_argument("file", metavar="FILE", help="the document (- for standard input)")
    p.add_argument("--owner", required=True, metavar="EMAIL")
    p.add_argument("--new-ids", action="store_true",
                   help="give the business and every record new ids (a copy; needed where the ids exist)")
    p = verb(b_verbs, "delete", cmd_businesses_delete,
             "Delete a business and all its books; its members' lead business moves to their next one.")
    p.add_argument("business", metavar="BUSINESS", help="the business id")

    apps = verbs.add_parser("apps", help="Client applications.", description="Client applications.")
    a_verbs = apps.add_subparsers(dest="apps_verb", required=True, metavar="VERB")
    p = verb(a_verbs, "create", cmd_apps_create, "Register an app; prints its client id and secret.")
    p.add_argument("--owner", required=True, metavar="EMAIL")
    p.add_argument("--name", required=True)
    p.add_argument("--redirect-uri", required=True, action="append", metavar="URI",
                   help="a callback URL (repeat for more, up to 100)")
    p = verb(a_verbs, "legacy-credentials", cmd_apps_legacy_credentials,
             "Issue an app new credentials of the old APIs: v3's and v2's client id and secret (v2's signing secret "
             "too) and v3's subscription keys; the previous ones stop working.")
    p.add_argument("client_id", metavar="CLIENT_ID", help="the app's (v3.1) client id")
    p.add_argument("--only", action="append", choices=LEGACY_KINDS,
                   help="only these (repeat for more; default: all three)")
    p = verb(a_verbs, "list", cmd_apps_list, "List the registered apps with their live token families.")
    p.add_argument("--owner", metavar="EMAIL", help="only the apps this user owns")
    p = verb(a_verbs, "delete", cmd_apps_delete, "Delete an app, revoking its token families first.")
    p.add_argument("client_id", metavar="CLIENT_ID")

    tokens = verbs.add_parser("tokens", help="Tokens.", description="Tokens.")
    t_verbs = tokens.add_subparsers(dest="tokens_verb", required=True, metavar="VERB")
    p = verb(t_verbs, "issue", cmd_tokens_issue, "Issue a real token response for a user and app.")
    p.add_argument("--user", required=True, metavar="EMAIL")
    p.add_argument("--app", required=True, metavar="CLIENT_ID")
    p.add_argument("--scope", default="full_access", choices=["full_access", "readonly"])
    p.add_argument("--country", default="GB", type=str.upper)
    p.add_argument("--api", default="v3.1", choices=["v3.1", *legacy.APIS],
                   help="an old API's token (docs/legacy-oauth.md): 40 characters, for one business")
    p.add_argument("--business", metavar="ID", help="with --api v3 or v2: the business (default: the lead one)")
    p = verb(t_verbs, "list", cmd_tokens_list, "List the token families (live, expired and revoked).")
    p.add_argument("--user", metavar="EMAIL", help="only this user's")
    p.add_argument("--app", metavar="CLIENT_ID", help="only this app's")
    p = verb(t_verbs, "revoke", cmd_tokens_revoke,
             "Revoke token families: their refresh tokens are refused and their access tokens answered 401 from "
             "now on. Name a user, an app or a family (given together: the families matching all).")
    p.add_argument("--user", metavar="EMAIL", help="every token family of this user")
    p.add_argument("--app", metavar="CLIENT_ID", help="every token family of this app")
    p.add_argument("--family", metavar="ID", help="one token family (its id, from `ledgerd tokens list`)")

    clock = verbs.add_parser("clock", help="The deployment's clock (every process follows it).",
                             description="The deployment's clock: every process of the deployment follows it.")
    c_verbs = clock.add_subparsers(dest="clock_verb", required=True, metavar="VERB")
    verb(c_verbs, "show", cmd_clock_show, "Show what the clock shows and how it is set.")
    p = verb(c_verbs, "freeze", cmd_clock_freeze, "Stop the clock, where it stands or at INSTANT.")
    p.add_argument("instant", nargs="?", metavar="INSTANT",
                   help="ISO 8601, e.g. 2024-06-15T12:00:00Z (UTC if it has no offset)")
    p = verb(c_verbs, "advance", cmd_clock_advance, "Move the clock forward (frozen or running).")
    p.add_argument("duration", metavar="DURATION", help="e.g. 6m, 32d, 1h30m, 2w, 90s, or ISO 8601 (PT6M)")
    p = verb(c_verbs, "resume", cmd_clock_resume, "Let the clock run again on the wall clock.")
    p.add_argument("--here", action="store_true", help="run on from the instant the clock shows instead")

    fault_rules = verbs.add_parser("faults", help="Fault rules: Sage's bad days on demand.",
                                   description="Fault rules: make matching API and OAuth calls fail, slow down or "
                                               "go unanswered.")
    f_verbs = fault_rules.add_subparsers(dest="faults_verb", required=True, metavar="VERB")
    p = verb(f_verbs, "add", cmd_faults_add, "Add a fault rule (tried after the ones before it).")
    what = p.add_argument_group("what a matching call gets (a preset, a status, --drop, and/or --latency)")
    what.add_argument("--preset", choices=list(faults.PRESETS), help="a state Sage answers in")
    what.add_argument("--status", type=int, choices=list(faults.STATUSES), help="an error in Sage's shape")
    what.add_argument("--latency", metavar="TIME", help="added latency first, e.g. 250ms, 2s")
    what.add_argument("--drop", action="store_true", help="close the connection without an answer")
    what.add_argument("--retry-after", type=int, metavar="SECONDS", help="Retry-After of a 429 or 503")
    what.add_argument("--message", help="the error's $message instead of Sage's")
    which = p.add_argument_group("which calls (default: every call of the preset's paths, or of any path)")
    which.add_argument("--method", help="GET, POST, PUT, PATCH, DELETE or HEAD")
    which.add_argument("--path", metavar="GLOB", help="e.g. '/v3.1/sales_invoices*', /token ('*' spans '/')")
    which.add_argument("--app", metavar="CLIENT_ID", help="calls of this app only")
    which.add_argument("--business", metavar="ID", help="calls working in this business only")
    when = p.add_argument_group("when it fires (default: on every matching call)")
    when.add_argument("--probability", type=float, metavar="P", help="with this probability (0 < P <= 1)")
    when.add_argument("--every", type=int, metavar="N", help="on every Nth matching call")
    when.add_argument("--times", type=int, metavar="N", help="only N times, e.g. the next N calls")
    verb(f_verbs, "list", cmd_faults_list, "List the fault rules, with the calls each matched and answered.")
    p = verb(f_verbs, "clear", cmd_faults_clear, "Remove fault rules: the given ones, or all.")
    p.add_argument("id", nargs="*", type=int, metavar="ID", help="the rules to remove (default: every rule)")

    p = verb(verbs, "journal", cmd_journal,
             "The request journal: the newest API, OAuth and admin requests, or one with its bodies.")
    p.add_argument("entry", nargs="?", metavar="ID", help="show one entry with its headers and bodies: its id, "
                   "or the X-Request-Id of its answer")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new requests as they come")
    p.add_argument("--app", metavar="CLIENT_ID", help="only the requests of this app")
    p.add_argument("--business", metavar="ID", help="only the requests in this business")
    p.add_argument("--status", type=_status, metavar="STATUS",
                   help="only answers with this status (404) or class (4xx)")
    p.add_argument("--request-id", metavar="ID", help="only the request with this X-Request-Id")
    p.add_argument("--limit", type=_limit, default=20, metavar="N",
                   help="how many of the newest to show (default 20)")

    migrate = verbs.add_parser("migrate", help="Moving an integration from API v2 or v3 (docs/migration-kit.md).",
                               description="Moving an integration from API v2 or v3 (docs/migration-kit.md).")
    m_verbs = migrate.add_subparsers(dest="migrate_verb", required=True, metavar="VERB")
    p = verb(m_verbs, "ids", cmd_migrate_ids,
             "Write a business's legacy id -> v3.1 id map (resource, legacy_id, id, displayed_as) to standard output.",
             json_out=False)
    p.add_argument("business", metavar="BUSINESS", help="the business id")
    p.add_argument("--resource", action="append", metavar="PATH",
                   help="only this resource, e.g. contacts (repeatable; default: every resource with legacy ids)")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead")
    p.add_argument("--format", choices=["csv", "json"], default="csv", help="CSV (default) or a JSON array")

    p = verb(m_verbs, "compare", cmd_migrate_compare,
             "Replay recorded API v2/v3 calls and their v3.1 equivalents on two clones of a business and report "
             "the answers' differences field by field (exit 1 when some differ).", json_out=False)
    p.add_argument("business", metavar="BUSINESS", help="the business id (it is cloned; it is never changed)")
    p.add_argument("file", metavar="FILE", help='JSON lines: {"api": "v2"|"v3", "method", "path", "body"}')
    p.add_argument("--user", metavar="EMAIL", help="replay as this member of the business (default: its owner)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="text (default) or a JSON report")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead")

    p = verb(verbs, "demo", cmd_demo, "Set up a demo user, business and app, then serve them.")
    p.add_argument("--country", default="GB", type=str.upper, choices=["GB", "IE", "US", "CA", "ES", "FR", "DE"])
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--no-serve", action="store_true", help="set up and print, but do not serve")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.fn(args)
    except (CliError, SettingsError) as exc:
        print(f"ledgerd: {exc}", file=sys.stderr)
        return 2
    except LedgerdError as exc:
        print(f"ledgerd: {exc.problems[0].message}", file=sys.stderr)
        return 2
    except _Differs:
        return 1
    return 0
