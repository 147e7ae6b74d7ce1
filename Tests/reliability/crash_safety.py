"""Crash safety: writes under load (Client IDs, secrets, installations and tenant consents, users,
authorization codes, refresh-token rotations)
while `latchkey serve` is killed with SIGKILL at random moments, then restarted. After each
restart: a clean start within its deadline; every acknowledged write is there (each shown secret
authenticates); no Client ID without a secret or with a signing secret that does not exist; no
secret stored that was not shown beyond the requests cut off by the kill; every acknowledged code
is redeemable once and refused the second time; every acknowledged refresh token (the newest of
its chain whose answer arrived) refreshes once.

    python crash_safety.py LATCHKEY_BINARY KILLS SEED [POSTGRES_URL]
"""
import base64
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from html_forms import hidden_fields  # noqa: E402
from platform_setup import Platform  # noqa: E402
from urllib.parse import parse_qs, urljoin, urlparse  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, environment):
        self.binary, self.environment, self.process = binary, environment, None

    def start(self, deadline=30):
        started = time.time()
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen([self.binary, "serve"], env=self.environment, stdout=self.log, stderr=subprocess.STDOUT)
        while time.time() - started < deadline:
            try:
                if requests.get(f"{self.base}/readyz", timeout=1).ok:
                    return time.time() - started
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.log.seek(0)
        raise SystemExit(f"no clean start: {self.log.read()[-2000:].decode(errors='replace')}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.environment['LATCHKEY_PORT']}"


def main():
    binary, kills, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    postgres = sys.argv[4] if len(sys.argv) > 4 else None
    rng = random.Random(seed)
    data = tempfile.mkdtemp(prefix="latchkey-crash-")
    os.chmod(data, 0o700)
    environment = dict(os.environ, LATCHKEY_DATA_DIR=data, LATCHKEY_PORT=str(free_port()), LATCHKEY_BCRYPT_COST="4", LATCHKEY_LOG_LEVEL="warning",
                       LATCHKEY_RATE_TOKENS_PER_CLIENT="0", LATCHKEY_RATE_TOKENS_PER_IP="0", LATCHKEY_RATE_SIGNINS_PER_ACCOUNT="0", LATCHKEY_RATE_SIGNINS_PER_IP="0",
                       LATCHKEY_RATE_CHECKS_PER_CLIENT="0", LATCHKEY_RATE_CHECKS_PER_IP="0")
    if postgres:
        environment.update(LATCHKEY_DATABASE_URL=postgres, LATCHKEY_MASTER_KEY=base64.b64encode(bytes(range(32))).decode())
    made = subprocess.run([binary, "operators", "create", "--email", f"crash-{seed}-{rng.randint(0, 10**9)}@platform.example", "--display-name", "Ops", "--password-stdin"],
                          input=b"operator password\n", env=environment, capture_output=True, check=True).stdout.decode()
    operator = [line.split(": ", 1)[1] for line in made.splitlines() if line.startswith("API token")][0]
    server = Server(binary, environment)
    starts = [server.start()]
    platform = Platform(server.base, operator)
    seller = platform.seller()
    tenant = platform.tenant()
    apps = []
    setup_clients = set()
    for _ in range(8 * (kills + 1)):
        client_id, _ = platform.client(seller)
        setup_clients.add(client_id)
        apps.append(platform.approved_app(seller, client_id, app_only=["Calendars.Read.All"]))
    # A delegated app installed in the tenant, and a user who signs in and consents: codes.
    code_client, code_secret = platform.client(seller)
    code_app = platform.approved_app(seller, code_client, permissions=["Calendars.Read"])
    platform.install(tenant, code_app)
    user_email, user_password = platform.user(tenant)
    acknowledged = {"clients": {}, "secrets": [], "installations": [], "users": [], "codes": [], "refresh": []}
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    def redeem(issued):
        return requests.post(f"{server.base}/oauth2/token", data={"grant_type": "authorization_code", "code": issued,
                             "redirect_uri": "https://app.contoso.com/auth", "code_verifier": verifier}, auth=(code_client, code_secret), timeout=10)

    def refresh(token):
        return requests.post(f"{server.base}/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": token},
                             auth=(code_client, code_secret), timeout=10)
    lock = threading.Lock()
    cut_off = {"secrets": 0}

    # PKCE as every client must (RFC 7636 Appendix B's pair: a fixed verifier serves every code here).
    authorize = (f"/oauth2/authorize?response_type=code&client_id={code_client}&redirect_uri=https%3A%2F%2Fapp.contoso.com%2Fauth"
                 "&scope=openid%20offline_access%20Calendars.Read&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256")

    def code(browser):
        """One authorization code: through sign-in and consent the first time, straight after."""
        reply = browser.get(server.base + authorize, allow_redirects=False, timeout=10)
        for _ in range(6):
            location = reply.headers.get("Location", "")
            if location.startswith("https://app.contoso.com/"):
                return parse_qs(urlparse(location).query).get("code", [None])[0]
            if reply.status_code in (302, 303):
                reply = browser.get(urljoin(server.base, location), allow_redirects=False, timeout=10)
            elif 'action="/signin"' in reply.text:
                reply = browser.post(f"{server.base}/signin", data=hidden_fields(reply.text, "/signin") + [("email", user_email), ("password", user_password)],
                                     allow_redirects=False, timeout=10)
            elif 'action="/oauth2/authorize"' in reply.text:
                reply = browser.post(f"{server.base}/oauth2/authorize", data=hidden_fields(reply.text, "/oauth2/authorize") + [("decision", "allow")],
                                     allow_redirects=False, timeout=10)
            else:
                return None
        return None

    def writer(stop, number):
        session = requests.Session()
        browser = requests.Session()
        while not stop.is_set():
            kind = rng.random()
            try:
                if kind < 0.12:
                    issued = code(browser)
                    if issued and rng.random() < 0.5:
                        with lock:
                            acknowledged["codes"].append(issued)
                    elif issued:
                        # Redeemed now: its refresh token joins the rotations.
                        reply = redeem(issued)
                        if reply.status_code == 200:
                            with lock:
                                acknowledged["refresh"].append(reply.json()["refresh_token"])
                elif kind < 0.2:
                    with lock:
                        if not acknowledged["refresh"]:
                            continue
                        token = acknowledged["refresh"].pop(rng.randrange(len(acknowledged["refresh"])))
                    # Taken out while under way: if the kill cuts the answer off, which of the two
                    # tokens holds is unknown, and neither is checked.
                    reply = refresh(token)
                    if reply.status_code == 200:
                        with lock:
                            acknowledged["refresh"].append(reply.json()["refresh_token"])
                    else:
                        with lock:
                            failed_refreshes.append(f"a refresh before the kill was refused: {reply.status_code} {reply.text[:120]}")
                elif kind < 0.45 or not acknowledged["clients"]:
                    reply = session.post(f"{server.base}/api/v1/clients", headers={"Authorization": f"Bearer {seller}"}, timeout=10, json={
                        "friendlyName": "crash", "appDomain": "app.contoso.com", "redirectUrl": "https://app.contoso.com/auth"})
                    if reply.status_code == 201:
                        body = reply.json()
                        with lock:
                            acknowledged["clients"][body["clientId"]] = {body["secret"]["id"]}
                            acknowledged["secrets"].append((body["clientId"], body["secret"]["value"]))
                elif kind < 0.75:
                    with lock:
                        client_id = rng.choice(list(acknowledged["clients"]))
                        cut_off["secrets"] += 1
                    reply = session.post(f"{server.base}/api/v1/clients/{client_id}/secrets", headers={"Authorization": f"Bearer {seller}"}, timeout=10, json={})
                    with lock:
                        cut_off["secrets"] -= 1
                        if reply.status_code == 201:
                            body = reply.json()
                            acknowledged["clients"][client_id].add(body["id"])
                            acknowledged["secrets"].append((client_id, body["value"]))
                elif kind < 0.9:
                    with lock:
                        if not apps:
                            continue
                        app = apps.pop()
                    headers = {"Authorization": f"Bearer {operator}"}
                    if session.post(f"{server.base}/api/v1/tenants/{tenant}/installations", headers=headers, json={"appId": app}, timeout=10).status_code == 201:
                        if session.post(f"{server.base}/api/v1/tenants/{tenant}/installations/{app}/app-only-consent", headers=headers, timeout=10).status_code == 200:
                            with lock:
                                acknowledged["installations"].append(app)
                else:
                    email = f"u-{number}-{rng.randint(0, 10**12)}@fabrikam.example"
                    reply = session.post(f"{server.base}/api/v1/tenants/{tenant}/users", headers={"Authorization": f"Bearer {operator}"}, timeout=10, json={
                        "email": email, "displayName": "Uma", "password": "a long user password"})
                    if reply.status_code == 201:
                        with lock:
                            acknowledged["users"].append(reply.json()["id"])
            except requests.RequestException:
                time.sleep(0.02)

    problems = []
    failed_refreshes = []
    redeemed = [0]
    rotated = [0]
    for kill in range(kills):
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(stop, n)) for n in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.3, 1.5))
        with lock:
            in_flight = cut_off["secrets"] + 4
        server.kill()
        stop.set()
        for thread in threads:
            thread.join()
        starts.append(server.start())
        problems += verify(server.base, seller, operator, tenant, acknowledged, in_flight, kill, setup_clients)
        # Every code acknowledged since the last check is redeemable, once (codes live a minute).
        with lock:
            codes, acknowledged["codes"] = acknowledged["codes"], []
        for issued in codes:
            reply = redeem(issued)
            if reply.status_code != 200:
                problems.append(f"kill {kill}: an acknowledged code was not redeemable: {reply.status_code} {reply.text[:120]}")
            again = redeem(issued)
            if again.status_code != 400 or again.json().get("error") != "invalid_grant":
                problems.append(f"kill {kill}: a redeemed code was accepted again: {again.status_code} {again.text[:120]}")
        redeemed[0] += len(codes)
        # Every acknowledged refresh token refreshes once; its successor stays in the pool.
        with lock:
            tokens, acknowledged["refresh"] = acknowledged["refresh"], []
        for token in tokens:
            reply = refresh(token)
            if reply.status_code != 200:
                problems.append(f"kill {kill}: an acknowledged refresh token did not refresh: {reply.status_code} {reply.text[:120]}")
            else:
                acknowledged["refresh"].append(reply.json()["refresh_token"])
        rotated[0] += len(tokens)
        problems += [f"kill {kill}: {failure}" for failure in failed_refreshes]
        failed_refreshes.clear()
    server.kill()
    counts = {key: len(value) for key, value in acknowledged.items()}
    counts["codes"] = redeemed[0]
    counts["refresh"] = rotated[0]
    print(json.dumps({"engine": "postgres" if postgres else "sqlite", "kills": kills, "acknowledged": counts,
                      "restart_seconds_max": round(max(starts), 2), "restart_seconds_mean": round(sum(starts) / len(starts), 2), "problems": len(problems)}))
    for problem in problems[:20]:
        print("PROBLEM", problem)
    sys.exit(1 if problems else 0)


