"""The guides: Markdown files of this package's `guides/` folder, rendered once per process (markdown-it-py,
CommonMark with tables; raw HTML in the sources is escaped). Every heading gets an id, so search can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from markdown_it import MarkdownIt
from markdown_it.token import Token

# The guides in reading order: file stem → the short title of the navigation.
ORDER = {
    "quick-start": "Quick start",
    "oauth": "OAuth 2.0",
    "businesses": "Businesses and X-Business",
    "errors-and-limits": "Errors and limits",
    "migrating": "Migrating from Sage",
    "sandbox": "Sandbox controls",
    "testing": "Testing with pytest",
}
_SLUG = re.compile(r"[^a-z0-9]+")
SUMMARY = 200  # characters of a section's first paragraph kept for search


@dataclass
class Heading:
    level: int
    text: str
    anchor: str
    summary: str = ""  # the first paragraph under it, as text (what search matches besides the heading)


@dataclass(frozen=True)
class Guide:
    slug: str
    nav: str
    title: str
    summary: str  # the first paragraph, as text
    html: str
    headings: list[Heading]  # h2 and h3, in order

    @property
    def url(self) -> str:
        return f"/docs/guides/{self.slug}"


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _anchor(text: str, taken: set[str]) -> str:
    base = _SLUG.sub("-", text.lower()).strip("-") or "section"
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def render(slug: str, source: str) -> Guide:
    md = _parser()
    tokens: list[Token] = md.parse(source)
    headings: list[Heading] = []
    taken: set[str] = set()
    title = summary = ""
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            text = tokens[i + 1].content
            level = int(token.tag[1])
            token.attrSet("id", _anchor(text, taken))
            if level == 1 and not title:
                title = text
            elif level in (2, 3):
                headings.append(Heading(level, text, str(token.attrGet("id"))))
        elif token.type == "paragraph_open":
            text = _plain(tokens[i + 1].content)
            if not summary:
                summary = text
            if headings and not headings[-1].summary:
                headings[-1].summary = text[:SUMMARY]
    # Code blocks and tables scroll sideways on a narrow screen: keyboard users must be able to reach them.
    html = (md.renderer.render(tokens, md.options, {}).replace("<pre>", '<pre tabindex="0">')
            .replace("<table>", '<div class="table-wrap" tabindex="0" role="region" aria-label="Table"><table>')
            .replace("</table>", "</table></div>"))
    return Guide(slug, ORDER.get(slug, title), title or slug, summary, html, headings)


def _plain(markdown: str) -> str:
    """A paragraph's Markdown as plain text: no code or emphasis marks, links as their words."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"[`*_]", "", text).replace("\n", " ")


def inline(text: str) -> str:
    """A line of Markdown (an OpenAPI description) as HTML: code spans, emphasis, links; HTML escaped."""
    return str(_inline().renderInline(text))


@cache
def _inline() -> MarkdownIt:
    return _parser()


@cache
def guides() -> dict[str, Guide]:
    folder = resources.files(__package__).joinpath("guides")
    return {slug: render(slug, folder.joinpath(f"{slug}.md").read_text("utf-8")) for slug in ORDER}
