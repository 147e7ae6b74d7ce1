"""A generator of hostile requests for the protocol endpoints (token, authorize, introspect,
revoke, userinfo, the ACS realm token endpoint, the revocation feed): wrong methods, missing
and repeated parameters, oversized and malformed bodies, bad encodings, hostile headers. Every
answer must be below 500; every JSON refusal must be RFC 6749 §5.2's shape with a registered
error code and a status that fits it; and no success may hand out a token, an active
introspection or revocation rules to a request that was malformed or not authenticated.

    python fuzz_protocol.py BASE OPERATOR_TOKEN CASES SEED
"""
import base64
import http.client
import json
import os
import random
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402

CODES = {
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
    "unsupported_token_type", "invalid_token", "insufficient_scope", "temporarily_unavailable", "access_denied",
}
STATUS_OF = {"invalid_client": {401}, "invalid_token": {401}, "insufficient_scope": {403}, "temporarily_unavailable": {429, 503}}


def main():
    base, operator, cases, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    parsed = urllib.parse.urlparse(base)
    platform = Platform(base, operator)
    seller = platform.seller()
    client_id, secret = platform.client(seller)
    app_id = platform.approved_app(seller, client_id, app_only=["Calendars.Read.All"])
    tenant = platform.tenant()
    platform.install(tenant, app_id)
    platform.call("POST", f"/tenants/{tenant}/installations/{app_id}/app-only-consent", operator)
    basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = json.loads(request(parsed, "POST", "/oauth2/token", f"grant_type=client_credentials&tenant={tenant}".encode(), {
        "Authorization": basic, "Content-Type": "application/x-www-form-urlencoded"})[2])["access_token"]

    endpoints = [
        ("POST", "/oauth2/token"), ("POST", "/oauth2/introspect"), ("POST", "/oauth2/revoke"), ("GET", "/oauth2/userinfo"),
        ("POST", "/oauth2/userinfo"), ("GET", "/oauth2/authorize"), ("POST", "/oauth2/authorize"), (
            "POST", f"/{tenant}/tokens/OAuth/2"), ("POST", "/tokens/OAuth/2"), ("GET", "/oauth2/revocations"),
    ]
    names = ["grant_type", "tenant", "client_id", "client_secret", "scope", "code", "redirect_uri", "code_verifier", "refresh_token", "token",
             "token_type_hint", "resource", "response_type", "state", "nonce", "code_challenge", "code_challenge_method", "prompt",
             "max_age", "wait", "since", "realm", "assertion"]
    values = [tenant, client_id, secret, token, token[:-3] + "abc", "client_credentials", "authorization_code", "refresh_token", "password",
              "urn:ietf:params:oauth:grant-type:jwt-bearer", "Calendars.Read.All", "openid profile", "https://app.contoso.com/auth",
              f"00000003-0000-0ff1-ce00-000000000000/localhost@{tenant}", f"00000003-0000-0ff1-ce00-000000000000/{parsed.hostname}@{tenant}", f"{client_id}@{tenant}", "", " ", "A" * 5000, "%", "%zz",
              "\u202e\u0000", "é", "0", "-1", "99999999999999999999", "S256", "plain", "code", "token", "none", "null", "[]", "{}",
              "'; DROP TABLE clients; --", "../../etc/passwd", "<script>alert(1)</script>", "\r\nX-Injected: 1"]
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
    # Requests that succeed as they are, for mutation: a success after any change must still
    # have come from a well-formed, authenticated request.
    site = f"00000003-0000-0ff1-ce00-000000000000/{parsed.hostname}@{tenant}"
    templates = {
        "/oauth2/token": [("grant_type", "client_credentials"), ("tenant", tenant)],
        "/oauth2/introspect": [("token", token)],
        f"/{tenant}/tokens/OAuth/2": [("grant_type", "client_credentials"), ("client_id", f"{client_id}@{tenant}"), ("client_secret", secret), ("resource", site)],
    }
    statuses = {}
    failures = []
    started = time.time()
    for case in range(cases):
        method, path = rng.choice(endpoints)
        if rng.random() < 0.1:
            method = rng.choice(methods)
        pairs = [(rng.choice(names), rng.choice(values)) for _ in range(rng.randint(0, 6))]
        if path in templates and rng.random() < 0.4:
            pairs = list(templates[path]) + pairs[: rng.randint(0, 2)]
            if rng.random() < 0.5:
                pairs.pop(rng.randrange(len(pairs)))
        if rng.random() < 0.3 and pairs:
            pairs.append(pairs[0])  # a repeated parameter
        body = urllib.parse.urlencode(pairs).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        shape = rng.random()
        if shape < 0.08:
            body = os.urandom(rng.randint(1, 300))  # not form encoding at all
        elif shape < 0.12:
            body = b"a=" + b"x" * rng.choice([16 * 1024, 64 * 1024, 1024 * 1024])  # oversized
        elif shape < 0.17:
            body = body + b"&%" + bytes([rng.randint(0, 255)]) + b"=%C3%28"  # bad escapes, invalid UTF-8
        elif shape < 0.2:
            body = json.dumps(dict(pairs)).encode()
            headers["Content-Type"] = rng.choice(["application/json", "text/plain", "multipart/form-data"])
        auth = rng.random()
        if auth < 0.35:
            headers["Authorization"] = basic
        elif auth < 0.45:
            headers["Authorization"] = "Bearer " + token
        elif auth < 0.55:
            headers["Authorization"] = rng.choice([
                "Basic", "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Basic " + base64.b64encode(os.urandom(40)).decode(),
                "Bearer", "Bearer " + "a" * 9000, "Digest x", "basic " + basic[6:], "Basic " + base64.b64encode(f"{client_id}:".encode()).decode(),
            ])
        if rng.random() < 0.05:
            headers["Content-Type"] = rng.choice(["", "application/x-www-form-urlencoded; charset=latin1", "APPLICATION/X-WWW-FORM-URLENCODED", "x" * 500])
        if rng.random() < 0.05:
            headers["X-Forwarded-For"] = "1.2.3.4, " * 200
        query = ""
        if method in ("GET", "HEAD", "DELETE") or rng.random() < 0.2:
            query = "?" + (urllib.parse.urlencode(pairs) if rng.random() < 0.8 else "a=%zz&b=%00&c=" + "%C3%28" * 10)
            if method in ("GET", "HEAD"):
                body = b""
        # What would make a success wrong: a body that is not a form, or no client credentials.
        content_type = headers.get("Content-Type", "").lower()
        malformed = shape < 0.2 or not content_type.startswith("application/x-www-form-urlencoded")
        # RFC 9110 §11.1: the scheme's name is case-insensitive ("basic …" authenticates too).
        given = headers.get("Authorization", "").split(" ", 1)
        authenticated = (len(given) == 2 and given[0].lower() == "basic" and given[1] == basic[6:]) or (
            ("client_secret", secret) in pairs and any(name == "client_id" and value.startswith(client_id) for name, value in pairs))
        try:
            status, response_headers, payload = request(parsed, method, path + query, body, headers)
        except (ConnectionError, http.client.HTTPException, OSError) as error:
            failures.append(f"{method} {path}: connection failed: {error!r}")
            continue
        statuses[status] = statuses.get(status, 0) + 1
        problem = check(method, path, status, response_headers, payload) or check_success(path, status, payload, malformed, authenticated)
        if problem:
            failures.append(f"{method} {path}{query[:80]} body={body[:80]!r} headers={ {k: v[:40] for k, v in headers.items()} }: {problem}")
    elapsed = time.time() - started
    print(json.dumps({"cases": cases, "seconds": round(elapsed, 1), "statuses": dict(sorted(statuses.items())), "failures": len(failures)}))
    for failure in failures[:20]:
        print("FAIL", failure)
    sys.exit(1 if failures else 0)


