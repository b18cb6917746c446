"""The kit as a pytest plugin: its fixtures are all named `ledgerd_…`, and a session that uses none of them
starts no server. (What the fixtures give is shown by examples/test_with_ledgerd.py, which runs in the suite.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KIT = ("ledgerd_environment", "ledgerd_server", "ledgerd_template", "ledgerd_business", "ledgerd_token",
       "ledgerd_client", "ledgerd_admin", "ledgerd_clock", "ledgerd_faults", "ledgerd_journal")


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """An inner pytest run in `tmp_path` with only the kit loaded (as the entry point would load it)."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "ledgerd.testing.plugin", "-p", "no:cacheprovider",
                           f"--basetemp={tmp_path / 'base'}", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def test_the_kits_fixtures_are_all_named_ledgerd(tmp_path: Path) -> None:
    listed = _pytest(tmp_path, "--fixtures")
    assert listed.returncode in (0, 5), listed.stdout + listed.stderr  # 5: no tests collected
    kit = [line.split()[0] for line in listed.stdout.splitlines() if "ledgerd/testing/plugin.py" in line]
    assert sorted(kit) == sorted(KIT)


def test_a_session_that_uses_no_fixture_starts_no_server(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    ran = _pytest(tmp_path, "-q", "test_plain.py")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout
    assert not list((tmp_path / "base").glob("ledgerd*")) and not list(tmp_path.rglob("ledgerd.sqlite"))


JOURNALLED = '''
import pytest

from ledgerd.client.errors import NotFound


def test_first(ledgerd_journal, ledgerd_client):  # the journal asked for before the client: its token flow is not in it
    ledgerd_client.get("/contacts")
    seen = [(e["method"], e["path"], e["status"]) for e in ledgerd_journal.entries()]
    assert seen == [("GET", "/v3.1/contacts", 200)]


def test_second(ledgerd_client, ledgerd_business, ledgerd_journal):
    with pytest.raises(NotFound) as missing:
        ledgerd_client.get("/contacts/" + "0" * 32)
    (only,) = ledgerd_journal.entries()  # not the first test's request
    assert only["status"] == 404 and only["request_id"] == missing.value.request_id
    assert ledgerd_journal.entries(status="2xx") == []
    entry = ledgerd_journal.request(missing.value.request_id)
    assert entry["business_id"] == ledgerd_business.id
    assert ledgerd_journal.header(entry["request"], "authorization") == "Bearer [redacted]"
    assert ledgerd_journal.entry(only["id"]) == entry
    ledgerd_journal.mark()
    assert ledgerd_journal.entries() == []
'''


def test_the_journal_fixture_shows_each_test_its_own_requests(tmp_path: Path) -> None:
    (tmp_path / "test_journalled.py").write_text(JOURNALLED)
    ran = _pytest(tmp_path, "-q", "test_journalled.py")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "2 passed" in ran.stdout
