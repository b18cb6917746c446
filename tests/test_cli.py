"""The `ledgerd` command: every verb has --help; the demo sets up a working business, app and books."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from ledgerd.app import create_app
from ledgerd.config import Settings
from ledgerd.db.migrate import upgrade
from tests.conftest import TEST_SCRYPT_N
from tests.support.live import LiveServer

VERBS = [["serve"], ["db", "upgrade"], ["users", "create"], ["businesses", "create"], ["businesses", "invite"],
         ["apps", "create"], ["tokens", "issue"], ["demo"], ["clock", "show"], ["clock", "freeze"],
         ["clock", "advance"], ["clock", "resume"], ["faults", "add"], ["faults", "list"], ["faults", "clear"]]


def run(*argv: str, database: Path, public_url: str = "http://testserver") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGERD_DATABASE_URL": f"sqlite:///{database}", "LEDGERD_PUBLIC_URL": public_url}
    return subprocess.run([sys.executable, "-m", "ledgerd", *argv], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_every_verb_has_help(verb: list[str], tmp_path: Path) -> None:
    done = run(*verb, "--help", database=tmp_path / "x.sqlite")
    assert done.returncode == 0 and "usage: ledgerd" in done.stdout


def test_demo_sets_up_books_an_app_and_a_token(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite"
    demo = run("demo", "--no-serve", "--json", database=database)
    assert demo.returncode == 0, demo.stderr
    info = json.loads(demo.stdout)
    assert info["login"] == "demo@ledgerd.example" and info["authorize_url"].startswith("http://")
    assert "client_id=" in info["authorize_url"] and info["client_secret"]
    token = run("tokens", "issue", "--user", info["login"], "--app", info["client_id"], "--json", database=database)
    assert token.returncode == 0, token.stderr
    access = json.loads(token.stdout)["access_token"]
    # Running the demo again keeps the same books, app and secret: a client configured once keeps working.
    again = json.loads(run("demo", "--no-serve", "--json", database=database).stdout)
    assert (again["client_id"], again["client_secret"]) == (info["client_id"], info["client_secret"])

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


def test_clock_show_freeze_advance_resume(tmp_path: Path) -> None:
    """`ledgerd clock`: the setting the admin API and every server follow, in the database; what the CLI itself
    issues follows it too (a token of the frozen clock)."""
    database = tmp_path / "clock.sqlite"
    assert json.loads(run("clock", "show", "--json", database=database).stdout)["frozen"] is False
    frozen = run("clock", "freeze", "2024-06-15T14:00:00+02:00", database=database)
    assert frozen.returncode == 0 and frozen.stdout.startswith("2024-06-15T12:00:00Z (frozen;"), frozen.stdout
    moved = json.loads(run("clock", "advance", "1h30m", "--json", database=database).stdout)
    assert (moved["now"], moved["frozen"]) == ("2024-06-15T13:30:00Z", True)
    refused = run("clock", "advance", "soon", database=database)
    assert refused.returncode == 2 and refused.stderr.startswith("ledgerd: 'soon' is not a duration")
    resumed = json.loads(run("clock", "resume", "--json", database=database).stdout)
    assert (resumed["frozen"], resumed["offset"]) == (False, "0s")


def test_faults_add_list_clear(tmp_path: Path) -> None:
    database = tmp_path / "faults.sqlite"
    added = run("faults", "add", "--status", "503", "--times", "3", "--path", "/v3.1/contacts*", "--json",
                database=database)
    assert added.returncode == 0, added.stderr
    rule = json.loads(added.stdout)
    assert (rule["status"], rule["times"], rule["path"], rule["code"]) == (503, 3, "/v3.1/contacts*",
                                                                          "ServiceUnavailable")
    slow = run("faults", "add", "--latency", "1.5s", "--method", "post", database=database)
    assert slow.returncode == 0 and "POST * -> +1500 ms; every call" in slow.stdout, slow.stdout
    listed = run("faults", "list", database=database).stdout.splitlines()
    assert len(listed) == 2 and listed[0].startswith(f"#{rule['id']} * /v3.1/contacts* -> 503 ServiceUnavailable")
    bad = run("faults", "add", "--preset", "maintenance", "--drop", database=database)
    assert bad.returncode == 2 and "not both" in bad.stderr
    assert run("faults", "clear", str(rule["id"]), database=database).stdout.strip() == "cleared 1 fault rule"
    assert run("faults", "clear", "999", database=database).returncode == 2
    assert json.loads(run("faults", "clear", "--json", database=database).stdout) == {"cleared": 1}
    assert run("faults", "list", database=database).stdout.strip() == "no fault rules"
