"""The trip-calendar story with independent clients: Authlib's OAuth 2.0 client, joserfc for the
ID token, requests as the user's browser (plain HTML forms, no JavaScript)."""
import os
import secrets
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

import os as _os
import sys as _sys

_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402
from html_forms import hidden_fields  # noqa: E402

BASE = os.environ["LATCHKEY_URL"]
CALENDAR = os.environ["CALENDAR_URL"]
PLATFORM = Platform(BASE, os.environ["OPERATOR_TOKEN"])



def browse_to_redirect(browser, url, email, password, decision="allow"):
    """Follows Latchkey's pages as a user would until the browser is sent back to the app."""
    reply = browser.get(url, allow_redirects=False)
    for _ in range(6):
        location = reply.headers.get("Location")
        if reply.status_code in (302, 303) and location and location.startswith("https://app.contoso.com/"):
            return location
        if reply.status_code in (302, 303):
            reply = browser.get(urljoin(BASE, location), allow_redirects=False)
            continue
        assert reply.status_code == 200, reply.text
        if 'action="/signin"' in reply.text:
            reply = browser.post(f"{BASE}/signin", data=hidden_fields(reply.text, "/signin") + [("email", email), ("password", password)], allow_redirects=False)
        elif 'action="/oauth2/authorize"' in reply.text:
            reply = browser.post(f"{BASE}/oauth2/authorize", data=hidden_fields(reply.text, "/oauth2/authorize") + [("decision", decision)], allow_redirects=False)
        else:
            pytest.fail(f"unexpected page: {reply.text[:300]}")
    pytest.fail("no redirect back to the app")


@pytest.fixture(scope="module")
def story():
    seller = PLATFORM.seller()
    client_id, client_secret = PLATFORM.client(seller)
    app_id = PLATFORM.approved_app(seller, client_id, permissions=["Calendars.Read", "Calendars.ReadWrite"])
    tenant = PLATFORM.tenant()
    PLATFORM.install(tenant, app_id)
    email, password = PLATFORM.user(tenant)
    discovery = requests.get(f"{BASE}/.well-known/openid-configuration").json()
    return dict(client_id=client_id, client_secret=client_secret, app_id=app_id, tenant=tenant, email=email, password=password, discovery=discovery)


def new_client(story, scope="openid profile email offline_access Calendars.Read"):
    return OAuth2Session(
        story["client_id"], story["client_secret"], scope=scope, redirect_uri="https://app.contoso.com/auth",
        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
    )


def test_authorization_code_with_pkce_end_to_end(story):
    discovery = story["discovery"]
    assert discovery["issuer"] == BASE and "S256" in discovery["code_challenge_methods_supported"]
    # Consents.ReadWrite: this app also manages the user's consents (docs/security.md).
    client = new_client(story, scope="openid profile email offline_access Calendars.Read Consents.ReadWrite")
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce)

    browser = requests.Session()
    location = browse_to_redirect(browser, url, story["email"], story["password"])
    query = parse_qs(urlparse(location).query)
    assert query["state"] == [state] and query["iss"] == [BASE]

    token = client.fetch_token(discovery["token_endpoint"], authorization_response=location, code_verifier=verifier)
    assert token["token_type"] == "Bearer" and token["refresh_token"] and token["id_token"]

    # The ID token, checked by an independent JOSE library against the keys discovery points to.
    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"]).json())
    id_token = jwt.decode(token["id_token"], keys, algorithms=discovery["id_token_signing_alg_values_supported"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": BASE}, aud={"essential": True, "value": story["client_id"]},
        nonce={"essential": True, "value": nonce}, exp={"essential": True}, tid={"essential": True, "value": story["tenant"]},
    ).validate(id_token.claims)
    assert id_token.claims["email"] == story["email"] and id_token.claims["name"] == "Uma User"

    userinfo = client.get(discovery["userinfo_endpoint"]).json()
    assert userinfo["sub"] == id_token.claims["sub"] and userinfo["email"] == story["email"]
    # OpenID Connect Core §5.3.1: POST too, the token in the header or in a form body (RFC 6750 §2.2).
    posted = requests.post(discovery["userinfo_endpoint"], data={"access_token": token["access_token"]})
    assert posted.status_code == 200 and posted.json() == userinfo, posted.text

    # The platform's API honours the consented permission, and no other.
    events = client.get(f"{CALENDAR}/me/events")
    assert events.status_code == 200, events.text
    assert "Flight to Seattle" in [event["title"] for event in events.json()["events"]]
    write = client.post(f"{CALENDAR}/me/events", json={"title": "Dinner", "start": "2027-03-02T19:00:00Z", "end": "2027-03-02T21:00:00Z"})
    assert write.status_code == 403 and 'error="insufficient_scope"' in write.headers["WWW-Authenticate"]

    # Refresh rotates the refresh token; the new access token works.
    old_refresh = token["refresh_token"]
    refreshed = client.refresh_token(discovery["token_endpoint"])
    assert refreshed["refresh_token"] != old_refresh
    assert client.get(f"{CALENDAR}/me/events").status_code == 200

    # The user revokes the consent: the refresh token stops at once, and the API (which
    # introspects) refuses the access token at once.
    revoked = requests.delete(f"{BASE}/api/v1/me/consents/{story['app_id']}", headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    assert revoked.status_code == 204, revoked.text
    refused = client.get(f"{CALENDAR}/me/events")
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    with pytest.raises(Exception) as failure:
        client.refresh_token(discovery["token_endpoint"])
    assert "invalid_grant" in str(failure.value)


def test_sso_and_denial(story):
    discovery = story["discovery"]
    browser = requests.Session()
    client = new_client(story, scope="openid Calendars.Read")
    url, _ = client.create_authorization_url(discovery["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48))
    browse_to_redirect(browser, url, story["email"], story["password"])
    # Signed in and consented: the next request returns at once, without a page.
    url, state = client.create_authorization_url(discovery["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48))
    reply = browser.get(url, allow_redirects=False)
    assert reply.status_code == 302 and "code=" in reply.headers["Location"]
    # A permission not consented yet brings the page back; denying it sends access_denied.
    wider = new_client(story, scope="openid profile Calendars.Read")
    url, state = wider.create_authorization_url(discovery["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48))
    location = browse_to_redirect(browser, url, story["email"], story["password"], decision="deny")
    query = parse_qs(urlparse(location).query)
    assert query["error"] == ["access_denied"] and query["state"] == [state]
