"""Chained federation: a tenant of one Latchkey (downstream) signs its users in through another
Latchkey (upstream), whose own tenant holds them. Authlib is the app's client at the downstream
Latchkey, requests the user's browser across both, joserfc checks the ID token against the
downstream JWK Set, and PyJWT the context token of a launch."""
import base64
import html
import http.server
import os
import queue
import re
import secrets
import socket
import sys
import threading
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
LOGOUTS = queue.Queue()


class BackChannel(http.server.BaseHTTPRequestHandler):
    """The app's back-channel logout URI: keeps each logout_token posted to it."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        LOGOUTS.put((self.headers.get("Content-Type"), self.rfile.read(length).decode()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The app's own address, where its back channel listens; the test reads its redirects, never follows them.
APP_PORT = free_port()
APP_AUTHORITY = f"localhost:{APP_PORT}"
APP_REDIRECT = f"http://{APP_AUTHORITY}/launch"
APP_SIGNED_OUT = f"http://{APP_AUTHORITY}/signed-out"
threading.Thread(target=http.server.HTTPServer(("127.0.0.1", APP_PORT), BackChannel).serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def story():
    domain = f"upstream-{uuid.uuid4().hex[:8]}.example"
    # Upstream: Latchkey's downstream node is an approved app of the upstream, installed in the
    # tenant whose users it will sign in, asking only for openid profile email.
    up_seller = UP_PLATFORM.seller()
    callback = f"{DOWN}/signin/federated/callback"
    authority = urlparse(DOWN).netloc
    created = UP_PLATFORM.call("POST", "/clients", up_seller, {
        "friendlyName": "Fabrikam's Latchkey", "appDomain": authority, "redirectUrl": callback,
        # Where the upstream sends users back after signing them out at the downstream's request.
        "postLogoutRedirectUris": [f"{DOWN}/signout/federated/done"],
    })
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
    app_client = DOWN_PLATFORM.call("POST", "/clients", seller, {
        "friendlyName": "trip calendar", "appDomain": APP_AUTHORITY, "redirectUrl": APP_REDIRECT, "postLogoutRedirectUris": [APP_SIGNED_OUT],
        "backchannelLogoutUri": f"http://{APP_AUTHORITY}/backchannel",
    })
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
    story["id_token"], story["sid"] = token["id_token"], claims["sid"]
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


def test_signing_out_at_the_app_ends_both_sessions_and_tells_the_app(story):
    """RP-Initiated Logout at the downstream Latchkey with the app's ID token: the downstream
    signs the user out, tells the app's back channel, continues to the upstream Latchkey's
    end_session_endpoint (which asks, having no hint of its own), and comes back to the app."""
    browser = story["browser"]
    discovery = requests.get(f"{DOWN}/.well-known/openid-configuration").json()
    assert discovery["backchannel_logout_supported"] is True
    reply = browser.get(discovery["end_session_endpoint"], params={
        "id_token_hint": story["id_token"], "post_logout_redirect_uri": APP_SIGNED_OUT, "state": "bye-7",
    }, allow_redirects=False)
    assert reply.status_code == 303 and reply.headers["Location"].startswith(f"{UP}/oauth2/logout?"), reply.text[:300]
    question = browser.get(reply.headers["Location"], allow_redirects=False)
    assert question.status_code == 200 and 'action="/oauth2/logout/confirm"' in question.text
    answered = browser.post(f"{UP}/oauth2/logout/confirm", data=hidden_fields(question.text, "/oauth2/logout/confirm"), allow_redirects=False)
    assert answered.status_code == 303 and answered.headers["Location"].startswith(f"{DOWN}/signout/federated/done?state=")
    back = browser.get(answered.headers["Location"], allow_redirects=False)
    assert back.status_code == 303 and back.headers["Location"] == f"{APP_SIGNED_OUT}?state=bye-7"
    # Signed out of both.
    assert browser.get(f"{DOWN}/account", allow_redirects=False).status_code == 303
    assert browser.get(f"{UP}/account", allow_redirects=False).status_code == 303

    # The app's back channel got a logout token for the session, verified by joserfc.
    content_type, body = LOGOUTS.get(timeout=15)
    assert content_type == "application/x-www-form-urlencoded" and body.startswith("logout_token=")
    token = parse_qs(body)["logout_token"][0]
    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"]).json())
    decoded = jwt.decode(token, keys)
    assert decoded.header["typ"] == "logout+jwt"
    claims = decoded.claims
    assert claims["iss"] == DOWN and claims["aud"] == story["client_id"] and claims["sid"] == story["sid"]
    assert "http://schemas.openid.net/event/backchannel-logout" in claims["events"] and "nonce" not in claims
