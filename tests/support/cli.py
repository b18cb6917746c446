"""The `ledgerd` command run in the test's own process: `main` as the entry point calls it, with the environment
a real run would have. A process per command costs seconds (the interpreter and every import, again); the
tests that are about the entry point itself start the real `python -m ledgerd` (tests/test_cli.py)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any

import pytest

from ledgerd.cli import main
from tests.conftest import TEST_SCRYPT_N


@dataclass
class Ran:
    """What a command did: its exit status and what it wrote."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)


Ledgerd = Callable[..., Ran]


def in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str,
               public_url: str = "http://testserver") -> Ledgerd:
    """`ledgerd ARGV...` on `database_url`; the environment is the test's until it ends (`monkeypatch`)."""
    monkeypatch.setenv("LEDGERD_DATABASE_URL", database_url)
    monkeypatch.setenv("LEDGERD_PUBLIC_URL", public_url)
    monkeypatch.setenv("LEDGERD_ENV", "test")
    monkeypatch.setenv("LEDGERD_PASSWORD_SCRYPT_N", str(TEST_SCRYPT_N))

    def ledgerd(*argv: str) -> Ran:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return ledgerd


def call(argv: list[str], env: Mapping[str, str | None]) -> Ran:
    """`ledgerd ARGV...` with `env` set (None: unset) for this call only: for fixtures wider than a test."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        for name, value in env.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        code = main(argv)
    return Ran(code, out.getvalue(), err.getvalue())
