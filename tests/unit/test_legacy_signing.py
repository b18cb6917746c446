"""v1/v2 `X-Signature` and v3's variant: Sage's worked examples (auth-and-legacy §7.2, §6.5)."""

from __future__ import annotations

from ledgerd.api.legacy import signing

NONCE = "d6657d14f6d3d9de453ff4b0dc686c6d"
KEY = signing.signing_key("TestSigningSecret", "TestToken")
V2_PARAMS = [("config_setting", "foo"), ("contact[contact_type_id]", "1"), ("contact[name]", "My Customer")]


def test_percent_encoding_is_rfc_3986() -> None:
    assert signing.percent_encode("My Customer") == "My%20Customer"
    assert signing.percent_encode("a+b*c~d-e.f_g/é") == "a%2Bb%2Ac~d-e.f_g%2F%C3%A9"
    assert signing.percent_encode("contact[name]") == "contact%5Bname%5D"


def test_base_url_drops_default_ports_only() -> None:
    assert signing.base_url("HTTPS", "Api.SageOne.com", 443, "/accounts/v2/contacts") == \
        "https://api.sageone.com/accounts/v2/contacts"
    assert signing.base_url("http", "127.0.0.1", 8000, "/a") == "http://127.0.0.1:8000/a"
    assert signing.base_url("http", "localhost", None, "/a") == "http://localhost/a"


def test_v1_base_string_is_sages_example() -> None:
    base = signing.base_string("post", "https://api.sageone.com/accounts/v1/contacts", V2_PARAMS, NONCE)
    assert base == (
        "POST&https%3A%2F%2Fapi.sageone.com%2Faccounts%2Fv1%2Fcontacts&config_setting%3Dfoo%26contact%255B"
        "contact_type_id%255D%3D1%26contact%255Bname%255D%3DMy%2520Customer&d6657d14f6d3d9de453ff4b0dc686c6d")


def test_v1_v2_vector() -> None:
    # v1 and v2 share the algorithm; the reference's vector signs Sage's example as published (a v1 URL).
    base = signing.base_string("POST", "https://api.sageone.com/accounts/v1/contacts", V2_PARAMS, NONCE)
    assert signing.signature(KEY, base) == "dNtQmVJkpEem+qspHrMebHSezsg="
    assert signing.verify("dNtQmVJkpEem+qspHrMebHSezsg=\n", KEY, base)  # Ruby's signer adds a newline
    assert not signing.verify("dNtQmVJkpEem+qspHrMebHSezsh=", KEY, base)
    assert not signing.verify(None, KEY, base)
    assert not signing.verify("dNtQmVJkpEem+qspHrMebHSezsg=", signing.signing_key("TestSigningSecret", "x"), base)


def test_v3_base_string_and_vector() -> None:
    base = signing.base_string_v3("POST", "https://api.sage.com/gb/sageone/accounts/v3/contacts",
                                  [("config_setting", "foo")], b"", NONCE, "bad0ff1ce")
    assert base == ("POST&https%3A%2F%2Fapi.sage.com%2Fgb%2Fsageone%2Faccounts%2Fv3%2Fcontacts&body%3D%26"
                    "config_setting%3Dfoo&d6657d14f6d3d9de453ff4b0dc686c6d&bad0ff1ce")
    assert signing.signature(KEY, base) == "DatvLzX4xSITnWQisCbf3bnap+8="
