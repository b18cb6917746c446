"""The pytest kit's fixtures (registered by the `pytest11` entry point `ledgerd`; docs/sandbox.md, "Testing with
pytest"). Every name starts with `ledgerd_`. Nothing starts until a test asks for a fixture: the server is
started by the first test that needs it and serves the rest of the session.

    ledgerd_environment   (session) extra LEDGERD_* variables for the server; override it in a conftest.py
    ledgerd_server        (session) a real `ledgerd serve` on a free port over a temporary SQLite file
    ledgerd_template      (session) the business each test's ledgerd_business starts as; override it to seed it
    ledgerd_business      the template business, restored from its snapshot before each test
    ledgerd_token         a real token pair of the business's owner, from the authorization code flow with PKCE
    ledgerd_client        a SageClient with that pair, sending the business in X-Business
    ledgerd_admin         (session) `ledgerd.client.admin.Admin`: the admin API as a ledgerd administrator
    ledgerd_clock         the server's clock (freeze, advance, resume); back on the wall clock after the test
    ledgerd_faults        the server's fault rules (add, rules, clear); cleared after the test
    ledgerd_journal       the request journal since the test began (entries, request by X-Request-Id)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledgerd.client.admin import Admin
from ledgerd.client.api import SageClient
from ledgerd.client.oauth import TokenSet
from ledgerd.testing.controls import Clock, Faults, Journal
from ledgerd.testing.server import Business, LedgerdServer


@pytest.fixture(scope="session")
def ledgerd_environment() -> dict[str, str]:
    """Extra `LEDGERD_*` variables for the kit's server (e.g. `{"LEDGERD_RATE_LIMIT": "100"}`)."""
    return {}


@pytest.fixture(scope="session")
def ledgerd_server(tmp_path_factory: pytest.TempPathFactory,
                   ledgerd_environment: dict[str, str]) -> Iterator[LedgerdServer]:
    """A real `ledgerd serve` for the session, with the kit's app registered (`client_id`, `client_secret`)."""
    server = LedgerdServer(tmp_path_factory.mktemp("ledgerd"), ledgerd_environment)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def ledgerd_template(ledgerd_server: LedgerdServer) -> Business:
    """The business every test's `ledgerd_business` starts as: a new GB business opened through the sign-up page.
    Override it in a conftest.py to start every test from books of your own, seeded once."""
    return ledgerd_server.new_business()


@pytest.fixture
def ledgerd_business(ledgerd_server: LedgerdServer, ledgerd_template: Business) -> Business:
    """The template business, put back before each test as the first test found it (a snapshot restored)."""
    return ledgerd_server.fresh(ledgerd_template)


@pytest.fixture
def ledgerd_token(ledgerd_server: LedgerdServer, ledgerd_business: Business) -> TokenSet:
    """A token pair of the business's owner for the kit's app (`full_access`)."""
    return ledgerd_server.authorize(ledgerd_business.owner, country=ledgerd_business.country)


@pytest.fixture
def ledgerd_client(ledgerd_server: LedgerdServer, ledgerd_business: Business,
                   ledgerd_token: TokenSet) -> Iterator[SageClient]:
    """The v3.1 API as the business's owner, with `X-Business` set; refreshes its pair on a 401."""
    with SageClient(ledgerd_token, ledgerd_server.oauth(), business=ledgerd_business.id) as client:
        yield client


@pytest.fixture(scope="session")
def ledgerd_admin(ledgerd_server: LedgerdServer) -> Admin:
    """The admin API (`/ledgerd/v1/admin`) as the kit's administrator (made with `ledgerd users grant-admin` the
    first time it is asked for)."""
    return ledgerd_server.admin_api


@pytest.fixture
def ledgerd_clock(ledgerd_admin: Admin) -> Iterator[Clock]:
    """The server's clock: `freeze(at)`, `advance("6m")`, `resume()`, `now()`. Back on the wall clock after the
    test."""
    clock = Clock(ledgerd_admin)
    yield clock
    clock.reset()


@pytest.fixture
def ledgerd_faults(ledgerd_admin: Admin) -> Iterator[Faults]:
    """The server's fault rules: `add(status=503, times=3)`, `add(preset="rate_limit")`, `rules()`, `clear()`.
    Every rule is cleared after the test."""
    faults = Faults(ledgerd_admin)
    yield faults
    faults.reset()


# The kit's fixtures that make requests of their own when set up (the snapshot's restore, the token flow): a test
# that asks for them has them set up before the journal's mark, whatever the order of its arguments.
_SET_UP_FIRST = ("ledgerd_business", "ledgerd_token", "ledgerd_client")


@pytest.fixture
def ledgerd_journal(request: pytest.FixtureRequest, ledgerd_admin: Admin) -> Journal:
    """The request journal as far as this test goes: `entries(app=, business=, status=, request_id=)` are the
    requests made since the test began (after the kit's own setup), newest first; `request(x_request_id)` is one
    with its headers and bodies, secrets redacted; `mark()` starts again from now."""
    for name in _SET_UP_FIRST:
        if name in request.fixturenames:
            request.getfixturevalue(name)
    return Journal(ledgerd_admin)
