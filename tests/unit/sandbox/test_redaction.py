"""What the request journal takes out of what it keeps (sandbox/redaction.py), on whole and cut-off text."""

from __future__ import annotations

import pytest

from ledgerd.sandbox import redaction

R = redaction.REDACTED


@pytest.mark.parametrize(("text", "oauth", "kept"), [
    ("grant_type=refresh_token&refresh_token=abc&client_id=app", True,
     f"grant_type=refresh_token&refresh_token={R}&client_id=app"),
    ("code=GB%2Fx&code_verifier=v&redirect_uri=http%3A%2F%2Fa", True,
     f"code={R}&code_verifier={R}&redirect_uri=http%3A%2F%2Fa"),
    ("code=ABC&search=x", False, "code=ABC&search=x"),
    ("token=t&token_type_hint=refresh_token", True, f"token={R}&token_type_hint=refresh_token"),
    ("client%5Fsecret=s&empty=", False, f"client%5Fsecret={R}&empty="),
    ("new_password=p&csrf=c", False, f"new_password={R}&csrf={R}"),
    ("client_secret=abcdef", False, f"client_secret={R}"),  # cut inside the value
    ("page=2&items_per_page=20", False, "page=2&items_per_page=20"),
])
def test_forms_and_query_strings(text: str, oauth: bool, kept: str) -> None:
    assert redaction.form(text, oauth=oauth) == kept


@pytest.mark.parametrize(("text", "oauth", "kept"), [
    ('{"access_token":"eyJ.a.b","expires_in":300,"refresh_token":"r"}', True,
     f'{{"access_token":"{R}","expires_in":300,"refresh_token":"{R}"}}'),
    ('{"user": {"Password" : "p\\"q", "name": "x"}}', False, f'{{"user": {{"Password" : "{R}", "name": "x"}}}}'),
    ('{"client_secret": 12345, "n": 1}', False, f'{{"client_secret": "{R}", "n": 1}}'),
    ('{"journal_code": {"code": "VE", "token_count": 1}}', False, '{"journal_code": {"code": "VE", "token_count": 1}}'),
    ('{"code": "GB/abc"}', True, f'{{"code": "{R}"}}'),
    ('{"grant_type":"refresh_token","refresh_token":"eyJhbGciOi', True,
     f'{{"grant_type":"refresh_token","refresh_token":"{R}"'),  # cut inside the secret
    ('[{"$severity":"error","$message":"The token has expired."}]', False,
     '[{"$severity":"error","$message":"The token has expired."}]'),
])
def test_json(text: str, oauth: bool, kept: str) -> None:
    assert redaction.json_text(text, oauth=oauth) == kept


def test_bodies_by_media_type() -> None:
    assert redaction.body("password=p", "application/x-www-form-urlencoded", oauth=False) == f"password={R}"
    assert redaction.body('{"password": "p"}', "application/vnd.api+json", oauth=False) == f'{{"password": "{R}"}}'
    assert redaction.body('{"password": "p"}', "text/plain", oauth=False) == f'{{"password": "{R}"}}'
    page = '<input type="hidden" name="csrf" value="tok"><input type="hidden" name="state" value="s">'
    assert redaction.body(page, "text/html", oauth=True) == \
        f'<input type="hidden" name="csrf" value="{R}"><input type="hidden" name="state" value="s">'
    assert redaction.body("password: p", "text/plain", oauth=False) == "password: p"  # not a structure it reads


def test_headers() -> None:
    kept = redaction.headers([
        (b"Authorization", b"Bearer eyJ.a.b"), (b"authorization", b"opaque"), (b"cookie", b"ledgerd_session=s"),
        (b"set-cookie", b"a=b; HttpOnly"), (b"x-business", b"b1"),
        (b"location", b"http://localhost:8080/callback?code=GB%2Fabc&country=GB&state=s#access_token=t"),
        (b"location", b"/v3.1/contacts?page=2"),
    ], oauth=False)
    assert kept == [["authorization", f"Bearer {R}"], ["authorization", R], ["cookie", R], ["set-cookie", R],
                    ["x-business", "b1"],
                    ["location", f"http://localhost:8080/callback?code={R}&country=GB&state=s#access_token={R}"],
                    ["location", "/v3.1/contacts?page=2"]]
