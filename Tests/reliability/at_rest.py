"""At rest: drives every kind of secret through a running Latchkey — seller passwords and API
tokens, page sessions and CSRF tokens, client secrets (first and added), an authorization code,
its refresh token and access token, an ACS refresh token, a webhook's signing secret, platform
users' passwords — then looks for each value, as sent and in base64/hex, in every file of the
data directory (the SQLite database, its journal, the key file's neighbours) or in a dump of
the PostgreSQL database. Also looks for private keys (PEM headers, a JWK's "d").

    python at_rest.py BASE OPERATOR_TOKEN DATA_DIR [POSTGRES_URL]
"""
import base64
import hashlib
import os
import secrets
import subprocess
import sys
from urllib.parse import parse_qs, urljoin, urlparse

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from html_forms import hidden_fields  # noqa: E402
from platform_setup import Platform  # noqa: E402


def main():
    base, operator, data_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    postgres = sys.argv[4] if len(sys.argv) > 4 else None
    platform = Platform(base, operator)
    found = {}  # what a leak would expose, by a label

    # A seller: password, API token, a dashboard session and its CSRF token.
    email = f"rest-{secrets.token_hex(4)}@contoso.example"
    password = "at rest " + secrets.token_urlsafe(12)
    requests.post(f"{base}/api/v1/sellers", json={"email": email, "password": password, "displayName": "Contoso"}).raise_for_status()
    seller = requests.post(f"{base}/api/v1/tokens", json={"email": email, "password": password}).json()["token"]
    found["seller password"] = password
    found["seller API token"] = seller
    browser = requests.Session()
    page = browser.get(f"{base}/dashboard/signin").text
    browser.post(f"{base}/dashboard/signin", data=hidden_fields(page, "/dashboard/signin") + [("email", email), ("password", password)])
    found["dashboard session id"] = browser.cookies.get("latchkey_session")
    found["dashboard CSRF token"] = dict(hidden_fields(browser.get(f"{base}/dashboard/clients/new").text, "/dashboard/clients/new")).get("_csrf")

    # Client secrets, the first and an added one; a webhook's signing secret.
    client_id, first = platform.client(seller)
    found["client secret (first)"] = first
    found["client secret (added)"] = platform.call("POST", f"/clients/{client_id}/secrets", seller, {})["value"]
    found["webhook secret"] = platform.call("PUT", "/sellers/me/webhook", seller, {"url": "https://ops.contoso.com/notices"})["secret"]

    # A user signs in, consents; the app redeems the code: refresh and access tokens.
    app_id = platform.approved_app(seller, client_id, permissions=["Calendars.Read"])
    tenant = platform.tenant()
    platform.install(tenant, app_id)
    user_email, user_password = platform.user(tenant)
    found["user password"] = user_password
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    user = requests.Session()
    url = f"{base}/oauth2/authorize?" + "&".join([
        "response_type=code", f"client_id={client_id}", "redirect_uri=https%3A%2F%2Fapp.contoso.com%2Fauth",
        "scope=openid%20offline_access%20Calendars.Read", f"code_challenge={challenge}", "code_challenge_method=S256", "state=s",
    ])
    reply = user.get(url, allow_redirects=False)
    code = None
    for _ in range(8):
        location = reply.headers.get("Location", "")
        if location.startswith("https://app.contoso.com/"):
            code = parse_qs(urlparse(location).query)["code"][0]
            break
        if reply.status_code in (302, 303):
            reply = user.get(urljoin(base, location), allow_redirects=False)
        elif 'action="/signin"' in reply.text:
            reply = user.post(f"{base}/signin", data=hidden_fields(reply.text, "/signin") + [("email", user_email), ("password", user_password)], allow_redirects=False)
        else:
            reply = user.post(f"{base}/oauth2/authorize", data=hidden_fields(reply.text, "/oauth2/authorize") + [("decision", "allow")], allow_redirects=False)
    assert code, "no authorization code"
    found["authorization code"] = code
    found["user session id"] = user.cookies.get("latchkey_session")
    found["user page CSRF token"] = dict(hidden_fields(user.get(f"{base}/account").text, "/signout")).get("_csrf")
    tokens = requests.post(f"{base}/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "https://app.contoso.com/auth", "code_verifier": verifier,
    }, auth=(client_id, first)).json()
    found["refresh token"] = tokens["refresh_token"]
    found["access token"] = tokens["access_token"]
    found["PKCE verifier"] = verifier
    rotated = requests.post(f"{base}/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=(client_id, first)).json()
    found["refresh token (rotated)"] = rotated["refresh_token"]
    # The ACS profile's refresh token: another code (the consent stands), redeemed at the realm's
    # token endpoint for the deployment's site host.
    reply = user.get(url, allow_redirects=False)
    acs_code = parse_qs(urlparse(reply.headers.get("Location", "")).query).get("code", [None])[0]
    acs = requests.post(f"{base}/{tenant}/tokens/OAuth/2", data={
        "grant_type": "authorization_code", "client_id": f"{client_id}@{tenant}", "client_secret": first, "code": acs_code,
        "redirect_uri": "https://app.contoso.com/auth", "code_verifier": verifier,
        "resource": f"00000003-0000-0ff1-ce00-000000000000/{urlparse(base).hostname}@{tenant}",
    })
    found["ACS refresh token"] = acs.json().get("refresh_token") if acs.ok else None
    # Each value the scan claims to look for was collected: a label without one is a broken scan.
    missing = [label for label, value in found.items() if not value]
    if missing:
        print(f"the scan could not collect: {', '.join(missing)} ({acs.status_code} {acs.text[:200]})")
        sys.exit(1)

    haystacks = read_data_dir(data_dir)
    if postgres:
        haystacks.append(("pg_dump", subprocess.run(["pg_dump", "--data-only", postgres], check=True, capture_output=True).stdout))
    # The scan reads what is stored: an email, kept in clear by design, must be seen.
    if not any(email.encode() in data for _, data in haystacks):
        print("the scan did not see the seller's email: it is not reading the database")
        sys.exit(1)
    leaks = []
    for label, value in found.items():
        if not value:
            continue
        for form in forms(value):
            for name, data in haystacks:
                if form in data:
                    leaks.append(f"{label} in {name}")
    for name, data in haystacks:
        if name.endswith("master.key"):
            continue
        for marker in (b"PRIVATE KEY-----", b'"d":"', b'"d": "'):
            if marker in data:
                leaks.append(f"private key material ({marker!r}) in {name}")
    print(f"looked for {len(found)} secret values in {len(haystacks)} files, {sum(len(d) for _, d in haystacks)} bytes: {len(leaks)} found")
    for leak in sorted(set(leaks)):
        print("LEAK", leak)
    sys.exit(1 if leaks else 0)


def forms(value):
    raw = value.encode()
    yield raw
    yield raw.replace(b"/", b"\\/")  # as JSONEncoder writes it
    yield raw.replace(b"/", b"\\\\/")  # the same in pg_dump's COPY text, which doubles backslashes
    yield base64.b64encode(raw)
    yield base64.urlsafe_b64encode(raw).rstrip(b"=")
    yield raw.hex().encode()


def read_data_dir(path):
    files = []
    for root, _, names in os.walk(path):
        for name in names:
            full = os.path.join(root, name)
            with open(full, "rb") as handle:
                files.append((full, handle.read()))
    return files


if __name__ == "__main__":
    main()
