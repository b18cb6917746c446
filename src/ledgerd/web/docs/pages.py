"""The pages of the documentation site (/docs): home, guides, the reference (an index, a page per tag, a page per
operation) and search (`?q=` on the server; the page's script filters `search.json` as one types). No token
needed; nothing loaded from elsewhere."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ledgerd.api.openapi import PREFIX, cached_document
from ledgerd.http.headers import page
from ledgerd.http.wire import JsonResponse
from ledgerd.web.docs import reference, search
from ledgerd.web.docs.guides import guides, inline

_templates = Environment(loader=FileSystemLoader(Path(__file__).parents[1] / "templates"),
                         autoescape=select_autoescape(default=True), auto_reload=False)
_templates.filters["md"] = lambda text: Markup(inline(str(text)))  # noqa: S704 - markdown-it escapes HTML
_templates.filters["pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)


def _reference(request: Request) -> reference.Reference:
    state = request.app.state
    if not hasattr(state, "docs_reference"):
        state.docs_reference = reference.build(cached_document(request))
    found: reference.Reference = state.docs_reference
    return found


def _entries(request: Request) -> list[search.Entry]:
    state = request.app.state
    if not hasattr(state, "docs_index"):
        state.docs_index = search.index(guides(), _reference(request))
    found: list[search.Entry] = state.docs_index
    return found


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    template = _templates.get_template(name)
    query = request.query_params.get("q", "")
    return page(lambda nonce: template.render(csp_nonce=nonce, guides=guides(), query=query, **context), status,
                scripts=True)


def _missing(request: Request, what: str) -> Response:
    return _render(request, "docs_missing.html", 404, what=what)


def curl(example: reference.Example, base: str) -> str:
    """The example request as a curl command against this server, an option per line."""
    lines = [f"curl -X {example.method} {shlex.quote(f'{base}{PREFIX}{example.path}')}"]
    for name, value in example.headers.items():
        # The token is left to the shell: `"Authorization: Bearer $ACCESS_TOKEN"`.
        lines.append(f'-H "{name}: {value}"' if "$ACCESS_TOKEN" in value else f"-H {shlex.quote(f'{name}: {value}')}")
    if example.body is not None:
        lines += ["-H 'Content-Type: application/json'",
                  f"-d {shlex.quote(json.dumps(example.body, indent=2, ensure_ascii=False))}"]
    return " \\\n  ".join(lines)


async def home(request: Request) -> Response:
    return _render(request, "docs_home.html", reference=_reference(request))


async def guide(request: Request) -> Response:
    found = guides().get(request.path_params["slug"])
    if found is None:
        return _missing(request, "No guide has this name.")
    return _render(request, "docs_guide.html", guide=found)


async def reference_index(request: Request) -> Response:
    ref = _reference(request)
    return _render(request, "docs_reference.html", reference=ref, intro=ref.intro)


async def tag(request: Request) -> Response:
    found = _reference(request).tags.get(request.path_params["tag"])
    if found is None:
        return _missing(request, "No part of the API has this name.")
    return _render(request, "docs_tag.html", tag=found)


async def operation(request: Request) -> Response:
    found = _reference(request).find(request.path_params["tag"], request.path_params["operation"])
    if found is None:
        return _missing(request, "No operation has this name.")
    base = str(request.base_url).rstrip("/")
    return _render(request, "docs_operation.html", op=found, curl=curl(found.example, base),
                   tag=_reference(request).tags[reference.slug(found.tag)])


async def search_page(request: Request) -> Response:
    query = request.query_params.get("q", "")
    return _render(request, "docs_search.html", results=search.search(_entries(request), query))


async def search_index(request: Request) -> Response:
    return JsonResponse(search.as_json(_entries(request)))


routes: list[BaseRoute] = [
    Route("/docs", home, methods=["GET"]),
    Route("/docs/guides/{slug}", guide, methods=["GET"]),
    Route("/docs/reference", reference_index, methods=["GET"]),
    Route("/docs/reference/{tag}", tag, methods=["GET"]),
    Route("/docs/reference/{tag}/{operation}", operation, methods=["GET"]),
    Route("/docs/search", search_page, methods=["GET"]),
    Route("/docs/search.json", search_index, methods=["GET"]),
]
