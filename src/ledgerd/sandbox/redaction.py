"""Secrets taken out of what the request journal keeps: headers, query strings, form and JSON bodies.

Bodies reach this module already cut at the journal's size, so every rule works on text that may end anywhere:
a JSON string left open at the cut is redacted to the end. A value is replaced by `[redacted]`; the key stays, so
a reader still sees that a secret was sent.

Secret everywhere: `access_token`, `refresh_token`, `id_token`, `client_secret`, `code_verifier`, API v3's
`subscription-key` (and its `Ocp-Apim-Subscription-Key` header), and any key naming a password or a secret. On
the OAuth endpoints also `code` (the authorization code) and `token` (what /revoke revokes), which elsewhere are
ordinary fields (a journal code's `code`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
SECRET_KEYS = frozenset({"access_token", "refresh_token", "id_token", "client_secret", "code_verifier", "csrf",
                         "subscription-key"})
OAUTH_KEYS = frozenset({"code", "token"})
_SECRET_WORDS = ("password", "secret")
# Headers whose whole value is a credential; Authorization keeps its scheme ("Bearer [redacted]").
_SECRET_HEADERS = frozenset({"cookie", "set-cookie", "proxy-authorization", "x-api-key", "ocp-apim-subscription-key"})

# A JSON member: its key, then a string value (possibly cut off by truncation) or a bare scalar (an object or an
# array is not a value here: the members inside it are matched one by one).
_JSON_MEMBER = re.compile(r'"((?:[^"\\]|\\.){1,100})"(\s*:\s*)("(?:[^"\\]|\\.)*"?|[^\s,}\]{\["]+)')
_FORM_PAIR = re.compile(r"(^|&)([^=&]*)=([^&]*)")
# A hidden form field of a page (the consent page's CSRF token), whichever order its attributes come in.
_HIDDEN_SECRET = re.compile(r'(<input[^>]*name="(?:csrf)"[^>]*value=")[^"]*', re.IGNORECASE)


# Every secret name holds one of these words: text holding none of them, the common case by far, is kept as it
# is without looking for names at all (plain substring searches: a regular expression costs ten times more).
_HINTS = ("token", "secret", "password", "verifier", "csrf", "subscription")
_OAUTH_HINTS = (*_HINTS, "code")


def _may_hold_secrets(text: str, oauth: bool) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in (_OAUTH_HINTS if oauth else _HINTS))


def is_secret(key: str, *, oauth: bool) -> bool:
    name = key.strip().lower()
    return (name in SECRET_KEYS or any(word in name for word in _SECRET_WORDS)
            or (oauth and name in OAUTH_KEYS))


def form(text: str, *, oauth: bool) -> str:
    """A query string or form body with the values of secret keys replaced."""
    if not _may_hold_secrets(unquote_plus(text), oauth):
        return text

    def replace(match: re.Match[str]) -> str:
        lead, key, value = match.groups()
        return f"{lead}{key}={REDACTED}" if value and is_secret(unquote_plus(key), oauth=oauth) else match[0]

    return _FORM_PAIR.sub(replace, text)


def json_text(text: str, *, oauth: bool) -> str:
    """JSON text (whole or cut off) with the values of secret members replaced, at any depth."""
    if not _may_hold_secrets(text, oauth):
        return text

    def replace(match: re.Match[str]) -> str:
        key, colon, _value = match.groups()
        return f'"{key}"{colon}"{REDACTED}"' if is_secret(key, oauth=oauth) else match[0]

    return _JSON_MEMBER.sub(replace, text)


def body(text: str, media_type: str, *, oauth: bool) -> str:
    """A body, by its media type: forms and JSON member by member, pages' hidden secrets; other text as it is,
    except that JSON-looking text is treated as JSON whatever it claims to be."""
    if media_type == "application/x-www-form-urlencoded":
        return form(text, oauth=oauth)
    if media_type == "text/html":
        return _HIDDEN_SECRET.sub(lambda match: match[1] + REDACTED, text) if "csrf" in text else text
    if media_type.endswith("json") or text.lstrip()[:1] in ("{", "["):
        return json_text(text, oauth=oauth)
    return text


def headers(pairs: Iterable[tuple[bytes, bytes]], *, oauth: bool) -> list[list[str]]:
    """Headers as [name, value] pairs of text, credentials replaced; a redirect's query string redacted."""
    kept: list[list[str]] = []
    for raw_name, raw_value in pairs:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in ("authorization", "proxy-authorization"):
            scheme, _, credential = value.partition(" ")
            value = f"{scheme} {REDACTED}" if credential else REDACTED
        elif name in _SECRET_HEADERS:
            value = REDACTED
        elif name == "location" and "?" in value:
            target, _, query = value.partition("?")
            fragment = ""
            if "#" in query:
                query, _, fragment = query.partition("#")
                fragment = "#" + form(fragment, oauth=True)
            value = f"{target}?{form(query, oauth=True)}{fragment}"
        kept.append([name, value])
    return kept
