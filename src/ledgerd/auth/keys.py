"""The signing keys: generated on first start, persisted, shared by every process through the database."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from ledgerd.auth.models import SigningKey
from ledgerd.clock import Clock
from ledgerd.db.engine import unit_of_work

ALGORITHM = "RS512"
_KEYGEN_LOCK = 0x1ED6E7D  # any constant shared by all ledgerd processes


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class Key:
    kid: str
    private: rsa.RSAPrivateKey
    public: rsa.RSAPublicKey

    def jwk(self) -> dict[str, str]:
        numbers = self.public.public_numbers()
        return {"kty": "RSA", "use": "sig", "alg": ALGORITHM, "kid": self.kid,
                "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}


def _thumbprint(public: rsa.RSAPublicKey) -> str:
    """RFC 7638 JWK thumbprint: the key id clients see in the JWT header."""
    numbers = public.public_numbers()
    canonical = json.dumps({"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)},
                           separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def _load(row: SigningKey) -> Key:
    private = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    return Key(row.kid, private, private.public_key())


class KeyRing:
    """Signs with the oldest active key (so every process agrees) and verifies with any active key."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, Key] = {}
        self._signing: Key | None = None
        self._last_reload = 0.0

    def ensure(self) -> None:
        """Load the keys, generating the first one if the database has none.

        Processes starting together on an empty database must not each make a key: the check and the
        insert run under one lock (SQLite: the IMMEDIATE write transaction; PostgreSQL: an advisory
        lock), so exactly one key is created and every process then loads the same set.
        """
        with unit_of_work(self._sessions, write=True) as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _KEYGEN_LOCK})
            if session.scalar(select(SigningKey.kid).where(SigningKey.retired_at.is_(None)).limit(1)) is None:
                private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()).decode()
                session.add(SigningKey(kid=_thumbprint(private.public_key()), private_pem=pem,
                                       created_at=self._clock.now()))
        self.reload()

    def reload(self) -> None:
        with self._sessions() as session:
            rows = session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))
                                   .order_by(SigningKey.created_at, SigningKey.kid)).all()
            keys = [_load(row) for row in rows]
        with self._lock:
            self._last_reload = time.monotonic()
            self._keys = {k.kid: k for k in keys}
            self._signing = keys[0] if keys else None

    @property
    def signing(self) -> Key:
        if self._signing is None:
            self.ensure()
        assert self._signing is not None
        return self._signing

    def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._last_reload > 1.0:
            # Another process may have created a key since we loaded ours (at most one look a second,
            # so tokens with made-up key ids cannot hammer the database).
            self.reload()
            key = self._keys.get(kid)
        return key.public if key else None

    def jwks(self) -> dict[str, Any]:
        if not self._keys:
            self.ensure()
        return {"keys": [k.jwk() for k in self._keys.values()]}
