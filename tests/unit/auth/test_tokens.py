"""The shape a token must have before any signature is checked (auth/tokens.py `strict_header`): exactly one
spelling per signed token."""

from __future__ import annotations

import base64
import json

import pytest

from ledgerd.auth.tokens import strict_header

HEADER = {"alg": "RS512", "kid": "key-1", "typ": "JWT"}


def segment(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token(header: object = HEADER, payload: bytes = b'{"sub":"u"}', signature: bytes = b"\x01\x02\x03\xfe") -> str:
    return ".".join((segment(json.dumps(header).encode()), segment(payload), segment(signature)))


def test_a_token_shaped_like_ours_gives_its_header() -> None:
    assert strict_header(token()) == HEADER
    assert strict_header(token(signature=b"\xfb\xff")) == HEADER  # "-_8": base64url's own characters


GOOD = token()
HEAD, BODY, SIGNATURE = GOOD.split(".")


@pytest.mark.parametrize("bad", [
    f"{GOOD}.extra", f"{HEAD}.{BODY}", "", "..", f"{HEAD}..{SIGNATURE}", f"{GOOD} ", f" {GOOD}",
    f"{HEAD}=.{BODY}.{SIGNATURE}", f"{GOOD}=",   # padding
    f"{HEAD}.{BODY}.+/8",                        # the standard alphabet, not base64url
])
def test_other_spellings_are_refused(bad: str) -> None:
    assert strict_header(bad) is None


def test_stray_bits_in_the_last_character_are_refused() -> None:
    good = token(signature=b"\x01")  # one byte: two base64 characters, the second carrying 4 unused bits
    head, body, sig = good.split(".")
    assert sig == "AQ"
    assert strict_header(f"{head}.{body}.AR") is None
    assert strict_header(good) == HEADER


def test_a_segment_of_impossible_length_is_refused() -> None:
    head, body, _ = token().split(".")
    assert strict_header(f"{head}.{body}.AAAAA") is None


@pytest.mark.parametrize("header", [
    {"alg": "RS512", "kid": "key-1"},
    {"alg": "RS512", "kid": "key-1", "typ": "JWT", "jku": "https://evil.example"},
    {"alg": "RS512", "kid": "key-1", "typ": "jwt"},
    {"alg": "RS512", "kid": 1, "typ": "JWT"},
    ["alg", "kid", "typ"],
    "JWT",
])
def test_a_header_naming_anything_else_is_refused(header: object) -> None:
    assert strict_header(token(header)) is None


def test_a_header_that_is_not_json_is_refused() -> None:
    _, body, sig = token().split(".")
    assert strict_header(f"{segment(b'not json')}.{body}.{sig}") is None
    assert strict_header(f"{segment(bytes([0xff, 0xfe]))}.{body}.{sig}") is None