def verify(base, seller, operator, tenant, acknowledged, in_flight, kill, setup_clients):
    problems = []
    headers = {"Authorization": f"Bearer {seller}"}
    listed = {client["clientId"]: client for client in requests.get(f"{base}/api/v1/clients", headers=headers).json()["clients"]}
    unshown = 0
    for client_id, client in listed.items():
        ids = {secret["id"] for secret in client["secrets"]}
        if not ids or client.get("signingSecretId") not in ids:
            problems.append(f"kill {kill}: Client ID {client_id} is half made: secrets {ids}, signing {client.get('signingSecretId')}")
        if client_id in acknowledged["clients"]:
            missing = acknowledged["clients"][client_id] - ids
            if missing:
                problems.append(f"kill {kill}: acknowledged secrets {missing} of {client_id} are gone")
            unshown += len(ids - acknowledged["clients"][client_id])
        elif client_id not in setup_clients:
            unshown += len(ids)
    for client_id in acknowledged["clients"]:
        if client_id not in listed:
            problems.append(f"kill {kill}: acknowledged Client ID {client_id} is gone")
    if unshown > in_flight:
        problems.append(f"kill {kill}: {unshown} secrets stored but never shown, more than the {in_flight} requests the kill cut off")
    for client_id, value in acknowledged["secrets"][-50:]:
        reply = requests.post(f"{base}/oauth2/introspect", data={"token": "x"}, auth=(client_id, value))
        if reply.status_code != 200:
            problems.append(f"kill {kill}: a shown secret of {client_id} does not authenticate ({reply.status_code})")
    installed = {i["appId"] for i in requests.get(f"{base}/api/v1/tenants/{tenant}/installations", headers={"Authorization": f"Bearer {operator}"}).json()["installations"]}
    consents = requests.get(f"{base}/api/v1/tenants/{tenant}/consents", headers={"Authorization": f"Bearer {operator}"}).text
    for app in acknowledged["installations"]:
        if app not in installed or app not in consents:
            problems.append(f"kill {kill}: acknowledged installation or consent of {app} is gone")
    users = {u["id"] for u in requests.get(f"{base}/api/v1/tenants/{tenant}/users", headers={"Authorization": f"Bearer {operator}"}).json()["users"]}
    for user in acknowledged["users"]:
        if user not in users:
            problems.append(f"kill {kill}: acknowledged user {user} is gone")
    return problems


if __name__ == "__main__":
    main()
