"""Glewlwyd, an independent OpenID provider, as a tenant's: its user signs in there (through its
REST API, as its login page's script does), lands in the tenant just in time as an admin by its
groups claim, consents, and the app's ID token from Latchkey names Glewlwyd."""
import os
import secrets
import sys
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browsing import browse  # noqa: E402
from platform_setup import Platform  # noqa: E402

DOWN = os.environ["DOWN_URL"]
PLATFORM = Platform(DOWN, os.environ["DOWN_OPERATOR_TOKEN"])
ISSUER = os.environ["GLEWLWYD_ISSUER"]
GLEWLWYD = ISSUER.rsplit("/api/", 1)[0]
EMAIL = os.environ["GLEWLWYD_EMAIL"]
APP_REDIRECT = "https://app.contoso.com/auth"


def glewlwyd_sign_in(browser, reply):
    """Glewlwyd's login page as its script uses Glewlwyd's API: the authorization endpoint sent the
    browser to login.html with a callback_url; the password and the grant of the scopes go to the
    API; the callback_url with g_continue answers with the redirect to Latchkey."""
    query = parse_qs(urlparse(reply.url).query)
    assert reply.url.startswith(f"{GLEWLWYD}/login.html") and "callback_url" in query, f"{reply.url}: {reply.status_code}"
    signed = browser.post(f"{GLEWLWYD}/api/auth/", json={"username": os.environ["GLEWLWYD_USER"], "password": os.environ["GLEWLWYD_PASSWORD"]})
    assert signed.status_code == 200, signed.text
    granted = browser.put(f"{GLEWLWYD}/api/auth/grant/{query['client_id'][0]}/", json={"scope": "openid profile email"})
    assert granted.status_code == 200, granted.text
    return browser.get(query["callback_url"][0] + "&g_continue", allow_redirects=False)


@pytest.fixture(scope="module")
def story():
    tenant = PLATFORM.tenant()
    provider = PLATFORM.call("POST", f"/tenants/{tenant}/identity-providers", PLATFORM.operator, {
        "issuer": ISSUER, "clientId": os.environ["GLEWLWYD_CLIENT_ID"], "clientSecret": os.environ["GLEWLWYD_CLIENT_SECRET"],
        "claims": {"adminClaim": "groups", "adminValue": "latchkey-admins"},
    })
    assert provider["redirectUri"] == f"{DOWN}/signin/federated/callback"
    PLATFORM.call("POST", f"/tenants/{tenant}/domains", PLATFORM.operator, {"domain": EMAIL.split("@")[1]})
    seller = PLATFORM.seller()
    client_id, client_secret = PLATFORM.client(seller)
    app_id = PLATFORM.approved_app(seller, client_id, permissions=["Calendars.Read"])
    PLATFORM.install(tenant, app_id)
    return dict(tenant=tenant, client_id=client_id, client_secret=client_secret)


def test_a_glewlwyd_user_signs_in_to_a_latchkey_app(story):
    discovery = requests.get(f"{DOWN}/.well-known/openid-configuration").json()
    client = OAuth2Session(
        story["client_id"], story["client_secret"], scope="openid profile email Calendars.Read", redirect_uri=APP_REDIRECT,
        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
    )
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    # login_hint goes straight to Glewlwyd, without Latchkey's form.
    location, seen = browse(
        requests.Session(), url + "&login_hint=" + EMAIL, EMAIL, until=APP_REDIRECT, latchkeys={DOWN: None}, upstream=glewlwyd_sign_in,
    )
    assert f"{DOWN}/signin/federated/callback" in seen
    assert parse_qs(urlparse(location).query)["state"] == [state]

    token = client.fetch_token(discovery["token_endpoint"], authorization_response=location, code_verifier=verifier)
    claims = jwt.decode(token["id_token"], KeySet.import_key_set(requests.get(discovery["jwks_uri"]).json())).claims
    assert claims["email"] == EMAIL and claims["name"] == "Gail Glewlwyd"
    assert claims["idp"] == ISSUER and claims["tid"] == story["tenant"]

    users = PLATFORM.call("GET", f"/tenants/{story['tenant']}/users", PLATFORM.operator)["users"]
    made = [user for user in users if user["email"] == EMAIL]
    assert len(made) == 1 and made[0]["id"] == claims["sub"] and made[0]["isAdmin"] is True
