"""Password hashing (ledgerd/passwords.py) at a tiny scrypt cost: what is stored, what verifies, what is outdated."""

from __future__ import annotations

import base64

import pytest

from ledgerd.passwords import OWASP_N, P, Passwords, R, hash_secret

N = 2**4


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(N)


def test_a_hash_names_its_scheme_and_cost(passwords: Passwords) -> None:
    scheme, n, r, p, salt, digest = passwords.hash("correct horse").split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", N, R, P)
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(digest)) == 32


def test_the_same_password_hashes_differently_each_time(passwords: Passwords) -> None:
    assert passwords.hash("same") != passwords.hash("same")


def test_verify(passwords: Passwords) -> None:
    stored = passwords.hash("correct horse \u00e9\u20ac")
    assert passwords.verify("correct horse \u00e9\u20ac", stored)
    assert not passwords.verify("correct horse e\u20ac", stored)
    assert not passwords.verify("", stored)
    assert not passwords.verify("correct horse \u00e9\u20ac ", stored)


def test_a_hash_of_another_cost_still_verifies(passwords: Passwords) -> None:
    stored = Passwords(2**5).hash("pw")
    assert passwords.verify("pw", stored)


def test_without_a_stored_hash_nothing_verifies(passwords: Passwords) -> None:
    assert not passwords.verify("anything", None)
    assert not passwords.verify("anything", None)  # the dummy hash is made once and kept


@pytest.mark.parametrize("stored", ["", "plain", "md5$1$2$3$4$5", "scrypt$x$8$1$AAAA$AAAA", "scrypt$16$8$1$!!$AAAA",
                                    "scrypt$16$8$1$AAAA", "scrypt$16$8$1$AAAA$AAAA$extra", "scrypt$15$8$1$AAAA$AAAA"])
def test_a_malformed_hash_is_no_match_not_an_error(passwords: Passwords, stored: str) -> None:
    assert not passwords.verify("pw", stored)


def test_a_weaker_hash_is_outdated(passwords: Passwords) -> None:
    assert not passwords.outdated(passwords.hash("pw"))
    assert passwords.outdated(Passwords(N // 2).hash("pw"))
    assert not passwords.outdated(Passwords(N * 2).hash("pw"))
    assert passwords.outdated(f"scrypt${N}$4$1$AAAA$AAAA")
    assert passwords.outdated(f"scrypt${N}${R}$0$AAAA$AAAA")
    assert passwords.outdated("not a hash")
    assert passwords.outdated("scrypt$many$8$1$AAAA$AAAA")


def test_owasps_cost_is_the_default() -> None:
    assert (Passwords().n, OWASP_N, R, P) == (2**17, 2**17, 8, 1)


def test_hash_secret_is_sha256_hex() -> None:
    assert hash_secret("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_secret("abc") != hash_secret("abd")
