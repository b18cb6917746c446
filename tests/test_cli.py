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

from ledgerd import cli
from ledgerd.app import create_app
from ledgerd.config import Settings
from ledgerd.db.migrate import upgrade
from tests.conftest import TEST_SCRYPT_N
from tests.support.live import LiveServer

VERBS = [["serve"], ["db", "upgrade"], ["users", "create"], ["businesses", "create"], ["businesses", "invite"],
         ["apps", "create"], ["tokens", "issue"], ["demo"], ["journal"]]


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


def test_serve_logs_every_request_unless_ledgerd_access_log_says_no(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGERD_ACCESS_LOG", raising=False)
    assert Settings.load(access_log=cli._access_log()).access_log is True
    monkeypatch.setenv("LEDGERD_ACCESS_LOG", "off")
    assert Settings.load(access_log=cli._access_log()).access_log is False
