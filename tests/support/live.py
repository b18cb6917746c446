"""Real `ledgerd serve` processes on free ports, for tests that need a server over the network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, database_url: str, *, workers: int = 1, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        env = {**os.environ, "LEDGERD_DATABASE_URL": database_url, "LEDGERD_PUBLIC_URL": self.url,
               "LEDGERD_ENV": "test", "LEDGERD_LOG_LEVEL": "warning", "LEDGERD_PASSWORD_SCRYPT_N": "256",
               **(extra_env or {})}
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"ledgerd-live-{self.port}.log"
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ledgerd", "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env, stdout=self._log_file, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ledgerd serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/.well-known/oauth-authorization-server", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"ledgerd serve did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
