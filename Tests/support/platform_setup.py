"""Sets up the platform side over Latchkey's management API, as an operator and a seller would."""
import uuid

import requests


class Platform:
    def __init__(self, base, operator_token):
        self.base = base
        self.operator = operator_token

    def call(self, method, path, token, json=None, expect=(200, 201, 204)):
        reply = requests.request(method, f"{self.base}/api/v1{path}", json=json, headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code in expect, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else None

    def seller(self):
        email = f"seller-{uuid.uuid4().hex[:8]}@contoso.example"
        requests.post(f"{self.base}/api/v1/sellers", json={"email": email, "password": "a long password", "displayName": "Contoso"}).raise_for_status()
        reply = requests.post(f"{self.base}/api/v1/tokens", json={"email": email, "password": "a long password"})
        reply.raise_for_status()
        return reply.json()["token"]

    def client(self, seller, domain="app.contoso.com", availability="worldwide", resource_server=False):
        """A Client ID of `seller`; with `resource_server`, the operator's own, for one of the
        platform's APIs (it may introspect any client's tokens)."""
        created = self.call("POST", "/clients", self.operator if resource_server else seller, {
            "friendlyName": "trip calendar", "appDomain": domain, "redirectUrl": f"https://{domain}/auth", "availability": availability,
            "resourceServer": resource_server,
        })
        return created["clientId"], created["secret"]["value"]

    def approved_app(self, seller, client_id, permissions=(), app_only=(), markets=("US", "FR")):
        for name, description, admin, app_only_flag in (
            ("Calendars.Read", "Read your calendars", False, False),
            ("Calendars.ReadWrite", "Read and change your calendars", True, False),
            ("Calendars.Read.All", "Read every calendar in the organization", True, True),
        ):
            self.call("PUT", f"/permissions/{name}", self.operator, {"description": description, "adminConsentRequired": admin, "appOnly": app_only_flag})
        app = self.call("POST", "/apps", seller, {
            "name": "Trip Calendar", "description": "Your trips on your calendar.", "markets": list(markets),
            "requiresServerToServerAuth": True, "clientId": client_id, "permissions": list(permissions), "appOnlyPermissions": list(app_only),
        })
        submitted = self.call("POST", f"/apps/{app['id']}/submit", seller)
        self.call("POST", f"/apps/{app['id']}/approve", self.operator, {"revision": submitted["revision"]})
        return app["id"]

    def approve_again(self, app_id):
        """Approves the app's current revision (after a material change sent it back to review)."""
        app = self.call("GET", f"/apps/{app_id}", self.operator)
        self.call("POST", f"/apps/{app_id}/approve", self.operator, {"revision": app["revision"]})

    def tenant(self, region="worldwide"):
        return self.call("POST", "/tenants", self.operator, {"displayName": "Fabrikam", "region": region})["id"]

    def user(self, tenant, admin=False, password="a long user password"):
        email = f"{'admin' if admin else 'user'}-{uuid.uuid4().hex[:8]}@fabrikam.example"
        self.call("POST", f"/tenants/{tenant}/users", self.operator, {"email": email, "displayName": "Ada Admin" if admin else "Uma User", "password": password, "isAdmin": admin})
        return email, password

    def install(self, tenant, app_id):
        self.call("POST", f"/tenants/{tenant}/installations", self.operator, {"appId": app_id})
