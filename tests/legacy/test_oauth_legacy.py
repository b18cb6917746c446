"""The old APIs' OAuth 2.0 (docs/legacy-oauth.md; reference §6.3, §7.1): v3 and v2 client ids on the authorization
pages, their token and revocation endpoints, the credentials in the CLI and the portal. The v3 flow is driven by
Authlib's OAuth 2.0 client, over the app in process."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.integrations.httpx_client import OAuth2Client
from httpx import Response
from sqlalchemy import select
from starlette.testclient import TestClient

from ledgerd.api.legacy.callers import LegacyCaller, authenticate
from ledgerd.app import create_app
from ledgerd.auth import apps as app_service
from ledgerd.auth.legacy import Api, Issued
from ledgerd.auth.models import App, TokenFamily
from ledgerd.clock import Clock
from ledgerd.db.engine import unit_of_work
from ledgerd.http.errors import Unauthorized
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import Business, User
from tests.support.cli import Ledgerd, in_process
from tests.support.factories import Factory
from tests.web.test_oauth import CALLBACK, STATE, callback_params, hidden_fields, login, oauth_error

HEX40 = re.compile(r"^[0-9a-f]{40}$")


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # The in-process app answers on http://testserver; Authlib's client refuses plain HTTP unless told.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


class Party:
    """A user with businesses, an app, and the app's credentials of one old API."""

    def __init__(self, factory: Factory, api: Api = "v3", countries: tuple[str, ...] = ("GB",)) -> None:
        self.user: User = factory.user()
        self.businesses: list[Business] = [factory.business(self.user, name=f"Firm {i} {country}", country=country)
                                           for i, country in enumerate(countries)]
        self.app, self.secret = factory.app(self.user, [CALLBACK])
        self.credentials: Issued = factory.legacy_credentials(self.app, api)

    def form(self, **values: str) -> dict[str, str]:
        return {"client_id": self.credentials.client_id, "client_secret": self.credentials.client_secret, **values}


def oauth_client(client: TestClient, party: Party) -> OAuth2Client:
    """Authlib's OAuth 2.0 client with the credentials in the body, as v3's samples sent them, talking to the app."""
    return OAuth2Client(party.credentials.client_id, party.credentials.client_secret,
                        token_endpoint_auth_method="client_secret_post", redirect_uri=CALLBACK, scope="full_access",
                        transport=client._transport, base_url=str(client.base_url))


def consent(client: TestClient, party: Party, path: str, **params: str) -> Response:
    """The consent page an authorization request with the party's old-API client id leads to, signed in."""
    login(client, party.user)
    query = {"client_id": party.credentials.client_id, "response_type": "code", "redirect_uri": CALLBACK,
             "scope": "full_access", "state": STATE, **params}
    page = client.get(path, params=query, follow_redirects=False)
    assert page.status_code == 200, page.text[:500]
    return page


def allow(client: TestClient, page: Response, path: str = "/oauth2/auth/central", **extra: str) -> Response:
    return client.post(path, data={**hidden_fields(page.text), "decision": "allow", **extra}, follow_redirects=False)


def code_for(client: TestClient, party: Party, country: str, path: str = "/oauth2/auth/central",
             **extra: str) -> str:
    params = callback_params(allow(client, consent(client, party, path, country=country), path, **extra))
    assert params["country"] == country.lower() and params["state"] == STATE
    return params["code"]


def caller(runtime: Runtime, api: Api, access_token: str) -> LegacyCaller:
    return authenticate(runtime.engine, runtime.clock, api, f"Bearer {access_token}")


def expired(runtime: Runtime, api: Api, access_token: str) -> str:
    with pytest.raises(Unauthorized) as refused:
        caller(runtime, api, access_token)
    return refused.value.problems[0].message


# ---- v3 ----------------------------------------------------------------------------------------------------------

