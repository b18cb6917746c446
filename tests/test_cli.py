"""The `ledgerd` command: every verb has --help; the demo sets up a working business, app and books."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from ledgerd import cli
from ledgerd.app import create_app
from ledgerd.cli import main
from ledgerd.config import Settings
from ledgerd.db.migrate import upgrade
from ledgerd.tenancy.models import Role
from tests.conftest import TEST_SCRYPT_N
from tests.support.cli import Ledgerd, in_process
from tests.support.factories import Factory
from tests.support.live import LiveServer

VERBS = [["serve"], ["db", "upgrade"], ["users", "create"], ["businesses", "create"], ["businesses", "invite"],
         ["apps", "create"], ["apps", "legacy-credentials"], ["tokens", "issue"], ["demo"], ["clock", "show"],
         ["clock", "freeze"], ["clock", "advance"], ["clock", "resume"], ["faults", "add"], ["faults", "list"],
         ["faults", "clear"], ["journal"]]


def run(*argv: str, database: Path, public_url: str = "http://testserver") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGERD_DATABASE_URL": f"sqlite:///{database}", "LEDGERD_PUBLIC_URL": public_url}
    return subprocess.run([sys.executable, "-m", "ledgerd", *argv], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_every_verb_has_help(verb: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # In this process: the real entry point (`python -m ledgerd`) is started by the tests below.
    with pytest.raises(SystemExit) as done:
        main([*verb, "--help"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith(f"usage: ledgerd {' '.join(verb)}")


def test_demo_sets_up_books_an_app_and_a_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The first `demo` is the real command (a process of its own); what follows runs in this process."""
    database = tmp_path / "demo.sqlite"
    demo = run("demo", "--no-serve", "--json", database=database)
    assert demo.returncode == 0, demo.stderr
    info = json.loads(demo.stdout)
    assert info["login"] == "demo@ledgerd.example" and info["authorize_url"].startswith("http://")
    assert "client_id=" in info["authorize_url"] and info["client_secret"]
    ledgerd = in_process(monkeypatch, capsys, f"sqlite:///{database}")
    access = ledgerd("tokens", "issue", "--user", info["login"], "--app", info["client_id"], "--json").json()[
        "access_token"]
    # Running the demo again keeps the same books, app and secret: a client configured once keeps working.
    again = ledgerd("demo", "--no-serve", "--json").json()
    assert (again["client_id"], again["client_secret"]) == (info["client_id"], info["client_secret"])
    # Without --json, the banner names where to look: the developer page, the console and the documentation.
    banner = ledgerd("demo", "--no-serve").out
    for where in ("http://testserver/developer", "http://testserver/console", "http://testserver/docs",
                  "http://testserver/uki/sageone/accounts/v3", "http://testserver/accounts/v2",
                  f"ledgerd apps legacy-credentials '{info['client_id']}'"):
        assert where in banner

    url = f"sqlite:///{database}"
    upgrade(url)
    app = create_app(Settings(database_url=url, env="test", password_scrypt_n=TEST_SCRYPT_N, public_url="http://testserver"))
    with TestClient(app, base_url="http://testserver") as client:
        credentials = {"token": "unknown", "client_id": info["client_id"], "client_secret": info["client_secret"]}
        assert client.post("/revoke", data=credentials).json() == {"success": "ok"}  # the secret still works
        headers = {"Authorization": f"Bearer {access}"}
        invoices = client.get("/v3.1/sales_invoices", params={"attributes": "status"}, headers=headers).json()
        assert sorted(i["status"]["id"] for i in invoices["$items"]) == ["PAID", "PART_PAID", "UNPAID"]
        trial = client.get("/v3.1/trial_balance", headers=headers).json()
        assert trial["$total"] > 0
    app.state.runtime.engine.dispose()


def test_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    done = run("tokens", "issue", "--user", "nobody@example.com", "--app", "x", database=tmp_path / "e.sqlite")
    assert done.returncode == 2 and done.stderr.startswith("ledgerd: ")


