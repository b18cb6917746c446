"""The nonces of signed API v2 calls (`X-Nonce`, auth-and-legacy §7.2), remembered per app so a captured call
cannot be sent again.

A nonce is kept for `WINDOW` after first use (as a SHA-256 hash), then forgotten. A replayed call needs the
signature of the same access token, which lives 60 minutes; the window covers that many times over, so a
sandbox clock moved or frozen in between does not reopen the door (docs/legacy-v2.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, Engine, ForeignKey, Index, String, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ledgerd.clock import Clock
from ledgerd.db.base import Base
from ledgerd.passwords import hash_secret

WINDOW = timedelta(hours=24)
MAX_LENGTH = 200  # Sage's signers sent 32 or 64 characters; a longer one is refused before it is hashed


class LegacyNonce(Base):
    """A nonce an app has used, by hash, and when."""

    __tablename__ = "legacy_nonces"
    __table_args__ = (Index("ix_legacy_nonces_app_id_seen_at", "app_id", "seen_at"),)

    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def first_use(engine: Engine, clock: Clock, app_id: str, nonce: str) -> bool:
    """Remember `nonce` for `app_id`: True the first time within the window, False for a replay. Runs in its own
    transaction (a nonce is spent even if the call then fails); the app's expired nonces go in the same one."""
    now = clock.now()
    try:
        with engine.begin() as conn:
            conn.execute(delete(LegacyNonce).where(LegacyNonce.app_id == app_id, LegacyNonce.seen_at <= now - WINDOW))
            conn.execute(insert(LegacyNonce).values(app_id=app_id, nonce_hash=hash_secret(nonce), seen_at=now))
    except IntegrityError:
        return False
    return True
