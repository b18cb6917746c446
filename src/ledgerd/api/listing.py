"""List endpoints: paging, the `$items` envelope and `attributes` selection."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ledgerd.api import params
from ledgerd.http.errors import InvalidParameter

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200
MAX_PAGE = 2**31 - 1  # so that an offset always fits the databases' integers (docs/limits.md)
BASE_KEYS = ("id", "displayed_as", "$path")

# The parameters of every list page and of every record's attributes.
PAGING = (params.Param("page", "integer", "Page number (past the end: the last page).",
                       {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
          params.Param("items_per_page", "integer", f"Records per page (default {DEFAULT_PER_PAGE}).",
                       {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}))
ATTRIBUTES = params.Param("attributes", "text",
                          "Comma-separated attributes to show besides id, displayed_as and $path, or `all` "
                          "(a list shows only those three by default, a record everything).")


def int_param(query: Mapping[str, str], name: str, default: int, lo: int, hi: int | None = None) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    value = params.integer(name, raw)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise InvalidParameter(f"{name} must be {bound}, got {value}.", name)
    return value


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Page:
        return cls(int_param(query, "page", 1, 1, MAX_PAGE),
                   int_param(query, "items_per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


@dataclass(frozen=True)
class Streamed:
    """The `$items` of a list page that is presented a few records at a time: chunks of items, each loaded when
    the one before has been written to JSON (the pipeline's `finish` step, inside the unit of work). A page of
    heavy records (60 MB of journals with their lines and nested records) then never holds more than one
    chunk's rows and dicts: the garbage collector walks every live object on each collection of its older
    generations, with the GIL held, and a whole page's made every other request of the process wait
    (docs/decisions/http.md, "Heavy pages")."""

    chunks: Iterator[list[dict[str, Any]]]


def envelope(path: str, query: Iterable[tuple[str, str]], page: Page, total: int,
             items: list[dict[str, Any]] | Streamed) -> dict[str, Any]:
    """Sage's list envelope; `$next`/`$back` are paths without the version prefix and keep the other
    query parameters of the request (a `:` as it was sent: `sort=date:asc`, as in Sage's answers).

    A page past the end is empty, with no `$next` and `$back` leading to the last page (docs/decisions.md,
    "Lists"): a client paging until `$items` is empty stops."""
    others = [(k, v) for k, v in query if k not in ("page", "items_per_page")]

    def link(number: int) -> str:
        return f"{path}?" + urlencode([("page", number), ("items_per_page", page.per_page), *others], safe=":")

    last = max(1, -(-total // page.per_page))
    return {
        "$total": total,
        "$page": page.number,
        "$next": link(page.number + 1) if page.number < last else None,
        "$back": link(min(page.number - 1, last)) if page.number > 1 else None,
        "$itemsPerPage": page.per_page,
        "$items": items,
    }


class Attributes:
    """The `attributes` parameter: which keys beyond the base three a response shows."""

    def __init__(self, raw: str | None, *, default_all: bool) -> None:
        if raw is None or raw.strip() == "":
            self.all = default_all
            self.names: frozenset[str] = frozenset()
        else:
            names = {part.strip() for part in raw.split(",") if part.strip()}
            self.all = "all" in names
            self.names = frozenset(names - {"all"})

    def select(self, full: Mapping[str, Any]) -> dict[str, Any]:
        """Keep the base keys and the chosen attributes, in the resource's own key order."""
        if self.all:
            return dict(full)
        return {k: v for k, v in full.items() if k in BASE_KEYS or k in self.names}
