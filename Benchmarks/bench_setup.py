"""Prepares a running Latchkey for the benchmarks and prints shell variables: a service app's
Client ID enabled for client credentials in a tenant, a signed-in user who has consented to a
delegated app (the session cookie a browser would hold), and the refresh token of a launch."""
import base64
import hashlib
import os
import secrets
import re
import sys
from urllib.parse import urlencode

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "support"))
from html_forms import browse  # noqa: E402
from platform_setup import Platform  # noqa: E402

base, operator = sys.argv[1], sys.argv[2]
platform = Platform(base, operator)
seller = platform.seller()
client_id, secret = platform.client(seller)
app_id = platform.approved_app(seller, client_id, permissions=["Calendars.Read"], app_only=["Calendars.Read.All"])
tenant = platform.tenant()
platform.install(tenant, app_id)
platform.call("POST", f"/tenants/{tenant}/installations/{app_id}/app-only-consent", operator)
email, password = platform.user(tenant)

# One PKCE pair for every flow of the run (RFC 7636 §4.1, §4.2).
verifier = secrets.token_urlsafe(32)
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
authorize = "/oauth2/authorize?" + urlencode({
    "response_type": "code", "client_id": client_id, "redirect_uri": "https://app.contoso.com/auth",
    "scope": "openid offline_access Calendars.Read", "state": "bench", "code_challenge": challenge, "code_challenge_method": "S256",
})
browser = requests.Session()
# Each form's own fields, as a browser posts them (the page frame's sign-out form has a _csrf too).
reply = browse(browser, base, email, password, base + authorize)
assert reply.headers.get("Location", "").startswith("https://app.contoso.com/auth?code="), reply.text

# A launch of the app by the same user: its context token's refresh token, for the ACS refresh grant.
launch = browser.get(f"{base}/apps/{app_id}/launch")
app_token = re.search(r'name="SPAppToken" value="([^"]+)"', launch.text).group(1)
payload = app_token.split(".")[1]
claims = __import__("json").loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

print(f"client_id={client_id}")
print(f"app_id={app_id}")
print(f"refresh_token='{claims['refreshtoken']}'")
print(f"secret='{secret}'")
print(f"tenant={tenant}")
print(f"authorize='{authorize}'")
print(f"verifier={verifier}")
print(f"cookie='latchkey_session={browser.cookies['latchkey_session']}'")