def test_v3_flow_with_an_oauth_client_library(client: TestClient, factory: Factory, runtime: Runtime,
                                              clock: Clock) -> None:
    party = Party(factory, "v3", ("GB", "GB"))
    oauth = oauth_client(client, party)
    url, state = oauth.create_authorization_url("/oauth2/auth/central")
    login(client, party.user)
    countries = client.get(url)
    assert countries.status_code == 200
    assert re.findall(r'data-country="([A-Z]{2})"', countries.text) == ["GB", "IE", "ES", "FR", "DE", "CA", "US"]
    gb = re.search(r'<a href="([^"]+)" data-country="GB"', countries.text)
    assert gb
    page = client.get(gb.group(1).replace("&amp;", "&"))
    # One business of the country, chosen on the consent page (the first preselected).
    choices = re.findall(r'name="business" value="([0-9a-f]{32})"', page.text)
    assert choices == [b.id for b in party.businesses]
    chosen = party.businesses[1]
    redirect = allow(client, page, business=chosen.id)
    callback = redirect.headers["location"]
    params = parse_qs(urlsplit(callback).query)
    assert params["country"] == ["gb"] and params["state"] == [state] and HEX40.match(params["code"][0])

    token = oauth.fetch_token("/v3/oauth/uki/token", authorization_response=callback)
    assert HEX40.match(token["access_token"]) and HEX40.match(token["refresh_token"])
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600 and token["scope"] == "full_access"
    assert token["resource_owner_id"] == chosen.id and token["requested_by_id"] == party.user.id
    assert "refresh_token_expires_in" not in token
    found = caller(runtime, "v3", token["access_token"])
    assert found.business_id == chosen.id and found.principal.user_id == party.user.id
    assert found.app_id == party.app.id and found.principal.client_id == party.app.client_id

    clock.advance(timedelta(minutes=61))
    assert expired(runtime, "v3", token["access_token"]) == "The access token has expired."
    first_refresh = token["refresh_token"]
    renewed = oauth.refresh_token("/v3/oauth/uki/token", refresh_token=first_refresh)
    assert renewed["refresh_token"] != first_refresh and renewed["resource_owner_id"] == chosen.id
    assert caller(runtime, "v3", renewed["access_token"]).business_id == chosen.id

    clock.advance(timedelta(days=400))  # v3's refresh tokens never expired
    again = oauth.refresh_token("/v3/oauth/uki/token", refresh_token=renewed["refresh_token"])
    assert caller(runtime, "v3", again["access_token"]).family_id == found.family_id

    # A superseded refresh token presented again ends the authorization, as with v3.1.
    reused = client.post("/v3/oauth/uki/token", data=party.form(grant_type="refresh_token",
                                                                 refresh_token=renewed["refresh_token"]))
    oauth_error(reused, 400, "invalid_grant")
    assert "revoked" in reused.json()["error_description"]
    assert expired(runtime, "v3", again["access_token"]) == "The access token has been revoked."
    latest = client.post("/v3/oauth/uki/token", data=party.form(grant_type="refresh_token",
                                                                 refresh_token=again["refresh_token"]))
    oauth_error(latest, 400, "invalid_grant")


@pytest.mark.parametrize(("country", "region", "wrong"), [("GB", "uki", "na"), ("IE", "uki", "eu"),
                                                          ("CA", "na", "uki"), ("US", "na", "eu"),
                                                          ("DE", "eu", "uki"), ("FR", "eu", "na"),
                                                          ("ES", "eu", "na")])
def test_each_country_has_its_regions_token_endpoint(client: TestClient, factory: Factory, country: str,
                                                     region: str, wrong: str) -> None:
    party = Party(factory, "v3", (country,))
    code = code_for(client, party, country)
    exchange = party.form(grant_type="authorization_code", code=code, redirect_uri=CALLBACK)
    refused = client.post(f"/v3/oauth/{wrong}/token", data=exchange)
    oauth_error(refused, 400, "invalid_grant")
    assert f"in {country}" in refused.json()["error_description"] and region in refused.json()["error_description"]
    # The other region's endpoint never took the code: the right one still can.
    token = client.post(f"/v3/oauth/{region}/token", data=exchange)
    assert token.status_code == 200, token.text
    assert token.json()["resource_owner_id"] == party.businesses[0].id
    refresh = party.form(grant_type="refresh_token", refresh_token=token.json()["refresh_token"])
    oauth_error(client.post(f"/v3/oauth/{wrong}/token", data=refresh), 400, "invalid_grant")
    assert client.post(f"/v3/oauth/{region}/token", data=refresh).status_code == 200


