"""`LedgerdServer`: a real `ledgerd serve` on a free port over a SQLite file, as the kit's fixtures use it.

Everything goes through the server's public faces: the `ledgerd` command (once, to make the administrator), the
pages (sign-up, the developer portal, the consent page of the authorization code flow) and the HTTP APIs.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ledgerd.client.admin import Admin
from ledgerd.client.oauth import Endpoints, OAuthClient, TokenSet
from ledgerd.testing import pages

CALLBACK = "http://localhost:8080/callback"  # never reached: the kit takes the code from the redirect
SNAPSHOT = "ledgerd-kit"  # the template business as the first test found it
PASSWORD_LENGTH = 24


class ServerError(Exception):
    """The server did not start, or the command line refused."""


@dataclass(frozen=True)
class Account:
    """A user of the server, by the e-mail address and password they sign in with."""

    email: str
    password: str


@dataclass(frozen=True)
class Business:
    """A business of the kit's server and the account that owns it."""

    id: str
    name: str
    country: str
    owner: Account


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LedgerdServer:
    """A `ledgerd serve` process over `directory/ledgerd.sqlite`, with one app registered in its developer portal
    by the `developer` account (`client_id`, `client_secret`, `redirect_uri`). `environment` adds or overrides
    `LEDGERD_*` variables."""

    def __init__(self, directory: Path, environment: dict[str, str] | None = None) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{directory / 'ledgerd.sqlite'}"
        self.log = directory / "ledgerd.log"
        self.environment = {
            **os.environ, "LEDGERD_DATABASE_URL": self.database_url, "LEDGERD_PUBLIC_URL": self.url,
            "LEDGERD_ENV": "test", "LEDGERD_LOG_LEVEL": "warning",
            # Cheap password hashes: the kit's accounts are made and signed in to many times a session.
            "LEDGERD_PASSWORD_SCRYPT_N": "256", **(environment or {})}
        self.endpoints = Endpoints.under(self.url)
        self.http = httpx.Client(timeout=30)
        self.redirect_uri = CALLBACK
        self.client_id = self.client_secret = ""
        self.developer = Account("", "")
        self._process: subprocess.Popen[bytes] | None = None
        self._admin: Account | None = None
        self._admin_api: Admin | None = None
        self._snapshotted: set[str] = set()

    # ---- the process ---------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start serving (migrating the new database first) and register the kit's app."""
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "ledgerd", "serve", "--port", str(self.port)],
                env=self.environment, stdout=log, stderr=subprocess.STDOUT)
        self._wait()
        self.developer = self.sign_up(business_name=None)
        with self.browser() as browser:
            pages.sign_in(browser, self.url, self.developer.email, self.developer.password)
            self.client_id, self.client_secret = pages.register_app(browser, self.url, "ledgerd pytest kit",
                                                                    self.redirect_uri)

    def _wait(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(f"ledgerd serve exited with {self._process.returncode}: {self._log_tail()}")
            try:
                if self.http.get(f"{self.url}/.well-known/oauth-authorization-server", timeout=1).is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise ServerError(f"ledgerd serve did not answer within 120 s: {self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.http.close()

    def command(self, *args: str) -> str:
        """Run `ledgerd ARGS…` against this server's database; its standard output."""
        done = subprocess.run([sys.executable, "-m", "ledgerd", *args], env=self.environment, capture_output=True,
                              text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise ServerError(f"ledgerd {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    # ---- accounts and tokens -------------------------------------------------------------------------------

    def browser(self) -> httpx.Client:
        """A new browser for the server's pages (its own cookies)."""
        return httpx.Client(timeout=30)

    def sign_up(self, *, business_name: str | None, country: str = "GB") -> Account:
        """A new account through the sign-up page, with a first business of that name (or none)."""
        account = Account(f"kit-{secrets.token_hex(6)}@ledgerd.test", secrets.token_urlsafe(PASSWORD_LENGTH))
        with self.browser() as browser:
            pages.sign_up(browser, self.url, email=account.email, password=account.password,
                          business_name=business_name or "", country=country)
        return account

    @property
    def admin(self) -> Account:
        """The kit's ledgerd administrator: the account that registered the kit's app, made an administrator
        with `ledgerd users grant-admin` the first time it is asked for."""
        if self._admin is None:
            self.command("users", "grant-admin", self.developer.email)
            self._admin = self.developer
        return self._admin

    @property
    def admin_api(self) -> Admin:
        """The admin API as the kit's administrator. Its token pair refreshes itself, and when the refresh
        token is refused too (the clock moved past its 31 days) the administrator signs in again."""
        if self._admin_api is None:
            account = self.admin
            self._admin_api = Admin.connect(self.url, self.authorize(account), self.oauth(),
                                            reauthorize=lambda: self.authorize(account))
        return self._admin_api

    def oauth(self) -> OAuthClient:
        """The kit's app as an OAuth client of this server."""
        return OAuthClient(self.client_id, self.client_secret, self.redirect_uri, endpoints=self.endpoints,
                           http=self.http)

    def authorize(self, account: Account, *, scope: str = "full_access", country: str = "GB") -> TokenSet:
        """A real token pair for an account: the authorization code flow with PKCE, the account signing in and
        allowing the kit's app on the consent page."""
        oauth = self.oauth()
        request = oauth.authorization_request(scope=scope, country=country)
        with self.browser() as browser:
            callback = pages.allow(browser, request.url, account.email, account.password)
        return oauth.exchange(request, callback)

    def new_business(self, name: str = "Kit Test Ltd", country: str = "GB") -> Business:
        """A new business with a new owner, opened through the sign-up page as a person would."""
        owner = self.sign_up(business_name=name, country=country)
        tokens = self.authorize(owner, country=country)
        listed = self.http.get(f"{self.endpoints.api_url}/businesses",
                               headers={"Authorization": f"Bearer {tokens.access_token}"})
        listed.raise_for_status()
        (only,) = listed.json()["$items"]
        return Business(only["id"], name, country, owner)

    def fresh(self, template: Business) -> Business:
        """`template` as it was when first asked for: its snapshot is taken the first time and restored every
        time after (the admin API's business state), so each test starts from the same books."""
        if template.id in self._snapshotted:
            self.admin_api.restore(template.id, SNAPSHOT)
        else:
            self.admin_api.snapshot(template.id, SNAPSHOT)
            self._snapshotted.add(template.id)
        return template
