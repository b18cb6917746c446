"""`Remembered`: a pure function's answers kept by argument, for values written or read thousands of times."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Remembered(dict[K, V]):
    """Answers of `fn` (a pure function of one hashable argument whose answers are immutable) by argument,
    up to `limit` of them per process. Use the bound `__getitem__` as the function: for an argument seen
    before it is one C-level dict lookup, with no Python frame, which is what makes it worth having where
    a list page converts or writes tens of thousands of values. Only a new argument runs `fn`. An
    argument unequal to itself (a NaN) is answered but never found again, so it is not kept."""

    def __init__(self, fn: Callable[[K], V], limit: int = 50_000, known: dict[K, V] | None = None) -> None:
        super().__init__(known or {})
        self.fn = fn
        self.limit = limit

    def __missing__(self, key: K) -> V:
        value = self.fn(key)
        if len(self) < self.limit and key == key:  # a NaN is unequal to itself
            self[key] = value
        return value


def remembered(fn: Callable[[K], V], limit: int = 50_000, known: dict[K, V] | None = None) -> Callable[[K], V]:
    """`Remembered(...).__getitem__`: the function itself, remembering."""
    return Remembered(fn, limit, known).__getitem__

