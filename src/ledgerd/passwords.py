"""Password hashing with scrypt (standard library), stored as `scrypt$n$r$p$salt$hash`.

The cost is OWASP's (Password Storage Cheat Sheet: N=2^17, r=8, p=1, i.e. 128 MiB and most of a second per
hash); `LEDGERD_PASSWORD_SCRYPT_N` may lower N in development and tests only (config.py). A hash made with
a weaker cost is replaced at the next successful sign-in (`Passwords.outdated`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading

OWASP_N, R, P = 2**17, 8, 1
MIN_PASSWORD_LENGTH = 8
# Hashes running at once per process; more wait. Each holds 128 * r * N bytes (128 MiB at OWASP's cost), so
# a burst of sign-ins cannot take the host's memory; two cores gain nothing from more anyway.
CONCURRENT_HASHES = 4


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # OpenSSL refuses more than 32 MiB unless told: allow exactly what these parameters need.
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=128 * r * (n + p + 2))


class Passwords:
    """Hashes and checks passwords at one cost; one per process (Runtime.passwords)."""

    def __init__(self, n: int = OWASP_N) -> None:
        self.n = n
        self._slots = threading.BoundedSemaphore(CONCURRENT_HASHES)
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        salt = secrets.token_bytes(16)
        with self._slots:
            digest = _scrypt(password, salt, self.n, R, P)
        return f"scrypt${self.n}${R}${P}${_b64(salt)}${_b64(digest)}"

    def verify(self, password: str, stored: str | None) -> bool:
        """Whether `password` matches `stored`. With no stored hash (no such account) the password is checked
        against a hash of the same cost all the same, so that the answer takes as long and cannot tell
        whether an e-mail address has an account."""
        if stored is None:
            self._check(password, self._dummy_hash())
            return False
        return self._check(password, stored)

    def outdated(self, stored: str) -> bool:
        """Whether a hash was made with a weaker cost than this one's (then it is replaced at sign-in)."""
        try:
            _, n, r, p, _, _ = stored.split("$")
            return int(n) < self.n or int(r) < R or int(p) < P
        except ValueError:
            return True

    def _check(self, password: str, stored: str) -> bool:
        try:
            scheme, n, r, p, salt, digest = stored.split("$")
            if scheme != "scrypt":
                return False
            with self._slots:
                actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
        except (ValueError, TypeError):
            return False
        return hmac.compare_digest(actual, base64.b64decode(digest))

    def _dummy_hash(self) -> str:
        if self._dummy is None:  # made once, on first need; a race makes two, both as good
            self._dummy = self.hash(secrets.token_urlsafe(16))
        return self._dummy


def hash_secret(secret: str) -> str:
    """Client secrets and codes are long random strings: one SHA-256 is enough and keeps checks fast."""
    return hashlib.sha256(secret.encode()).hexdigest()
