"""The edge of the server: text a request carries outside a JSON body is refused before any route sees it.

`TextGuard` reads the path, the query string, the fields of an application/x-www-form-urlencoded body (pages,
/token, /revoke) and the client credentials of a Basic header on /token and /revoke. Each must be UTF-8 and hold
no control character (ledgerd/limits.py: tab, line feed and carriage return are allowed in query and form values,
nothing below space in a path). PostgreSQL cannot store NUL at all; the other controls and broken UTF-8 are
refused alike, so both engines answer the same. Pages take only url-encoded forms (what their own forms send);
a multipart body is refused there, as /token and /revoke already refuse one. JSON bodies are checked where
the API parses them (api/validation.check_text).

The answer is a 400 (`InvalidCharacters`; a multipart form on a page: 415) in the shape of where the request
went, made by the surface's refusal renderer `create_app` passes in (http/guard.py `Refusal`): Sage's error
array under the API prefixes, RFC 6749's `invalid_request` on /token and /revoke, an HTML page anywhere else.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerd import limits
from ledgerd.http.errors import InvalidCharacters, UnsupportedMediaType
from ledgerd.http.guard import Refusal

# Bytes that need a closer look: percent escapes, controls, anything beyond ASCII.
_SUSPECT = re.compile(rb"[%\x00-\x1f\x7f-\xff]")
FORM = b"application/x-www-form-urlencoded"
MULTIPART = b"multipart/form-data"


@dataclass(eq=False)  # an exception: compared and hashed by identity
class Refused(Exception):
    """Why a request is refused: a message, and the parameter or field it names."""

    message: str
    source: str


def _text(raw: bytes, where: str, source: str, *, line_breaks: bool) -> Refused | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Refused(f"{where} is not valid UTF-8.", source)
    found = limits.control_character(text, line_breaks=line_breaks)
    return Refused(limits.refusal(where, found, line_breaks=line_breaks), source) if found is not None else None


def _path(scope: Scope) -> Refused | None:
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    if not _SUSPECT.search(raw):
        return None
    return _text(unquote_to_bytes(raw), "The path", "path", line_breaks=False)


def fields(raw: bytes, what: str) -> Refused | None:
    """The first name or value of a query string or url-encoded form that is not acceptable text."""
    if not _SUSPECT.search(raw):
        return None
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        name_text = unquote_to_bytes(name.replace(b"+", b" "))
        shown = name_text.decode("utf-8", "replace")
        refused = (_text(name_text, f"A {what} name", shown, line_breaks=False)
                   or _text(unquote_to_bytes(value.replace(b"+", b" ")), f"The {what} {shown}", shown,
                            line_breaks=True))
        if refused is not None:
            return refused
    return None


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return b""


def _basic(scope: Scope) -> Refused | None:
    """Client credentials in a Basic header (RFC 6749 §2.3.1: form-encoded id and secret, then base64)."""
    scheme, _, credentials = _header(scope, b"authorization").partition(b" ")
    if scheme.lower() != b"basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None  # not credentials at all: the OAuth server answers invalid_client
    client_id, _, secret = decoded.partition(b":")
    return (_text(unquote_to_bytes(client_id), "The client id", "client_id", line_breaks=False)
            or _text(unquote_to_bytes(secret), "The client secret", "client_secret", line_breaks=False))


def _media(scope: Scope) -> bytes:
    return _header(scope, b"content-type").split(b";", 1)[0].strip().lower()


def _checked_form(receive: Receive) -> Receive:
    """`receive` that checks a url-encoded body once it has all of it (the route reads it as it always does)."""
    body = bytearray()

    async def checked() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            body.extend(message.get("body", b""))
            if not message.get("more_body", False) and (refused := fields(bytes(body), "form field")) is not None:
                raise refused
        return message

    return checked


class TextGuard:
    """ASGI middleware refusing control characters and broken UTF-8 in paths, query strings and forms."""

    def __init__(self, app: ASGIApp, *, api_prefixes: Iterable[str], oauth_paths: Collection[str],
                 refusal: Refusal) -> None:
        self.app = app
        self.api_prefixes = tuple(f"{prefix}/" for prefix in api_prefixes)
        # The OAuth form endpoints (/token, /revoke): Basic credentials checked, RFC 6749 answers.
        self.oauth_paths = frozenset(oauth_paths)
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        api, oauth = path.startswith(self.api_prefixes), path in self.oauth_paths
        refused = _path(scope) or fields(scope.get("query_string", b""), "query parameter")
        if refused is None and oauth:
            refused = _basic(scope)
        if refused is None and not api:
            media = _media(scope)
            if media == MULTIPART and not oauth:
                unsupported = UnsupportedMediaType("Pages take forms sent as application/x-www-form-urlencoded.")
                await self.refusal(scope, unsupported)(scope, receive, send)
                return
            if media == FORM:
                receive = _checked_form(receive)
        if refused is None:
            started = False

            async def tracked(message: Message) -> None:
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            try:
                await self.app(scope, receive, tracked)
                return
            except Refused as late:  # a form field, found as the route read the body
                if started:
                    raise
                refused = late
        await self.refusal(scope, InvalidCharacters(refused.message, refused.source))(scope, receive, send)