def test_code_is_single_use_and_a_replay_revokes_its_tokens(client: TestClient, factory: Factory,
                                                            runtime: Runtime) -> None:
    party = Party(factory)
    exchange = party.form(grant_type="authorization_code", code=code_for(client, party, "GB"), redirect_uri=CALLBACK)
    first = client.post("/v3/oauth/uki/token", data=exchange)
    assert first.status_code == 200
    oauth_error(client.post("/v3/oauth/uki/token", data=exchange), 400, "invalid_grant")
    assert expired(runtime, "v3", first.json()["access_token"]) == "The access token has been revoked."
    refresh = party.form(grant_type="refresh_token", refresh_token=first.json()["refresh_token"])
    oauth_error(client.post("/v3/oauth/uki/token", data=refresh), 400, "invalid_grant")


def test_code_lives_60_seconds(client: TestClient, factory: Factory, clock: Clock) -> None:
    party = Party(factory)
    code = code_for(client, party, "GB")
    clock.advance(timedelta(seconds=61))
    late = client.post("/v3/oauth/uki/token", data=party.form(grant_type="authorization_code", code=code,
                                                                redirect_uri=CALLBACK))
    oauth_error(late, 400, "invalid_grant")
    assert "expired" in late.json()["error_description"]


def test_redirect_uri_must_match_and_a_failed_exchange_burns_the_code(client: TestClient, factory: Factory) -> None:
    party = Party(factory)
    code = code_for(client, party, "GB")
    for redirect_uri in ("http://localhost:8080/other", None):
        form = party.form(grant_type="authorization_code", code=code)
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        oauth_error(client.post("/v3/oauth/uki/token", data=form), 400, "invalid_grant")
    oauth_error(client.post("/v3/oauth/uki/token", data=party.form(grant_type="authorization_code", code=code,
                                                                     redirect_uri=CALLBACK)), 400, "invalid_grant")


def test_client_authentication(client: TestClient, factory: Factory) -> None:
    party = Party(factory)
    v2 = factory.legacy_credentials(party.app, "v2")
    code = code_for(client, party, "GB")
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    wrong_secret = client.post("/v3/oauth/uki/token", data=party.form(**exchange, client_secret="0" * 40))
    oauth_error(wrong_secret, 400, "invalid_client")
    no_secret = client.post("/v3/oauth/uki/token", data={"client_id": party.credentials.client_id, **exchange})
    oauth_error(no_secret, 400, "invalid_client")
    for client_id, secret in ((party.app.client_id, party.secret), (v2.client_id, v2.client_secret)):
        other_api = client.post("/v3/oauth/uki/token", data={"client_id": client_id, "client_secret": secret,
                                                              **exchange})
        oauth_error(other_api, 400, "invalid_client")
    basic = client.post("/v3/oauth/uki/token", data=exchange, auth=(party.credentials.client_id, "wrong"))
    oauth_error(basic, 401, "invalid_client")
    # None of these used the code.
    assert client.post("/v3/oauth/uki/token", data=party.form(**exchange)).status_code == 200


