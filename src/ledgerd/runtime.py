"""The objects a process builds once at start-up and every request shares."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledgerd.auth.keys import KeyRing
from ledgerd.auth.passwords import Passwords
from ledgerd.auth.tokens import Tokens
from ledgerd.clock import Clock
from ledgerd.config import Settings


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session]
    keys: KeyRing
    tokens: Tokens
    secret_key: bytes
    passwords: Passwords
