"""A real PostgreSQL server for the test suite.

Either reuse the server named by ``LEDGERD_TEST_POSTGRES_URL`` or start a throwaway cluster from the
local ``initdb``/``pg_ctl`` binaries.  Each test database is created fresh and dropped afterwards.
"""

import atexit
import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ENV_VAR = "LEDGERD_TEST_POSTGRES_URL"
DRIVER = "postgresql+psycopg"
# Versioned install locations (Debian/Ubuntu, PGDG RPMs), searched after PATH, newest version first.
_BINDIR_GLOBS = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin")
_START_TIMEOUT = 60.0


class PostgresUnavailable(RuntimeError):
    """No usable PostgreSQL server could be found or started."""


def _to_conninfo(url: str) -> str:
    """Turn a SQLAlchemy URL into a libpq URI that psycopg accepts."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", *parts[1:]))


def _with_database(url: str, name: str) -> str:
    """Return ``url`` pointing at database ``name`` instead."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(name, safe=""), parts.query, parts.fragment))


def _database_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def _ping(url: str, timeout: int = 5) -> None:
    with psycopg.connect(_to_conninfo(url), connect_timeout=timeout) as conn:
        conn.execute("SELECT 1")


class PostgresServer:
    """A running server; owns the cluster (and its temp dirs) only when it started one."""

    def __init__(self, base_url: str, *, pg_ctl: list[str] | None = None, root: Path | None = None) -> None:
        self.base_url = base_url
        # ``pg_ctl`` is the full command prefix (possibly via runuser) up to and including ``-D DATADIR``.
        self._pg_ctl = pg_ctl
        self._root = root
        self._stopped = False

    def create_database(self, name_prefix: str = "ledgerd", *, template: str | None = None) -> str:
        """Create a fresh, uniquely named database and return its SQLAlchemy URL; with `template` (the URL of a
        database no one is connected to) a copy of that database."""
        name = f"{name_prefix}_{secrets.token_hex(4)}"
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(_database_of(template)))
        with psycopg.connect(_to_conninfo(self.base_url), autocommit=True) as conn:
            conn.execute(create)
            # A test database need not outlive a crash: a commit does not wait for its WAL to reach the disk
            # (what is committed is seen by every session at once all the same).
            conn.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name)))
        return _with_database(self.base_url, name)

    def drop_database(self, url: str) -> None:
        """Drop the database behind ``url``, kicking out any sessions still connected to it."""
        name = _database_of(url)
        if not name or name == _database_of(self.base_url):
            raise ValueError(f"refusing to drop maintenance database {name!r}")
        ident = sql.Identifier(name)
        with psycopg.connect(_to_conninfo(self.base_url), autocommit=True) as conn:
            if conn.info.server_version >= 130000:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
                return
            # Older servers cannot FORCE; leaked pool connections would make DROP fail otherwise.
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(ident))

    def stop(self) -> None:
        """Shut down a throwaway cluster and delete its files; no-op for external servers or when repeated."""
        if self._stopped:
            return
        self._stopped = True
        if self._pg_ctl is None or self._root is None:
            return
        data = self._root / "data"
        if (data / "postmaster.pid").exists():
            # Immediate mode: the data is disposable, so skip the shutdown checkpoint.
            res = _run([*self._pg_ctl, "stop", "-m", "immediate", "-w"], self._root)
            if res.returncode != 0:
                _kill_postmaster(data)
        shutil.rmtree(self._root, ignore_errors=True)


def _kill_postmaster(data: Path) -> None:
    """Fallback when pg_ctl cannot stop the server: SIGQUIT the postmaster recorded in the pid file."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGQUIT)


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a server tool quietly, capturing output for error messages."""
    # Drop PG* variables so a developer's PGPORT/PGDATA/... cannot redirect our commands; run from a
    # directory the unprivileged user can enter (the caller's cwd may be /root).
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=_START_TIMEOUT + 30, cwd=cwd, env=env)