def test_grant_type_and_parameters(client: TestClient, factory: Factory) -> None:
    party = Party(factory)
    oauth_error(client.post("/v3/oauth/na/token", data=party.form()), 400, "invalid_request")
    oauth_error(client.post("/v3/oauth/na/token", data=party.form(grant_type="client_credentials")), 400,
                "unsupported_grant_type")
    oauth_error(client.post("/v3/oauth/na/token", data=party.form(grant_type="refresh_token")), 400, "invalid_request")
    oauth_error(client.post("/v3/oauth/na/token", data=party.form(grant_type="refresh_token",
                                                                    refresh_token="f" * 40)), 400, "invalid_grant")
    twice = client.post("/v3/oauth/na/token", content=f"grant_type=refresh_token&refresh_token=a&refresh_token=b"
                        f"&client_id={party.credentials.client_id}&client_secret={party.credentials.client_secret}",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    oauth_error(twice, 400, "invalid_request")


@pytest.mark.parametrize("path", ["/token", "/oauth2/token"])
def test_the_shared_token_endpoints_serve_old_clients(client: TestClient, factory: Factory, runtime: Runtime,
                                                      path: str) -> None:
    """A client that changes only the host: app.sageone.com/oauth2/token and oauth.{na,eu}.sageone.com/token."""
    party = Party(factory, "v3", ("CA",))
    token = client.post(path, data=party.form(grant_type="authorization_code", code=code_for(client, party, "CA"),
                                              redirect_uri=CALLBACK))
    assert token.status_code == 200, token.text
    assert token.json()["resource_owner_id"] == party.businesses[0].id
    assert caller(runtime, "v3", token.json()["access_token"]).business_id == party.businesses[0].id
    renewed = client.post(path, data=party.form(grant_type="refresh_token",
                                                refresh_token=token.json()["refresh_token"]))
    assert renewed.status_code == 200 and HEX40.match(renewed.json()["access_token"])


def test_revocation(client: TestClient, factory: Factory, runtime: Runtime) -> None:
    party = Party(factory)
    token = factory.legacy_token(party.user, party.businesses[0], "v3", app=party.app)
    other = factory.legacy_token(party.user, party.businesses[0], "v3", app=party.app)
    stranger = Party(factory)
    ignored = client.post("/revoke", data=stranger.form(token=token["refresh_token"]))
    assert ignored.status_code == 200 and caller(runtime, "v3", token["access_token"])
    done = client.post("/v3/oauth/uki/revoke", data=party.form(token=token["refresh_token"]))
    assert done.status_code == 200 and done.json() == {"success": "ok"}
    assert expired(runtime, "v3", token["access_token"]) == "The access token has been revoked."
    by_access = client.post("/revoke", data=party.form(token=other["access_token"]))
    assert by_access.status_code == 200
    assert expired(runtime, "v3", other["access_token"]) == "The access token has been revoked."
    oauth_error(client.post("/revoke", data=party.form()), 400, "invalid_request")


# ---- the authorization pages ---------------------------------------------------------------------------------------

def test_a_country_without_a_business_of_the_user_is_refused(client: TestClient, factory: Factory) -> None:
    party = Party(factory, "v3", ("GB",))
    login(client, party.user)
    refused = client.get("/oauth2/auth/central", params={
        "client_id": party.credentials.client_id, "response_type": "code", "redirect_uri": CALLBACK,
        "state": STATE, "country": "ie"}, follow_redirects=False)
    params = callback_params(refused)
    assert params["error"] == "invalid_request" and "no business in IE" in params["error_description"]


def test_a_business_not_offered_is_refused(client: TestClient, factory: Factory) -> None:
    party = Party(factory, "v3", ("GB", "IE"))
    ireland = party.businesses[1].id
    params = callback_params(allow(client, consent(client, party, "/oauth2/auth/central", country="GB"),
                                   business=ireland))
    assert params["error"] == "invalid_request"


def test_v31_client_ids_keep_their_flow(client: TestClient, factory: Factory) -> None:
    party = Party(factory, "v3", ("GB", "IE"))
    login(client, party.user)
    page = client.get("/oauth2/auth/central", params={
        "client_id": party.app.client_id, "response_type": "code", "redirect_uri": CALLBACK, "country": "GB"})
    assert page.status_code == 200 and 'name="business"' not in page.text
    assert "Firm 0 GB" in page.text and "Firm 1 IE" in page.text  # every business, none to choose
    params = callback_params(allow(client, page))
    assert params["country"] == "GB" and params["code"].startswith("GB/")
    oauth_error(client.post("/v3/oauth/uki/token", data={
        "grant_type": "authorization_code", "code": params["code"], "redirect_uri": CALLBACK,
        "client_id": party.app.client_id, "client_secret": party.secret}), 400, "invalid_client")
    token = client.post("/token", data={"grant_type": "authorization_code", "code": params["code"],
                                        "redirect_uri": CALLBACK, "client_id": party.app.client_id,
                                        "client_secret": party.secret})
    assert token.status_code == 200 and token.json()["expires_in"] == 300 and "resource_owner_id" not in token.json()


# ---- v2 ----------------------------------------------------------------------------------------------------------

def test_v2_flow(client: TestClient, factory: Factory, runtime: Runtime, clock: Clock) -> None:
    party = Party(factory, "v2", ("US",))
    login(client, party.user)
    countries = client.get("/oauth2/auth", params={"client_id": party.credentials.client_id, "response_type": "code",
                                                   "redirect_uri": CALLBACK, "state": STATE})
    assert re.findall(r'data-country="([A-Z]{2})"', countries.text) == ["GB", "IE", "US"]
    code = code_for(client, party, "US", path="/oauth2/auth")
    token = client.post("/v2/oauth/token", data=party.form(grant_type="authorization_code", code=code,
                                                            redirect_uri=CALLBACK))
    assert token.status_code == 200, token.text
    body = token.json()
    assert list(body) == ["access_token", "token_type", "expires_in", "refresh_token", "scope"]
    assert HEX40.match(body["access_token"]) and body["expires_in"] == 3600
    assert caller(runtime, "v2", body["access_token"]).business_id == party.businesses[0].id
    with pytest.raises(Unauthorized):
        caller(runtime, "v3", body["access_token"])
    clock.advance(timedelta(days=400))
    renewed = client.post("/oauth2/token", data=party.form(grant_type="refresh_token",
                                                           refresh_token=body["refresh_token"]))
    assert renewed.status_code == 200, renewed.text
    oauth_error(client.post("/v3/oauth/na/token", data=party.form(grant_type="refresh_token",
                                                                    refresh_token=renewed.json()["refresh_token"])),
                400, "invalid_client")


def test_v2_served_the_uk_ireland_and_the_us_only(client: TestClient, factory: Factory) -> None:
    party = Party(factory, "v2", ("CA",))
    login(client, party.user)
    refused = client.get("/oauth2/auth", params={"client_id": party.credentials.client_id, "response_type": "code",
                                                 "redirect_uri": CALLBACK, "country": "CA"}, follow_redirects=False)
    params = callback_params(refused)
    assert params["error"] == "invalid_request" and params["error_description"] == "country must be one of gb, ie, us."


# ---- the app's end, the CLI and the portal ------------------------------------------------------------------------

def test_deleting_the_app_ends_its_legacy_authorizations(factory: Factory, runtime: Runtime) -> None:
    party = Party(factory)
    v3 = factory.legacy_token(party.user, party.businesses[0], "v3", app=party.app)
    v2 = factory.legacy_token(party.user, party.businesses[0], "v2", app=party.app)
    with unit_of_work(runtime.sessions, write=True) as db:
        app = db.get(App, party.app.id)
        assert app is not None
        assert len(app_service.delete_app(db, runtime.clock, app)) == 2
    with unit_of_work(runtime.sessions, write=False) as db:
        assert db.scalars(select(TokenFamily).where(TokenFamily.app_id == party.app.id)).all() == []
    assert expired(runtime, "v3", v3["access_token"]) == "The access token is not valid."
    assert expired(runtime, "v2", v2["access_token"]) == "The access token is not valid."


@pytest.fixture
def ledgerd(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str) -> Ledgerd:
    return in_process(monkeypatch, capsys, database_url)


def test_cli_issues_the_old_apis_credentials(ledgerd: Ledgerd, factory: Factory, client: TestClient) -> None:
    user = factory.user()
    factory.business(user, country="IE")
    made = ledgerd("apps", "create", "--owner", user.email, "--name", "Old", "--redirect-uri", CALLBACK, "--json")
    data = made.json()
    assert set(data["v3"]) == {"client_id", "client_secret"}
    assert set(data["v2"]) == {"client_id", "client_secret", "signing_secret"}
    assert set(data["subscription_keys"]) == {"primary", "secondary"}
    text = ledgerd("apps", "create", "--owner", user.email, "--name", "Old", "--redirect-uri", CALLBACK).out
    assert text.splitlines()[0] == "app Old" and text.splitlines()[1].startswith("  client id:     ")
    assert re.search(r"^  v2 signing secret: [0-9a-f]{40}  \(shown once\)$", text, re.M)

    again = ledgerd("apps", "legacy-credentials", data["client_id"], "--only", "v3", "--json").json()
    assert set(again) == {"client_id", "v3"} and again["v3"]["client_id"] == data["v3"]["client_id"]
    assert again["v3"]["client_secret"] != data["v3"]["client_secret"]
    form = {"grant_type": "refresh_token", "refresh_token": "f" * 40, "client_id": data["v3"]["client_id"]}
    oauth_error(client.post("/token", data={**form, "client_secret": data["v3"]["client_secret"]}), 400,
                "invalid_client")
    oauth_error(client.post("/token", data={**form, "client_secret": again["v3"]["client_secret"]}), 400,
                "invalid_grant")
    assert ledgerd("apps", "legacy-credentials", "nobody").code != 0


def test_portal_issues_and_shows_the_secrets_once(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    app, _ = factory.app(user)
    login(client, user)
    page = client.get(f"/developer/apps/{app.id}")
    assert "No v3 credentials yet." in page.text and "No subscription keys yet." in page.text

    def post(action: str) -> Response:
        return client.post(f"/developer/apps/{app.id}/{action}", data={"csrf": client.cookies["ledgerd_csrf"]})

    issued = post("legacy/v2")
    assert issued.status_code == 200
    client_id = re.search(r'<code id="v2-client-id" class="value">([0-9a-f]{20})</code>', issued.text)
    assert client_id and re.search(r'id="v2-client-secret" class="value">[0-9a-f]{40}<', issued.text)
    assert re.search(r'id="v2-signing-secret" class="value">[0-9a-f]{40}<', issued.text)
    keys = post("subscription-keys")
    assert re.search(r'id="primary-key" class="value">[0-9a-f]{32}<', keys.text)
    shown = client.get(f"/developer/apps/{app.id}")
    assert client_id.group(1) in shown.text and "v2-client-secret" not in shown.text
    assert "primary-key" not in shown.text and "No subscription keys yet." not in shown.text
    assert post("legacy/v4").status_code == 404



def test_without_the_old_apis_their_client_ids_are_unknown(client: TestClient, factory: Factory,
                                                           runtime: Runtime) -> None:
    party = Party(factory)
    settings = runtime.settings.model_copy(update={"legacy_apis": False})
    with TestClient(create_app(runtime=dataclasses.replace(runtime, settings=settings)),
                    base_url=str(client.base_url)) as off:
        assert off.post("/v3/oauth/uki/token", data=party.form(grant_type="refresh_token")).status_code == 404
        oauth_error(off.post("/token", data=party.form(grant_type="refresh_token", refresh_token="f" * 40)), 400,
                    "invalid_client")
        login(off, party.user)
        page = off.get("/oauth2/auth/central", params={"client_id": party.credentials.client_id,
                                                       "response_type": "code", "redirect_uri": CALLBACK})
        assert page.status_code == 400 and "Unknown application" in page.text
