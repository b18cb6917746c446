"""The `ledgerd` command: every verb has --help; the demo sets up a working business, app and books."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ledgerd.app import create_app
from ledgerd.config import Settings
from ledgerd.db.migrate import upgrade
from tests.conftest import TEST_SCRYPT_N

VERBS = [["serve"], ["db", "upgrade"], ["users", "create"], ["businesses", "create"], ["businesses", "invite"],
         ["apps", "create"], ["tokens", "issue"], ["demo"]]


def run(*argv: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGERD_DATABASE_URL": f"sqlite:///{database}", "LEDGERD_PUBLIC_URL": "http://testserver"}
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
    # Running the demo again keeps the same books and hands out a fresh secret.
    again = json.loads(run("demo", "--no-serve", "--json", database=database).stdout)
    assert again["client_id"] == info["client_id"] and again["client_secret"] != info["client_secret"]

    url = f"sqlite:///{database}"
    upgrade(url)
    app = create_app(Settings(database_url=url, env="test", password_scrypt_n=TEST_SCRYPT_N, public_url="http://testserver"))
    with TestClient(app, base_url="http://testserver") as client:
        headers = {"Authorization": f"Bearer {access}"}
        invoices = client.get("/v3.1/sales_invoices", params={"attributes": "status"}, headers=headers).json()
        assert sorted(i["status"]["id"] for i in invoices["$items"]) == ["PAID", "PART_PAID", "UNPAID"]
        trial = client.get("/v3.1/trial_balance", headers=headers).json()
        assert trial["$total"] > 0
    app.state.runtime.engine.dispose()


def test_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    done = run("tokens", "issue", "--user", "nobody@example.com", "--app", "x", database=tmp_path / "e.sqlite")
    assert done.returncode == 2 and done.stderr.startswith("ledgerd: ")