def _version_key(bindir: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", bindir.parent.name)) or (0,)


def _candidate_binaries() -> list[tuple[str, str]]:
    """(initdb, pg_ctl) pairs: PATH first, then versioned install dirs, newest first, deduplicated."""
    pairs: list[tuple[str, str]] = []
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        pairs.append((initdb, pg_ctl))
    dirs = [Path(p) for pattern in _BINDIR_GLOBS for p in sorted(Path("/").glob(pattern.lstrip("/")))]
    for bindir in sorted(dirs, key=_version_key, reverse=True):
        if os.access(bindir / "initdb", os.X_OK) and os.access(bindir / "pg_ctl", os.X_OK):
            pairs.append((str(bindir / "initdb"), str(bindir / "pg_ctl")))
    unique: dict[tuple[str, str], tuple[str, str]] = {}
    for a, b in pairs:
        unique.setdefault((os.path.realpath(a), os.path.realpath(b)), (a, b))
    return list(unique.values())


def _run_as() -> tuple[list[str], int, int]:
    """Command prefix and uid/gid for the cluster; initdb refuses to run as root, so drop privileges then."""
    if os.geteuid() != 0:
        return [], -1, -1
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if shutil.which("runuser"):
            return ["runuser", "-u", name, "--"], entry.pw_uid, entry.pw_gid
        if shutil.which("setpriv"):
            ids = [f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]
            return ["setpriv", *ids], entry.pw_uid, entry.pw_gid
        raise PostgresUnavailable("running as root but neither runuser nor setpriv is available")
    raise PostgresUnavailable("running as root but no 'postgres' or 'nobody' account exists")


def _free_port() -> int:
    # Small race with other processes grabbing the port; a failed start is retried on a new port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_cluster(initdb: str, pg_ctl: str) -> PostgresServer:
    prefix, uid, gid = _run_as()
    root = Path(tempfile.mkdtemp(prefix="ledgerd-pg-"))
    data, sockdir, log = root / "data", root / "sock", root / "server.log"
    sockdir.mkdir()
    if uid >= 0:
        for path in (root, sockdir):
            os.chown(path, uid, gid)
    ctl = [*prefix, pg_ctl, "-D", str(data)]
    server = PostgresServer("", pg_ctl=ctl, root=root)
    try:
        cmd = [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
        res = _run([*cmd, "--locale=C"], root)
        if res.returncode != 0:
            output = (res.stderr or res.stdout).strip()
            raise PostgresUnavailable(f"{initdb} exited {res.returncode}: {output}")
        errors: list[str] = []
        for _ in range(3):
            port = _free_port()
            opts = (
                f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            # -l sends server output to a file; otherwise the postmaster would hold our capture pipe open.
            wait = ["-w", "-t", str(int(_START_TIMEOUT))]
            res = _run([*ctl, *wait, "-l", str(log), "-o", opts, "start"], root)
            if res.returncode == 0:
                server.base_url = f"{DRIVER}://postgres@127.0.0.1:{port}/postgres"
                _wait_ready(server.base_url)
                atexit.register(server.stop)  # safety net if the session dies before teardown
                return server
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            errors.append(f"port {port}: {(res.stderr or res.stdout).strip()} {tail.strip()}")
        raise PostgresUnavailable(f"{pg_ctl} start failed: " + " | ".join(errors))
    except BaseException:
        server.stop()
        raise


def _wait_ready(url: str) -> None:
    """Poll until the server accepts a real session (pg_ctl -w only checks the postmaster is up)."""
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        try:
            _ping(url, timeout=2)
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"throwaway server never accepted connections: {exc}") from exc
            time.sleep(0.05)


def provide_server() -> PostgresServer:
    """Return the server from ``LEDGERD_TEST_POSTGRES_URL``, or start a throwaway local cluster."""
    url = os.environ.get(ENV_VAR, "").strip()
    if url:
        scheme, sep, rest = url.partition("://")
        if not sep or not scheme.startswith("postgres"):
            raise PostgresUnavailable(f"{ENV_VAR}={url!r} is not a postgresql:// URL")
        url = f"{DRIVER}://{rest}"
        try:
            _ping(url)
        except psycopg.Error as exc:
            raise PostgresUnavailable(f"{ENV_VAR} server at {url} does not answer: {exc}") from exc
        return PostgresServer(url)
    candidates = _candidate_binaries()
    if not candidates:
        searched = ", ".join(["PATH", *_BINDIR_GLOBS])
        hint = f"install PostgreSQL or set {ENV_VAR}"
        raise PostgresUnavailable(f"initdb/pg_ctl not found (searched {searched}); {hint}")
    failures: list[str] = []
    for initdb, pg_ctl in candidates:
        try:
            return _start_cluster(initdb, pg_ctl)
        except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
            failures.append(f"{initdb}: {exc}")
    raise PostgresUnavailable("could not start a throwaway PostgreSQL cluster; tried " + "; ".join(failures))
