"""Search over the guides' headings and the reference's operations: the index the page's script filters in the
browser, and the same matching on the server for `?q=` (no script needed)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ledgerd.web.docs.guides import Guide
from ledgerd.web.docs.reference import Reference

LIMIT = 50


@dataclass(frozen=True)
class Entry:
    title: str
    url: str
    kind: str  # "Guide" or the operation's tag
    text: str  # what else matches: the path, the guide's title


def index(guides: dict[str, Guide], reference: Reference) -> list[Entry]:
    out: list[Entry] = []
    for guide in guides.values():
        out.append(Entry(guide.title, guide.url, "Guide", guide.summary))
        out += [Entry(h.text, f"{guide.url}#{h.anchor}", "Guide", f"{guide.title}: {h.summary}")
                for h in guide.headings]
    for tag in reference.tags.values():
        out += [Entry(op.summary, op.url, tag.name, f"{op.method} {op.path} {op.id}") for op in tag.operations]
    return out


def search(entries: list[Entry], query: str) -> list[Entry]:
    """Entries holding every word of the query (case-insensitive): those with all of them in the title first, then
    guides before operations, then the shorter title (the closer match). The page's script ranks the same way."""
    words = query.lower().split()
    if not words:
        return []
    hits = [e for e in entries if all(w in f"{e.title} {e.text} {e.kind}".lower() for w in words)]
    hits.sort(key=lambda e: (not all(w in e.title.lower() for w in words), e.kind != "Guide", len(e.title)))
    return hits[:LIMIT]


def as_json(entries: list[Entry]) -> list[dict[str, Any]]:
    return [asdict(e) for e in entries]
