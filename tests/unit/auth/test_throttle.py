"""The subjects of sign-in and sign-up limits (auth/throttle.py): a client's address, an IPv6 client's /64."""

from __future__ import annotations

import hashlib

import pytest

from ledgerd.auth.throttle import SIGN_IN_ACCOUNT, SIGN_IN_ADDRESS, SIGN_UP_ADDRESS, Limit, client_address


@pytest.mark.parametrize(("host", "subject"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
    ("::1", "::/64"),
    ("::ffff:203.0.113.7", "::/64"),
    ("testclient", "testclient"),
    ("", "unknown"),
    (None, "unknown"),
])
def test_client_address(host: str | None, subject: str) -> None:
    assert client_address(host) == subject


def test_one_ipv6_host_cannot_escape_its_limit_by_changing_address() -> None:
    assert client_address("2001:db8::1") == client_address("2001:db8::ffff:1") != client_address("2001:db8:0:1::1")


def test_a_limit_keys_its_subject_by_hash() -> None:
    key = SIGN_IN_ACCOUNT.key("Me@Example.com")
    assert key == "sign-in:account:" + hashlib.sha256(b"Me@Example.com").hexdigest()
    assert "Example" not in key
    assert Limit("x", 1, 1).key("a") != Limit("y", 1, 1).key("a")


def test_the_limits() -> None:
    assert (SIGN_IN_ACCOUNT.attempts, SIGN_IN_ACCOUNT.window) == (10, 900)
    assert (SIGN_IN_ADDRESS.attempts, SIGN_IN_ADDRESS.window) == (50, 900)
    assert (SIGN_UP_ADDRESS.attempts, SIGN_UP_ADDRESS.window) == (10, 3600)
    assert len({SIGN_IN_ACCOUNT.name, SIGN_IN_ADDRESS.name, SIGN_UP_ADDRESS.name}) == 3
