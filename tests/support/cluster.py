"""Several real `ledgerd serve` processes on one database, and the CLI beside them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.conftest import TEST_SCRYPT_N
from tests.support.cli import call
from tests.support.live import LiveServer

# The issuer and audience base of every server of a cluster: a token from one is valid on all.
COMMON_URL = "http://ledgerd-cluster.test"


def cli(database_url: str, *args: str) -> dict[str, Any]:
    """Run a `ledgerd` command on the servers' database and parse its --json. It runs in the test's process
    (tests/support/cli.py), which is not one of the servers: they learn of what it wrote from the database alone,
    as they would from a command run anywhere else."""
    env = {"LEDGERD_PUBLIC_URL": COMMON_URL, "LEDGERD_ENV": "test", "LEDGERD_PASSWORD_SCRYPT_N": str(TEST_SCRYPT_N),
           "LEDGERD_DATABASE_URL": None}
    # `--database-url` goes after the verb: given before it, argparse lets the sub-command's own
    # default (None) overwrite it and the command silently falls back to the default SQLite file.
    verb, rest = args[:2], args[2:]
    result: dict[str, Any] = call([*verb, "--database-url", database_url, *rest, "--json"], env).json()
    return result


def bearer(token: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


def start_together(count: int, database_url: str, *, workers: int = 1,
                   extra_env: dict[str, str] | None = None) -> list[LiveServer]:
    """Start `count` servers on one database at the same instant; stop them all if any fails."""
    barrier = threading.Barrier(count)

    def start() -> LiveServer:
        barrier.wait(timeout=30)
        return LiveServer(database_url, workers=workers,
                          extra_env={"LEDGERD_PUBLIC_URL": COMMON_URL, **(extra_env or {})})

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(start) for _ in range(count)]
    servers = [f.result() for f in futures if f.exception() is None]
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        for server in servers:
            server.stop()
        raise RuntimeError(f"a server did not start: {errors[0]}") from errors[0]
    return servers