def test_serve_on_any_port_and_host_accepts_the_tokens_the_cli_issues(tmp_path: Path) -> None:
    """No LEDGERD_PUBLIC_URL: `ledgerd serve --port N` accepts the tokens `ledgerd tokens issue` mints, at
    127.0.0.1 and at localhost, and a refresh at one address gives tokens that work at the other."""
    database = tmp_path / "serve.sqlite"
    assert run("db", "upgrade", database=database, public_url="").returncode == 0
    for argv in (["users", "create", "--email", "dev@example.com", "--password", "a long password 1"],
                 ["businesses", "create", "--owner", "dev@example.com", "--name", "Dev Ltd", "--country", "GB"]):
        done = run(*argv, database=database, public_url="")
        assert done.returncode == 0, done.stderr
    made = run("apps", "create", "--owner", "dev@example.com", "--name", "Dev", "--redirect-uri",
               "http://localhost:8080/callback", "--json", database=database, public_url="")
    app = json.loads(made.stdout)
    issued = run("tokens", "issue", "--user", "dev@example.com", "--app", app["client_id"], "--json",
                 database=database, public_url="")
    token = json.loads(issued.stdout)
    server = LiveServer(f"sqlite:///{database}", extra_env={"LEDGERD_PUBLIC_URL": ""})
    try:
        for base in (f"http://127.0.0.1:{server.port}", f"http://localhost:{server.port}"):
            me = httpx.get(f"{base}/v3.1/user", headers={"Authorization": f"Bearer {token['access_token']}"})
            assert me.status_code == 200, me.text
        refreshed = httpx.post(f"http://localhost:{server.port}/token", data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app["client_id"],
            "client_secret": app["client_secret"]})
        assert refreshed.status_code == 200, refreshed.text
        access = refreshed.json()["access_token"]
        me = httpx.get(f"http://127.0.0.1:{server.port}/v3.1/user", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code == 200, me.text
        metadata = httpx.get(f"http://localhost:{server.port}/.well-known/oauth-authorization-server").json()
        assert metadata["issuer"] == f"http://localhost:{server.port}"
    finally:
        server.stop()


# --- administrators and the inventory (users, businesses, apps, tokens: docs/sandbox.md) ------------------------
# Run in this process (`main`) on the session's databases, SQLite and PostgreSQL: a process per command would cost
# seconds each. The commands' own output is what is checked.

INVENTORY_VERBS = [["users", "list"], ["users", "delete"], ["users", "grant-admin"], ["businesses", "list"],
                   ["apps", "list"], ["apps", "delete"], ["tokens", "list"], ["tokens", "revoke"]]
LONG_PASSWORD = "a long password 1"


@pytest.fixture
def ledgerd(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str) -> Ledgerd:
    return in_process(monkeypatch, capsys, database_url)


@pytest.mark.parametrize("verb", INVENTORY_VERBS, ids=" ".join)
def test_every_inventory_verb_has_help(verb: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*verb, "--help"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith(f"usage: ledgerd {' '.join(verb)}")


def test_users_create_admin_and_grant_admin(ledgerd: Ledgerd) -> None:
    admin, plain = (f"{who}-{secrets.token_hex(4)}@example.com" for who in ("admin", "plain"))
    made = ledgerd("users", "create", "--email", admin, "--password", LONG_PASSWORD, "--admin", "--json").json()
    assert made["email"] == admin and made["is_admin"] is True
    created = ledgerd("users", "create", "--email", plain, "--password", LONG_PASSWORD)
    assert created.code == 0 and created.out.startswith(f"created user {plain} (id ")
    assert ledgerd("users", "create", "--email", admin.upper(), "--password", LONG_PASSWORD).code == 2

    def admins() -> dict[str, bool]:
        return {u["email"]: u["is_admin"] for u in ledgerd("users", "list", "--json").json()
                if u["email"] in (admin, plain)}

    assert admins() == {admin: True, plain: False}
    granted = ledgerd("users", "grant-admin", plain)
    assert (granted.code, granted.out) == (0, f"{plain} is now a ledgerd administrator\n")
    assert admins() == {admin: True, plain: True}
    revoked = ledgerd("users", "grant-admin", plain, "--revoke", "--json").json()
    assert revoked["is_admin"] is False and admins() == {admin: True, plain: False}
    unknown = ledgerd("users", "grant-admin", "nobody@example.com")
    assert unknown.code == 2 and unknown.err == "ledgerd: no user with e-mail nobody@example.com\n"


def test_inventory_lists_revokes_and_deletes(ledgerd: Ledgerd, factory: Factory, client: TestClient) -> None:
    owner, member = factory.user("Olive", "Owner"), factory.user("Mel", "Member")
    business = factory.business(owner, "Command Line Ltd")
    factory.member(business, member, Role.READ_ONLY)
    app, _ = factory.app(member, ["http://localhost:8080/callback", "https://cli.example.com/cb"])
    members_token, owners_token = factory.token(member, app), factory.token(owner, app)

    def alive(token: dict[str, Any]) -> bool:
        return client.get("/v3.1/user", headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 200

    users = {u["email"]: u for u in ledgerd("users", "list", "--json").json()}
    assert users[member.email]["businesses"] == [
        {"id": business.id, "displayed_as": "Command Line Ltd", "role": "read_only"}]
    assert users[owner.email]["businesses"][0]["role"] == "owner"
    listing = ledgerd("users", "list").out.splitlines()
    assert listing[0].split() == ["EMAIL", "NAME", "ADMIN", "CREATED", "ID", "BUSINESSES"]
    line = next(line for line in listing if line.startswith(member.email))
    assert "Mel Member" in line and line.endswith("Command Line Ltd (read_only)")

    businesses = ledgerd("businesses", "list", "--owner", owner.email, "--json").json()
    assert [(b["id"], b["owner"]["email"], b["members"]) for b in businesses] == [(business.id, owner.email, 2)]
    assert business.id in ledgerd("businesses", "list", "--owner", owner.email).out
    assert ledgerd("businesses", "list", "--owner", member.email).out == "no businesses\n"
    missing = ledgerd("businesses", "list", "--owner", "nobody@example.com")
    assert missing.code == 2 and missing.err == "ledgerd: No user has the e-mail address nobody@example.com.\n"

    apps = ledgerd("apps", "list", "--owner", member.email, "--json").json()
    assert [(a["client_id"], a["callbacks"], a["live_token_families"]) for a in apps] == [
        (app.client_id, ["http://localhost:8080/callback", "https://cli.example.com/cb"], 2)]
    assert app.client_id in ledgerd("apps", "list", "--owner", member.email).out

    families = ledgerd("tokens", "list", "--user", member.email, "--json").json()
    assert [(f["app"]["client_id"], f["status"]) for f in families] == [(app.client_id, "live")]
    assert len(ledgerd("tokens", "list", "--app", app.client_id, "--json").json()) == 2
    assert families[0]["id"] in ledgerd("tokens", "list", "--app", app.client_id).out

    unnamed = ledgerd("tokens", "revoke")
    assert unnamed.code == 2 and unnamed.err.startswith("ledgerd: name the token families to revoke")
    assert ledgerd("tokens", "revoke", "--user", member.email, "--json").json() == {"revoked": [families[0]["id"]]}
    assert not alive(members_token) and alive(owners_token)
    again = ledgerd("tokens", "revoke", "--family", families[0]["id"])
    assert (again.code, again.out) == (0, "revoked 0 token family(ies)\n")
    status = ledgerd("tokens", "list", "--user", member.email, "--json").json()[0]
    assert (status["status"], status["revoked_reason"]) == ("revoked", "revoked_by_administrator")

    refused = ledgerd("users", "delete", owner.email)
    assert refused.code == 2 and f"owns 1 business: Command Line Ltd ({business.id})" in refused.err
    assert f"`ledgerd businesses delete {business.id}`" in refused.err

    deleted = ledgerd("apps", "delete", app.client_id)
    assert deleted.code == 0 and deleted.out.startswith(f"deleted app {app.client_id}; 1 token family(ies) revoked")
    assert not alive(owners_token)
    assert ledgerd("apps", "list", "--owner", member.email, "--json").json() == []
    gone = ledgerd("apps", "delete", app.client_id)
    assert gone.code == 2 and gone.err == f"ledgerd: No app has the client id {app.client_id}.\n"

    removed = ledgerd("users", "delete", member.email, "--json").json()
    assert removed == {"email": member.email, "memberships": 1, "apps": 0, "token_families": 0,
                       "browser_sessions": 0}
    assert member.email not in {u["email"] for u in ledgerd("users", "list", "--json").json()}
    assert ledgerd("businesses", "list", "--owner", owner.email, "--json").json()[0]["members"] == 1


def test_the_last_administrator_is_not_deleted(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    """On a database of its own: the session's have administrators made by other tests."""
    ledgerd = in_process(monkeypatch, capsys, f"sqlite:///{tmp_path / 'admins.sqlite'}")
    for email in ("first@example.com", "second@example.com"):
        assert ledgerd("users", "create", "--email", email, "--password", LONG_PASSWORD, "--admin").code == 0
    assert ledgerd("users", "delete", "first@example.com").code == 0
    last = ledgerd("users", "delete", "second@example.com")
    assert last.code == 2 and last.err == ("ledgerd: second@example.com is the last ledgerd administrator; make "
                                           "another one first (`ledgerd users grant-admin EMAIL`).\n")
    assert [u["email"] for u in ledgerd("users", "list", "--json").json()] == ["second@example.com"]
    assert ledgerd("users", "list").out.splitlines()[1].startswith("second@example.com")
    kept = ledgerd("users", "grant-admin", "second@example.com", "--revoke")  # nor made no longer one
    assert kept.code == 2 and "is the last ledgerd administrator" in kept.err
    assert ledgerd("users", "list", "--json").json()[0]["is_admin"] is True


def test_clock_show_freeze_advance_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`ledgerd clock`: the setting the admin API and every server follow, in the database; what the CLI itself
    issues follows it too (a token of the frozen clock). The first command is the real one (a process of its
    own), the others run in this process; a command of another process sees what they changed."""
    database = tmp_path / "clock.sqlite"
    assert json.loads(run("clock", "show", "--json", database=database).stdout)["frozen"] is False
    ledgerd = in_process(monkeypatch, capsys, f"sqlite:///{database}")
    frozen = ledgerd("clock", "freeze", "2024-06-15T14:00:00+02:00")
    assert frozen.code == 0 and frozen.out.startswith("2024-06-15T12:00:00Z (frozen;"), frozen.out
    moved = ledgerd("clock", "advance", "1h30m", "--json").json()
    assert (moved["now"], moved["frozen"]) == ("2024-06-15T13:30:00Z", True)
    refused = ledgerd("clock", "advance", "soon")
    assert refused.code == 2 and refused.err.startswith("ledgerd: 'soon' is not a duration")
    resumed = ledgerd("clock", "resume", "--json").json()
    assert (resumed["frozen"], resumed["offset"]) == (False, "0s")


def test_faults_add_list_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """In this process, but for one listing by the real command (a process of its own)."""
    database = tmp_path / "faults.sqlite"
    ledgerd = in_process(monkeypatch, capsys, f"sqlite:///{database}")
    rule = ledgerd("faults", "add", "--status", "503", "--times", "3", "--path", "/v3.1/contacts*", "--json").json()
    assert (rule["status"], rule["times"], rule["path"], rule["code"]) == (503, 3, "/v3.1/contacts*",
                                                                          "ServiceUnavailable")
    slow = ledgerd("faults", "add", "--latency", "1.5s", "--method", "post")
    assert slow.code == 0 and "POST * -> +1500 ms; every call" in slow.out, slow.out
    listed = run("faults", "list", database=database).stdout.splitlines()
    assert len(listed) == 2 and listed[0].startswith(f"#{rule['id']} * /v3.1/contacts* -> 503 ServiceUnavailable")
    bad = ledgerd("faults", "add", "--preset", "maintenance", "--drop")
    assert bad.code == 2 and "not both" in bad.err
    assert ledgerd("faults", "clear", str(rule["id"])).out.strip() == "cleared 1 fault rule"
    assert ledgerd("faults", "clear", "999").code == 2
    assert ledgerd("faults", "clear", "--json").json() == {"cleared": 1}
    assert ledgerd("faults", "list").out.strip() == "no fault rules"
def test_business_state_verbs_snapshot_export_import_clone_reset_delete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """In the test's process (`main`), which costs a fraction of a process per verb."""
    monkeypatch.setenv("LEDGERD_DATABASE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("LEDGERD_PASSWORD_SCRYPT_N", str(TEST_SCRYPT_N))
    monkeypatch.setenv("LEDGERD_ENV", "test")

    def ledgerd(*argv: str, status: int = 0) -> tuple[str, str]:
        assert main(list(argv)) == status
        done = capsys.readouterr()
        return done.out, done.err

    # plain progress lines (not a terminal), the last at every migration
    assert re.search(r"^db upgrade: (\d+)/\1 \(100%\)", ledgerd("db", "upgrade")[1], re.M)
    ledgerd("users", "create", "--email", "owner@example.com", "--password", "long enough password")
    business = json.loads(ledgerd("businesses", "create", "--owner", "owner@example.com", "--name", "Acme",
                                  "--country", "GB", "--json")[0])["id"]
    assert json.loads(ledgerd("businesses", "snapshot", business, "--name", "clean", "--json")[0])["name"] == "clean"
    listed = json.loads(ledgerd("businesses", "snapshots", business, "--json")[0])
    assert [item["name"] for item in listed["$items"]] == ["clean"]
    assert "restored to snapshot 'clean'" in ledgerd("businesses", "restore", business, "--name", "clean")[0]
    books = tmp_path / "books.json"
    books.write_text(ledgerd("businesses", "export", business)[0])
    assert json.loads(books.read_text())["business"]["id"] == business
    assert "deleted business Acme" in ledgerd("businesses", "delete", business)[0]
    out, err = ledgerd("businesses", "import", "--owner", "owner@example.com", str(books), "--json")
    assert json.loads(out)["id"] == business and "import: " in err
    err = ledgerd("businesses", "import", "--owner", "owner@example.com", str(books), status=2)[1]
    assert "already exists" in err and "--new-ids" in err
    copy = json.loads(ledgerd("businesses", "clone", business, "--name", "Copy", "--json")[0])
    assert copy["name"] == "Copy" and copy["id"] != business
    assert json.loads(ledgerd("businesses", "reset", copy["id"], "--json")[0])["id"] == copy["id"]
    ledgerd("businesses", "snapshot", business, "--name", "again")
    assert "deleted snapshot 'again'" in ledgerd("businesses", "delete-snapshot", business, "--name", "again")[0]
    assert "no snapshot named 'again'" in ledgerd("businesses", "restore", business, "--name", "again", status=2)[1]
    books.write_text("{not json")
    assert "is not JSON" in ledgerd("businesses", "import", "--owner", "owner@example.com", str(books), status=2)[1]
def test_serve_logs_every_request_unless_ledgerd_access_log_says_no(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGERD_ACCESS_LOG", raising=False)
    assert Settings.load(access_log=cli._access_log()).access_log is True
    monkeypatch.setenv("LEDGERD_ACCESS_LOG", "off")
    assert Settings.load(access_log=cli._access_log()).access_log is False


def test_tokens_issue_gives_an_old_apis_token_for_one_business(ledgerd: Ledgerd, factory: Factory,
                                                                 client: TestClient) -> None:
    owner = factory.user()
    first, second = factory.business(owner, "First Ltd"), factory.business(owner, "Second Ltd", country="IE")
    app, _ = factory.app(owner)
    keys = factory.subscription_keys(app)
    v3 = ledgerd("tokens", "issue", "--user", owner.email, "--app", app.client_id, "--api", "v3", "--business",
                 second.id, "--json").json()
    # 40 hexadecimal characters, 60 minutes, given for the business named (v3's resource_owner_id).
    assert len(v3["access_token"]) == 40 and v3["expires_in"] == 3600 and v3["resource_owner_id"] == second.id
    seen = client.get("/uki/sageone/accounts/v3/contacts", headers={
        "Authorization": f"Bearer {v3['access_token']}", "X-Site": second.id, "Ocp-Apim-Subscription-Key": keys[
            "primary"]})
    assert seen.status_code == 200, seen.text
    lead = ledgerd("tokens", "issue", "--user", owner.email, "--app", app.client_id, "--api", "v3", "--json").json()
    assert lead["resource_owner_id"] == first.id  # the lead business when none is named
    v2 = ledgerd("tokens", "issue", "--user", owner.email, "--app", app.client_id, "--api", "v2", "--json").json()
    assert len(v2["access_token"]) == 40 and "resource_owner_id" not in v2
    elsewhere = ledgerd("tokens", "issue", "--user", owner.email, "--app", app.client_id, "--api", "v2",
                        "--business", "0" * 32)
    assert elsewhere.code == 2 and "has no business" in elsewhere.err
