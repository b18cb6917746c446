"""The `X-Signature` of Sage's API v1/v2 calls (and v3's variant), as pure functions (auth-and-legacy §7.2, §6.5).

A v2 client signs each call with HMAC-SHA1 over a base string: the method, the base URL (no query), the sorted
query and form parameters and the nonce, each percent-encoded (RFC 3986) and joined by `&`; the key is the app's
signing secret and the access token, percent-encoded and joined by `&`. v3's variant puts the Base64 of the raw
body in the parameters as `body` and appends the business (`X-Site`); v3 never checked it, but the function is
here so both of Sage's worked examples can be reproduced.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import quote

Pairs = Iterable[tuple[str, str]]
_DEFAULT_PORTS = {"http": 80, "https": 443}


def percent_encode(text: str) -> str:
    """RFC 3986: letters, digits and `-._~` kept, every other UTF-8 byte `%XX` (upper case); a space is `%20`."""
    return quote(text, safe="-._~")


def base_url(scheme: str, host: str, port: int | None, path: str) -> str:
    """`scheme://host[:port]path`, the port only when it is not the scheme's default; no query, no fragment."""
    scheme = scheme.lower()
    shown = "" if port is None or _DEFAULT_PORTS.get(scheme) == port else f":{port}"
    return f"{scheme}://{host.lower()}{shown}{path}"


def parameter_string(params: Pairs) -> str:
    """Query and form parameters as `key=value` pairs, each side percent-encoded, sorted by the encoded key."""
    encoded = sorted((percent_encode(key), percent_encode(value)) for key, value in params)
    return "&".join(f"{key}={value}" for key, value in encoded)


def base_string(method: str, url: str, params: Pairs, nonce: str) -> str:
    """The v1/v2 signature base string: METHOD & pe(base url) & pe(parameter string) & pe(nonce)."""
    return "&".join((method.upper(), percent_encode(url), percent_encode(parameter_string(params)),
                     percent_encode(nonce)))


def base_string_v3(method: str, url: str, query: Pairs, body: bytes, nonce: str, business_id: str) -> str:
    """v3's base string: the query plus `body` (the raw body in Base64), then a fifth part, the business."""
    params = [*query, ("body", base64.b64encode(body).decode("ascii"))]
    return f"{base_string(method, url, params, nonce)}&{percent_encode(business_id)}"


def signing_key(signing_secret: str, access_token: str) -> str:
    return f"{percent_encode(signing_secret)}&{percent_encode(access_token)}"


def signature(key: str, base: str) -> str:
    """Base64 of HMAC-SHA1(key, base), without a trailing newline."""
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(given: str | None, key: str, base: str) -> bool:
    """Whether `given` (an `X-Signature`; Ruby's signer ends it with a newline) is the signature of `base`."""
    if not given:
        return False
    return hmac.compare_digest(given.strip().encode(), signature(key, base).encode())
