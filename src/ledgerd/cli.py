"""The `ledgerd` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import urlencode

import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerd.app import build_runtime
from ledgerd.auth.apps import create_app
from ledgerd.auth.models import App
from ledgerd.auth.server import issue_without_consent
from ledgerd.config import DEFAULT_PORT, Settings, SettingsError
from ledgerd.db.engine import make_engine, make_sessionmaker, unit_of_work
from ledgerd.db.migrate import upgrade
from ledgerd.errors import LedgerdError
from ledgerd.onboarding import open_business
from ledgerd.passwords import Passwords
from ledgerd.sandbox import journal
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


def _print(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, indent=2) if getattr(args, "json", False) else text)


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
    upgrade(settings.database_url)
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


def cmd_apps_create(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        app, secret = create_app(db, rt.clock, owner=_user(db, args.owner), name=args.name,
                                 redirect_uris=args.redirect_uri)
        return {"name": app.name, "client_id": app.client_id, "client_secret": secret,
                "redirect_uris": app.callback_urls}

    data = _with_db(_settings(args), run)
    _print(args, data, f"app {data['name']}\n  client id:     {data['client_id']}\n"
                       f"  client secret: {data['client_secret']}  (shown once)")


def cmd_tokens_issue(args: argparse.Namespace) -> None:
    def run(db: Session, rt: Any) -> dict[str, Any]:
        app = db.scalar(select(App).where(App.client_id == args.app))
        if app is None:
            raise CliError(f"no app with client id {args.app}")
        return issue_without_consent(db, rt.tokens, rt.clock, app=app, user=_user(db, args.user),
                                     scope=args.scope, country=args.country)

    data = _with_db(_settings(args), run)
    _print(args, data, json.dumps(data, indent=2))


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

    businesses = verbs.add_parser("businesses", help="Businesses.", description="Businesses and members.")
    b_verbs = businesses.add_subparsers(dest="businesses_verb", required=True, metavar="VERB")
    p = verb(b_verbs, "create", cmd_businesses_create, "Create a business owned by a user.")
    p.add_argument("--owner", required=True, metavar="EMAIL")
    p.add_argument("--name", required=True)
    p.add_argument("--country", required=True, choices=["GB", "IE", "US", "CA", "ES", "FR", "DE"],
                   type=str.upper)
    p.add_argument("--demo", action="store_true", help="mark it as a demo business")
    p = verb(b_verbs, "invite", cmd_businesses_invite, "Give an e-mail address a role in a business.")
    p.add_argument("--business", required=True, metavar="ID")
    p.add_argument("--email", required=True)
    p.add_argument("--role", required=True, choices=["full_access", "read_only", "no_access"])
    p.add_argument("--area", action="append", metavar="AREA=ROLE",
                   help="override the role in one area, e.g. bank=full_access (repeatable; areas: sales, purchases, "
                        "contacts, products_services, bank, journals, settings, statutory_reporting, reporting; "
                        "roles: full_access, restricted_access, read_only, no_access)")

    apps = verbs.add_parser("apps", help="Client applications.", description="Client applications.")
    a_verbs = apps.add_subparsers(dest="apps_verb", required=True, metavar="VERB")
    p = verb(a_verbs, "create", cmd_apps_create, "Register an app; prints its client id and secret.")
    p.add_argument("--owner", required=True, metavar="EMAIL")
    p.add_argument("--name", required=True)
    p.add_argument("--redirect-uri", required=True, action="append", metavar="URI",
                   help="a callback URL (repeat for more, up to 100)")

    tokens = verbs.add_parser("tokens", help="Tokens.", description="Tokens.")
    t_verbs = tokens.add_subparsers(dest="tokens_verb", required=True, metavar="VERB")
    p = verb(t_verbs, "issue", cmd_tokens_issue, "Issue a real token response for a user and app.")
    p.add_argument("--user", required=True, metavar="EMAIL")
    p.add_argument("--app", required=True, metavar="CLIENT_ID")
    p.add_argument("--scope", default="full_access", choices=["full_access", "readonly"])
    p.add_argument("--country", default="GB", type=str.upper)

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
    return 0
