"""A client written for the seed's system, unchanged but for the address of its token service:
office365-rest-python-client 3.3.0 finds the realm by the site's 401 challenge, asks the realm's
token endpoint for an app-only token, and reads the site's title (docs/acs-wire.md §10.1)."""
import os
import sys

import pytest
import requests
from office365.runtime.auth.client_credential import ClientCredential
from office365.runtime.auth.providers.acs_token_provider import ACSTokenProvider
from office365.sharepoint.client_context import ClientContext

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402

BASE = os.environ["LATCHKEY_URL"]
CALENDAR = os.environ["CALENDAR_URL"]
REALM = os.environ["CALENDAR_REALM"]
PLATFORM = Platform(BASE, os.environ["OPERATOR_TOKEN"])


@pytest.fixture(scope="module")
def service_app():
    seller = PLATFORM.seller()
    client_id, secret = PLATFORM.client(seller)
    app_id = PLATFORM.approved_app(seller, client_id, app_only=["Calendars.Read.All"])
    PLATFORM.install(REALM, app_id)
    PLATFORM.call("POST", f"/tenants/{REALM}/installations/{app_id}/app-only-consent", PLATFORM.operator)
    return client_id, secret


@pytest.fixture(autouse=True)
def token_service(monkeypatch):
    # The one URL the client hard-codes (docs/acs-wire.md §8.1): point it at Latchkey.
    monkeypatch.setattr(ACSTokenProvider, "get_security_token_service_url", lambda self, realm: f"{BASE}/{realm}/tokens/OAuth/2")


def test_realm_discovery_challenge():
    for method in ("GET", "HEAD", "POST"):
        for path in ("/sites/dev", "/sites/dev/_vti_bin/client.svc"):
            reply = requests.request(method, CALENDAR + path, headers={"Authorization": "Bearer "}, allow_redirects=False)
            assert reply.status_code == 401, (method, path)
            challenge = reply.headers["WWW-Authenticate"]
            assert challenge.startswith(f'Bearer realm="{REALM}",client_id="00000003-0000-0ff1-ce00-000000000000",'), challenge
    metadata = requests.get(f"{BASE}/metadata/json/1", params={"realm": REALM}).json()
    assert [e["location"] for e in metadata["endpoints"] if e["protocol"] == "OAuth2"] == [f"{BASE}/{REALM}/tokens/OAuth/2"]


def test_app_only_token_as_the_client_parses_it(service_app):
    client_id, secret = service_app
    token = ACSTokenProvider(f"{CALENDAR}/sites/dev", ClientCredential(client_id, secret)).get_app_only_access_token()
    assert token.tokenType == "Bearer" and token.accessToken
    assert token.resource == f"00000003-0000-0ff1-ce00-000000000000/127.0.0.1@{REALM}"
    assert isinstance(token.expiresIn, str) and int(token.expiresIn) == 3600


def test_reads_the_site_title(service_app):
    client_id, secret = service_app
    ctx = ClientContext(f"{CALENDAR}/sites/dev").with_client_credentials(client_id, secret)
    web = ctx.web.get().execute_query()
    assert web.properties["Title"] == "Fabrikam trips"


def test_a_wrong_secret_is_the_json_error_clients_expect(service_app):
    client_id, _ = service_app
    with pytest.raises(ValueError) as failure:
        ACSTokenProvider(f"{CALENDAR}/sites/dev", ClientCredential(client_id, "d3Jvbmcgc2VjcmV0")).get_app_only_access_token()
    assert '{"error":"invalid_client"' in str(failure.value)