def check(method, path, status, headers, payload):
    if status >= 500:
        return f"status {status}: {payload[:200]!r}"
    if headers.get("x-content-type-options") != "nosniff":
        return "no X-Content-Type-Options: nosniff"
    if method == "HEAD" or path.startswith("/oauth2/authorize"):
        return None  # a page, or no body
    if status >= 400:
        try:
            body = json.loads(payload)
        except ValueError:
            return f"status {status} without a JSON body: {payload[:120]!r}"
        code = body.get("error")
        if code not in CODES or not isinstance(body.get("error_description"), str):
            return f"status {status} with error {code!r}: {payload[:200]!r}"
        if code in STATUS_OF and status not in STATUS_OF[code]:
            return f"{code} answered with {status}"
        if status == 405 and not headers.get("allow"):
            return "405 without Allow"
        if status == 401 and not headers.get("www-authenticate"):
            return "401 without WWW-Authenticate"
    return None


def check_success(path, status, payload, malformed, authenticated):
    """A 2xx that grants something must answer a well-formed, authenticated request."""
    if not 200 <= status < 300 or path.startswith("/oauth2/authorize"):
        return None
    try:
        body = json.loads(payload) if payload else {}
    except ValueError:
        return None
    granted = isinstance(body, dict) and (
        "access_token" in body or "refresh_token" in body or body.get("active") is True or bool(body.get("revocations"))
    )
    if granted and (malformed or not authenticated):
        why = "a malformed" if malformed else "an unauthenticated"
        return f"{status} granting {sorted(body)[:4]} to {why} request"
    return None


def request(parsed, method, target, body, headers):
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value.encode("latin-1", "replace"))
        if body or method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body if body else None)
        response = connection.getresponse()
        payload = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
    finally:
        connection.close()


if __name__ == "__main__":
    main()
