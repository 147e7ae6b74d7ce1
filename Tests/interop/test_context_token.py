"""Launching an app as the seed's system did (docs/acs-wire.md §6, §10.2): PyJWT validates the
context token exactly as TokenHelper and node-sp-auth do, its refresh token buys user+app tokens
at the realm-less and the realm token endpoints, and the example TripCalendar app, handed the
launch form as a browser without JavaScript would post it, shows the user's trips read through
the calendar API."""
import base64
import html
import json
import os
import re
import sys
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests

BASE = os.environ["LATCHKEY_URL"]
CALENDAR = os.environ["CALENDAR_URL"]
REALM = os.environ["CALENDAR_REALM"]
TRIP = os.environ["TRIP_URL"]
CLIENT_ID = os.environ["TRIP_CLIENT_ID"]
SECRET = os.environ["TRIP_CLIENT_SECRET"]
APP_ID = os.environ["TRIP_APP_ID"]
PLATFORM_PRINCIPAL = "00000003-0000-0ff1-ce00-000000000000"

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from html_forms import hidden_fields  # noqa: E402


def launch_form(page):
    """The auto-submitting form of a launch page: where it posts and what."""
    match = re.search(r'<form method="post" action="([^"]+)" id="launch"', page)
    assert match, page[:500]
    action = html.unescape(match.group(1))
    return action, dict(hidden_fields(page, match.group(1)))


@pytest.fixture(scope="module")
def browser():
    """The user's browser, signed in to Latchkey."""
    session = requests.Session()
    page = session.get(f"{BASE}/signin?return=/account")
    reply = session.post(f"{BASE}/signin", data=hidden_fields(page.text, "/signin") + [
        ("email", os.environ["TRIP_USER_EMAIL"]), ("password", os.environ["TRIP_USER_PASSWORD"]),
    ], allow_redirects=False)
    assert reply.status_code in (302, 303), reply.text
    return session


def open_app(browser, url):
    """Follows Latchkey's launch (consenting when asked) to the form that posts to the app."""
    reply = browser.get(url)
    assert reply.status_code == 200, reply.text[:300]
    if f'action="/apps/{APP_ID}/launch"' in reply.text:
        reply = browser.post(f"{BASE}/apps/{APP_ID}/launch", data=hidden_fields(reply.text, f"/apps/{APP_ID}/launch") + [("decision", "allow")])
        assert reply.status_code == 200, reply.text[:300]
    return launch_form(reply.text)


def test_context_token_validates_as_real_clients_validate_it(browser):
    action, fields = open_app(browser, f"{BASE}/apps/{APP_ID}/launch")
    assert action.startswith(f"{TRIP}/launch?SPHostUrl=")
    query = parse_qs(urlparse(action).query)
    assert query["SPHostUrl"] == [f"{CALENDAR}/sites/{REALM}"] and query["SPLanguage"] == ["en-US"]
    token = fields["SPAppToken"]

    # docs/acs-wire.md §10.2, word for word: HS256 under the base64-decoded secret, exact audience.
    key = base64.b64decode(SECRET)
    app_authority = urlparse(TRIP).netloc
    claims = jwt.decode(token, key, algorithms=["HS256"], audience=f"{CLIENT_ID}/{app_authority}@{REALM}")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert claims["iss"] == f"00000001-0000-0000-c000-000000000000@{REALM}"
    assert claims["appctxsender"] == f"{PLATFORM_PRINCIPAL}@{REALM}"
    context = json.loads(claims["appctx"])
    assert {"CacheKey", "SecurityTokenServiceUri"} <= context.keys()
    assert context["SecurityTokenServiceUri"] == f"{BASE}/tokens/OAuth/2"
    assert isinstance(claims["nbf"], int) and isinstance(claims["exp"], int)
    assert claims["exp"] - claims["nbf"] == 12 * 3600

    # Another key, another audience: refused.
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, base64.b64decode("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="), algorithms=["HS256"], audience=claims["aud"])
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key, algorithms=["HS256"], audience=f"{CLIENT_ID}/evil.example@{REALM}")

    # The refresh grant, posted where PnPjs posts (appctx's realm-less URI) and where
    # node-sp-auth posts (the realm inserted), for the site's host with its port.
    site_host = urlparse(CALENDAR).netloc
    resource = f"{PLATFORM_PRINCIPAL}/{site_host}@{REALM}"
    sts = urlparse(context["SecurityTokenServiceUri"])
    for url in (context["SecurityTokenServiceUri"], f"{sts.scheme}://{sts.netloc}/{REALM}{sts.path}"):
        reply = requests.post(url, data={
            "grant_type": "refresh_token", "client_id": f"{CLIENT_ID}@{REALM}", "client_secret": SECRET,
            "refresh_token": claims["refreshtoken"], "resource": resource,
        })
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert all(isinstance(body[k], str) for k in ("expires_in", "not_before", "expires_on", "resource", "access_token"))
        assert body["resource"] == resource
        events = requests.get(f"{CALENDAR}/sites/{REALM}/me/events", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert events.status_code == 200, events.text
        assert any(e["title"] == "Flight to Seattle" for e in events.json()["events"])

    wrong_secret = requests.post(context["SecurityTokenServiceUri"], data={
        "grant_type": "refresh_token", "client_id": f"{CLIENT_ID}@{REALM}", "client_secret": "d3Jvbmc=",
        "refresh_token": claims["refreshtoken"], "resource": resource,
    })
    assert wrong_secret.status_code == 401 and wrong_secret.text.startswith('{"error":"invalid_client"')


def test_trip_calendar_shows_the_users_trips(browser):
    action, fields = open_app(browser, f"{BASE}/apps/{APP_ID}/launch")
    page = requests.post(action, data=fields)
    assert page.status_code == 200, page.text
    assert "Your trips" in page.text and "Flight to Seattle" in page.text and "Fabrikam" in page.text

    # A forged or altered launch is refused by the app.
    forged = dict(fields, SPAppToken=fields["SPAppToken"][:-4] + "AAAA")
    refused = requests.post(action, data=forged)
    assert refused.status_code == 401 and "none of the 1 configured client secret" in refused.text


def test_trip_calendar_opened_directly_asks_for_a_fresh_launch(browser):
    reply = requests.get(f"{TRIP}/launch", allow_redirects=False)
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith(f"{BASE}/_layouts/15/AppRedirect.aspx?client_id={CLIENT_ID}&redirect_uri=")
    action, fields = open_app(browser, location)
    page = requests.post(action, data=fields)
    assert page.status_code == 200 and "Flight to Seattle" in page.text

    elsewhere = browser.get(f"{BASE}/_layouts/15/AppRedirect.aspx", params={"client_id": CLIENT_ID, "redirect_uri": "http://localhost:1/steal"})
    assert elsewhere.status_code == 400 and 'id="launch"' not in elsewhere.text
