"""Sets up a fresh Glewlwyd (Tests/federation/glewlwyd.sh) over its admin API as a tenant's
OpenID provider for Latchkey: the user backend keeps email_verified and groups, scopes profile
and email exist, the OpenID Connect plugin signs RS256 ID tokens with name, email (on those
scopes), email_verified and groups, PKCE S256 only; a confidential client for Latchkey's
callback and a user. Prints what the tests need as shell variables.

    glewlwyd_setup.py BASE CALLBACK KEY_PEM PUBLIC_PEM EMAIL_DOMAIN
"""
import sys
import uuid

import requests

base, callback, key_path, public_path, domain = sys.argv[1:6]
api = f"{base}/api"
admin = requests.Session()


def call(method, path, json=None):
    reply = admin.request(method, f"{api}{path}", json=json)
    assert reply.status_code in (200, 201, 204), f"{method} {path}: {reply.status_code} {reply.text}"
    return reply.json() if reply.content else None


call("POST", "/auth/", {"username": "admin", "password": "password"})

# Properties the claims are taken from; the backend must be reset before users can have them.
backend = next(module for module in call("GET", "/mod/user/") if module["name"] == "database")
formats = backend["parameters"].setdefault("data-format", {})
formats["email_verified"] = {"multiple": False, "read": True, "write": True, "profile-read": False, "profile-write": False}
formats["groups"] = {"multiple": True, "read": True, "write": True, "profile-read": False, "profile-write": False}
call("PUT", "/mod/user/database", backend)
call("PUT", "/mod/user/database/reset")

for scope in ("profile", "email"):
    call("POST", "/scope/", {"name": scope, "display_name": scope, "description": f"OpenID Connect {scope}", "password_required": False, "scheme": {}})

with open(key_path) as key, open(public_path) as public:
    parameters = {
        "iss": f"{api}/oidc", "jwt-type": "rsa", "jwt-key-size": "256", "key": key.read(), "cert": public.read(),
        "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600, "refresh-token-rolling": False,
        "allow-non-oidc": False, "auth-type-code-enabled": True, "auth-type-refresh-enabled": True, "auth-type-token-enabled": False,
        "auth-type-id-token-enabled": False, "auth-type-none-enabled": False, "auth-type-password-enabled": False,
        "auth-type-client-enabled": False, "auth-type-device-enabled": False, "subject-type": "public", "scope": [],
        "allowed-scope": ["openid", "profile", "email"], "pkce-allowed": True, "pkce-method-plain-allowed": False,
        "name-claim": "on-demand", "name-claim-scope": ["profile"], "email-claim": "on-demand", "email-claim-scope": ["email"],
        "jwks-show": True, "claims": [
            {"name": "email_verified", "user-property": "email_verified", "type": "boolean", "boolean-value-true": "true",
             "boolean-value-false": "false", "mandatory": True, "on-demand": False, "scope": []},
            {"name": "groups", "user-property": "groups", "type": "string", "boolean-value-true": "", "boolean-value-false": "",
             "mandatory": True, "on-demand": False, "scope": []},
        ],
    }
call("POST", "/mod/plugin/", {"module": "oidc", "name": "oidc", "display_name": "OpenID Connect", "enabled": True, "parameters": parameters})

client_id, client_secret = "latchkey", "glewlwyd-secret-" + uuid.uuid4().hex
call("POST", "/client/", {
    "client_id": client_id, "name": "Latchkey", "description": "Latchkey signs the tenant's users in here", "confidential": True,
    "enabled": True, "client_secret": client_secret, "authorization_type": ["code", "refresh_token"],
    "token_endpoint_auth_method": ["client_secret_basic"], "redirect_uri": [callback], "scope": [],
})
username, password = "gail", "a long password for gail"
call("POST", "/user/", {
    "username": username, "name": "Gail Glewlwyd", "email": f"gail@{domain}", "password": password, "enabled": True,
    "scope": ["openid", "profile", "email", "g_profile"], "email_verified": "true", "groups": ["staff", "latchkey-admins"],
})
print(f"GLEWLWYD_ISSUER={api}/oidc")
print(f"GLEWLWYD_CLIENT_ID={client_id}")
print(f"GLEWLWYD_CLIENT_SECRET={client_secret}")
print(f"GLEWLWYD_USER={username}")
print(f"GLEWLWYD_PASSWORD='{password}'")
print(f"GLEWLWYD_EMAIL=gail@{domain}")
