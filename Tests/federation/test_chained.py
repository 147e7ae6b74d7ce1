"""Chained federation: a tenant of one Latchkey (downstream) signs its users in through another
Latchkey (upstream), whose own tenant holds them. Authlib is the app's client at the downstream
Latchkey, requests the user's browser across both, joserfc checks the ID token against the
downstream JWK Set, and PyJWT the context token of a launch."""
import base64
import html
import os
import re
import secrets
import sys
import uuid
from urllib.parse import parse_qs, urlparse

import jwt as pyjwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browsing import browse  # noqa: E402
from html_forms import hidden_fields  # noqa: E402
from platform_setup import Platform  # noqa: E402

DOWN = os.environ["DOWN_URL"]
UP = os.environ["UP_URL"]
DOWN_PLATFORM = Platform(DOWN, os.environ["DOWN_OPERATOR_TOKEN"])
UP_PLATFORM = Platform(UP, os.environ["UP_OPERATOR_TOKEN"])
APP_AUTHORITY = "localhost:9"  # the app's own address: the test reads redirects, never follows them
APP_REDIRECT = f"http://{APP_AUTHORITY}/launch"


@pytest.fixture(scope="module")
def story():
    domain = f"upstream-{uuid.uuid4().hex[:8]}.example"
    # Upstream: Latchkey's downstream node is an approved app of the upstream, installed in the
    # tenant whose users it will sign in, asking only for openid profile email.
    up_seller = UP_PLATFORM.seller()
    callback = f"{DOWN}/signin/federated/callback"
    authority = urlparse(DOWN).netloc
    created = UP_PLATFORM.call("POST", "/clients", up_seller, {"friendlyName": "Fabrikam's Latchkey", "appDomain": authority, "redirectUrl": callback})
    up_app = UP_PLATFORM.approved_app(up_seller, created["clientId"])
    up_tenant = UP_PLATFORM.tenant()
    UP_PLATFORM.install(up_tenant, up_app)
    email, password = f"alice@{domain}", "alice's long password"
    UP_PLATFORM.call("POST", f"/tenants/{up_tenant}/users", UP_PLATFORM.operator, {"email": email, "displayName": "Alice Upstream", "password": password})

    # Downstream: the tenant connects the upstream Latchkey and claims the domain; an app there.
    down_tenant = DOWN_PLATFORM.tenant()
    provider = DOWN_PLATFORM.call("POST", f"/tenants/{down_tenant}/identity-providers", DOWN_PLATFORM.operator, {
        "issuer": UP, "clientId": created["clientId"], "clientSecret": created["secret"]["value"],
    })
    assert provider["redirectUri"] == callback and "clientSecret" not in provider
    DOWN_PLATFORM.call("POST", f"/tenants/{down_tenant}/domains", DOWN_PLATFORM.operator, {"domain": domain})
    seller = DOWN_PLATFORM.seller()
    app_client = DOWN_PLATFORM.call("POST", "/clients", seller, {"friendlyName": "trip calendar", "appDomain": APP_AUTHORITY, "redirectUrl": APP_REDIRECT})
    app_id = DOWN_PLATFORM.approved_app(seller, app_client["clientId"], permissions=["Calendars.Read"])
    DOWN_PLATFORM.install(down_tenant, app_id)
    return dict(
        email=email, password=password, tenant=down_tenant, app_id=app_id, client_id=app_client["clientId"],
        client_secret=app_client["secret"]["value"], browser=requests.Session(),
    )


def test_a_user_of_the_upstream_latchkey_signs_in_to_an_app_of_the_downstream_one(story):
    discovery = requests.get(f"{DOWN}/.well-known/openid-configuration").json()
    client = OAuth2Session(
        story["client_id"], story["client_secret"], scope="openid profile email Calendars.Read", redirect_uri=APP_REDIRECT,
        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
    )
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    location, seen = browse(
        story["browser"], url, story["email"], until=APP_REDIRECT, latchkeys={DOWN: None, UP: story["password"]},
        upstream=lambda browser, reply: pytest.fail(f"left both Latchkeys for {reply.url}"),
    )
    # The way there: the downstream sign-in, the upstream one and its consent, the callback.
    assert f"{UP}/oauth2/authorize" in seen and f"{DOWN}/signin/federated/callback" in seen
    assert parse_qs(urlparse(location).query)["state"] == [state]

    token = client.fetch_token(discovery["token_endpoint"], authorization_response=location, code_verifier=verifier)
    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"]).json())
    claims = jwt.decode(token["id_token"], keys).claims
    assert claims["iss"] == DOWN and claims["aud"] == story["client_id"] and claims["nonce"] == nonce
    assert claims["email"] == story["email"] and claims["name"] == "Alice Upstream"
    # Which provider vouched, and how the user proved it there (the upstream's own password).
    assert claims["idp"] == UP and claims["amr"] == ["pwd"]
    assert claims["tid"] == story["tenant"]

    users = DOWN_PLATFORM.call("GET", f"/tenants/{story['tenant']}/users", DOWN_PLATFORM.operator)["users"]
    assert [user["id"] for user in users if user["email"] == story["email"]] == [claims["sub"]]
    audit = requests.get(f"{DOWN}/api/v1/tenants/{story['tenant']}/audit", headers={"Authorization": f"Bearer {DOWN_PLATFORM.operator}"}).text
    assert f"just in time through {UP}" in audit


def test_the_federated_user_launches_the_app_with_a_context_token(story):
    browser = story["browser"]
    app_id = story["app_id"]
    page = browser.get(f"{DOWN}/apps/{app_id}/launch")
    assert page.status_code == 200, page.text[:300]
    if f'action="/apps/{app_id}/launch"' in page.text:
        page = browser.post(f"{DOWN}/apps/{app_id}/launch", data=hidden_fields(page.text, f"/apps/{app_id}/launch") + [("decision", "allow")])
        assert page.status_code == 200, page.text[:300]
    match = re.search(r'<form method="post" action="([^"]+)" id="launch"', page.text)
    assert match, page.text[:500]
    action = html.unescape(match.group(1))
    assert action.startswith(APP_REDIRECT)
    token = dict(hidden_fields(page.text, match.group(1)))["SPAppToken"]
    claims = pyjwt.decode(
        token, base64.b64decode(story["client_secret"]), algorithms=["HS256"], audience=f"{story['client_id']}/{APP_AUTHORITY}@{story['tenant']}",
    )
    assert claims["appctxsender"].endswith("@" + story["tenant"])
