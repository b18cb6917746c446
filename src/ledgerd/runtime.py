"""The objects a process builds once at start-up and every request shares."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledgerd.auth.keys import KeyRing
from ledgerd.auth.tokens import Tokens
from ledgerd.clock import Clock
from ledgerd.config import Settings
from ledgerd.passwords import Passwords
from ledgerd.sandbox.faults import FaultRules
from ledgerd.sandbox.shared import Follower

# Threads API handlers run on (besides SQLite's one writer thread), as many as Starlette's thread pool has.
REQUEST_THREADS = 40


def _request_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(REQUEST_THREADS, thread_name_prefix="ledgerd-request")


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
    # Created with the runtime, started on first use; a thread hop here costs a third of one through anyio's
    # pool (Starlette's run_in_threadpool) under uvloop.
    threads: ThreadPoolExecutor = field(default_factory=_request_threads)
    # The deployment's shared sandbox setting as this process last took it (the clock), and its copy of the fault
    # rules (http/sandbox.py follows them per request).
    sandbox: Follower = field(default_factory=Follower)
    faults: FaultRules = field(default_factory=FaultRules)
