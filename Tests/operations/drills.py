"""The operator's handbook as drills (docs/operations.md): each does what the handbook says, with
the commands it gives, and checks what an operator would.

    drills.py backup   LATCHKEY        backup under load, wipe, restore (SQLite)
    drills.py rotate   LATCHKEY [PGURL] master-key rotation offline, on SQLite or PostgreSQL
    drills.py nginx    LATCHKEY        TLS termination by nginx with deploy/nginx/latchkey.conf
    drills.py metrics  LATCHKEY        every metric deploy/prometheus/alerts.yml names is served

LATCHKEY is the binary to drill (CI: the one unpacked from the release tarball).
"""
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from html_forms import browse, hidden_fields  # noqa: E402
from platform_setup import Platform  # noqa: E402

USER_PASSWORD = "a long user password"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"  ok: {message}")


class Latchkey:
    """One `latchkey serve` and the CLI beside it, on one environment."""

    def __init__(self, binary, work, **settings):
        self.binary = binary
        self.port = free_port()
        self.data = os.path.join(work, "data")
        self.env = dict(os.environ, LATCHKEY_DATA_DIR=self.data, LATCHKEY_PORT=str(self.port), LATCHKEY_BCRYPT_COST="4",
                        LATCHKEY_LOG_LEVEL="warning", LATCHKEY_RATE_TOKENS_PER_CLIENT="0", LATCHKEY_RATE_TOKENS_PER_IP="0",
                        LATCHKEY_RATE_CHECKS_PER_CLIENT="0", LATCHKEY_RATE_CHECKS_PER_IP="0", LATCHKEY_RATE_SIGNINS_PER_IP="0",
                        LATCHKEY_RATE_SIGNINS_PER_ACCOUNT="0")
        self.env.update(settings)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(work, f"server-{self.port}.log"), "ab")
        self.process = None

    def cli(self, *args, stdin=None, expect=0):
        run = subprocess.run([self.binary, *args], env=self.env, input=stdin, capture_output=True, text=True)
        if expect is not None and run.returncode != expect:
            raise SystemExit(f"FAILED: latchkey {' '.join(args)} exited {run.returncode}: {run.stderr}{run.stdout}")
        return run

    def start(self):
        self.process = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        for _ in range(300):
            try:
                if requests.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"FAILED: latchkey serve exited {self.process.returncode}; see {self.log.name}")
            time.sleep(0.1)
        raise SystemExit("FAILED: latchkey serve never answered")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def operator(self):
        out = self.cli("operators", "create", "--email", f"ops-{secrets.token_hex(3)}@platform.example", "--display-name", "Operations",
                       "--password-stdin", stdin="an operator password\n").stdout
        return out.split("API token (shown once): ")[1].strip()


def authenticates(base, client_id, secret):
    """Whether the secret authenticates its client (introspection answers any authenticated
    client, `active: false` for a token not its own)."""
    reply = requests.post(f"{base}/oauth2/introspect", auth=(client_id, secret), data={"token": "none"})
    return reply.status_code == 200


class Story:
    """An app the way the handbook's checks need it: approved, installed in a tenant, app-only
    consent given, a user who consented and holds tokens, a launch's context token."""

    def __init__(self, base, operator):
        self.base = base
        self.platform = Platform(base, operator)
        self.seller = self.platform.seller()
        self.client_id, self.secret = self.platform.client(self.seller)
        self.app = self.platform.approved_app(self.seller, self.client_id, permissions=["Calendars.Read"], app_only=["Calendars.Read.All"])
        self.tenant = self.platform.tenant()
        self.email, _ = self.platform.user(self.tenant, password=USER_PASSWORD)
        self.platform.install(self.tenant, self.app)
        self.platform.call("POST", f"/tenants/{self.tenant}/installations/{self.app}/app-only-consent", operator)
        self.user_token = self.code_flow()

    def code_flow(self):
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = urllib.parse.urlencode({"response_type": "code", "client_id": self.client_id, "redirect_uri": "https://app.contoso.com/auth",
                                        "scope": "openid offline_access Calendars.Read", "state": "s", "code_challenge": challenge,
                                        "code_challenge_method": "S256"})
        reply = browse(requests.Session(), self.base, self.email, USER_PASSWORD, f"{self.base}/oauth2/authorize?{query}")
        code = urllib.parse.parse_qs(urllib.parse.urlparse(reply.headers["Location"]).query)["code"][0]
        tokens = requests.post(f"{self.base}/oauth2/token", auth=(self.client_id, self.secret), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": "https://app.contoso.com/auth", "code_verifier": verifier})
        tokens.raise_for_status()
        return tokens.json()["access_token"]

    def app_only_token(self, secret=None):
        return requests.post(f"{self.base}/oauth2/token", auth=(self.client_id, secret or self.secret),
                             data={"grant_type": "client_credentials", "tenant": self.tenant})

    def context_token(self):
        browser = requests.Session()
        browse(browser, self.base, self.email, USER_PASSWORD, f"{self.base}/signin?return=/account")
        page = browser.get(f"{self.base}/apps/{self.app}/launch")
        if f'action="/apps/{self.app}/launch"' in page.text:
            page = browser.post(f"{self.base}/apps/{self.app}/launch", data=hidden_fields(page.text, f"/apps/{self.app}/launch") + [("decision", "allow")])
        form = re.search(r'<form method="post" action="([^"]+)" id="launch"', page.text)
        assert form, page.text[:400]
        return dict(hidden_fields(page.text, form.group(1)))["SPAppToken"]

    def userinfo(self, token):
        return requests.get(f"{self.base}/oauth2/userinfo", headers={"Authorization": f"Bearer {token}"}).status_code


def signed_with(token, secret):
    """Whether an HS256 token's signature is the HMAC under the (base64) secret."""
    head, body, signature = token.split(".")
    expected = hmac.new(base64.b64decode(secret), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.urlsafe_b64encode(expected).rstrip(b"=").decode(), signature)


# MARK: Backup under load, wipe, restore


def backup(binary):
    work = tempfile.mkdtemp(prefix="latchkey-drill-backup-")
    server = Latchkey(binary, work)
    operator = server.operator()
    server.start()
    vault = os.path.join(work, "vault")
    os.makedirs(vault)
    # Custody: the master key is copied apart once, as the handbook says.
    shutil.copy2(os.path.join(server.data, "master.key"), vault)
    story = Story(server.base, operator)
    signing_before = story.context_token()
    old_token = story.user_token

    acknowledged, stop = [], threading.Event()
    lock = threading.Lock()
    backup_started = [None]
    counts = {"tokens": 0, "after": 0}

    def write_load():
        # New Client IDs and secrets, each acknowledged when its answer arrives.
        while not stop.is_set():
            client_id, secret = story.platform.client(story.seller)
            added = story.platform.call("POST", f"/clients/{client_id}/secrets", story.seller, {})
            now = time.monotonic()
            with lock:
                if backup_started[0] is None or now < backup_started[0]:
                    acknowledged.extend([(client_id, secret), (client_id, added["value"])])
                else:
                    counts["after"] += 2

    def token_load():
        while not stop.is_set():
            story.app_only_token().raise_for_status()
            counts["tokens"] += 1

    threads = [threading.Thread(target=write_load) for _ in range(2)] + [threading.Thread(target=token_load) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    file = os.path.join(work, "latchkey-backup.sqlite")
    with lock:
        backup_started[0] = time.monotonic()
    out = server.cli("backup", "--to", file).stdout
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()
    print(f"  backup: {out.strip().splitlines()[0]}; under load of {counts['tokens']} tokens, {len(acknowledged)} secrets acknowledged before it, {counts['after']} after")
    check("master key is not in it" in out, "backup says the master key is not in it")
    server.stop()

    # Disaster: the data directory is gone. The key comes back from custody, then the backup.
    shutil.rmtree(server.data)
    os.makedirs(server.data, mode=0o700)
    other = os.path.join(work, "other.key")
    with open(other, "w") as key:
        key.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    os.chmod(other, 0o600)
    shutil.copy2(other, os.path.join(server.data, "master.key"))
    refused = server.cli("restore", "--from", file, expect=1)
    check("sealed under another master key" in refused.stderr and not os.path.exists(os.path.join(server.data, "latchkey.sqlite")),
          "restore under the wrong master key is refused and changes nothing")
    shutil.copy2(os.path.join(vault, "master.key"), os.path.join(server.data, "master.key"))
    out = server.cli("restore", "--from", file).stdout
    check("restored" in out, f"restore: {out.strip()}")
    server.start()
    failed = [client for client, secret in acknowledged if not authenticates(server.base, client, secret)]
    check(not failed and len(acknowledged) > 0, f"all {len(acknowledged)} secrets acknowledged before the backup authenticate ({len(failed)} do not)")
    check(authenticates(server.base, story.client_id, story.secret), "the app's secret authenticates")
    check(story.app_only_token().status_code == 200, "the app still gets app-only tokens")
    check(signed_with(signing_before, story.secret) and signed_with(story.context_token(), story.secret),
          "the signing secret still signs launches")
    check(story.userinfo(old_token) == 200, "the JWK Set still verifies tokens issued before the backup")
    server.stop()
    shutil.rmtree(work)


# MARK: Master-key rotation


def rotate(binary, postgres=None):
    work = tempfile.mkdtemp(prefix="latchkey-drill-rotate-")
    settings = {}
    if postgres:
        old_key = base64.b64encode(os.urandom(32)).decode()
        settings = {"LATCHKEY_DATABASE_URL": postgres, "LATCHKEY_MASTER_KEY": old_key}
    server = Latchkey(binary, work, **settings)
    operator = server.operator()
    server.start()
    story = Story(server.base, operator)
    old_token = story.user_token
    kids = {key["kid"] for key in requests.get(f"{server.base}/.well-known/jwks.json").json()["keys"]}
    if not postgres:
        busy = server.cli("master-key", "rotate", expect=1)
        check("stop it first" in busy.stderr, "rotation refuses to run beside a server on the same data directory")
        old_key = open(os.path.join(server.data, "master.key")).read()
    server.stop()

    if postgres:
        key_file = os.path.join(work, "new.key")
        new_key = base64.b64encode(os.urandom(32)).decode()
        with open(key_file, "w") as out:
            out.write(new_key + "\n")
        rotated = server.cli("master-key", "rotate", "--new-key-file", key_file).stdout
        server.env["LATCHKEY_MASTER_KEY"] = new_key
    else:
        rotated = server.cli("master-key", "rotate").stdout
        check(open(os.path.join(server.data, "master.key")).read() != old_key, "master.key holds a new key")
    print(f"  {rotated.strip().splitlines()[0]}")
    server.start()
    check(authenticates(server.base, story.client_id, story.secret), "the client secret authenticates")
    check(story.app_only_token().status_code == 200, "app-only tokens are issued")
    check(signed_with(story.context_token(), story.secret), "the signing secret signs launches")
    check(story.userinfo(old_token) == 200, "tokens signed before the rotation verify")
    check(kids == {key["kid"] for key in requests.get(f"{server.base}/.well-known/jwks.json").json()["keys"]}, "the JWK Set is unchanged")
    server.stop()

    # The old key opens nothing now: start-up refuses it in words.
    if postgres:
        server.env["LATCHKEY_MASTER_KEY"] = old_key
    else:
        key_path = os.path.join(server.data, "master.key")
        new_key = open(key_path).read()
        with open(key_path, "w") as out:
            out.write(old_key)
    refused = server.cli("migrate", expect=78)
    check("does not match this database" in refused.stderr, "the old key is refused at start-up")
    shutil.rmtree(work)


# MARK: nginx in front


def nginx(binary):
    work = tempfile.mkdtemp(prefix="latchkey-drill-nginx-")
    https_port, http_port = free_port(), free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", f"{work}/key.pem", "-out", f"{work}/cert.pem"],
                   check=True, capture_output=True)
    server = Latchkey(binary, work, LATCHKEY_PUBLIC_URL=f"https://localhost:{https_port}", LATCHKEY_TRUSTED_PROXIES="127.0.0.1",
                      LATCHKEY_RATE_TOKENS_PER_IP="5", LATCHKEY_LOG_LEVEL="info", LATCHKEY_LOG_FORMAT="json")
    operator = server.operator()
    server.start()

    # deploy/nginx/latchkey.conf as an operator adapts it: the name, the certificate, the ports.
    conf = open(os.path.join(ROOT, "deploy", "nginx", "latchkey.conf")).read()
    conf = (conf.replace("login.example.com", "localhost").replace("/etc/letsencrypt/live/localhost/fullchain.pem", f"{work}/cert.pem")
            .replace("/etc/letsencrypt/live/localhost/privkey.pem", f"{work}/key.pem").replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
            .replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl").replace("listen 80;", f"listen 127.0.0.1:{http_port};"))
    conf = "\n".join(line for line in conf.splitlines() if "listen [::]" not in line)
    with open(f"{work}/latchkey.conf", "w") as out:
        out.write(conf)
    with open(f"{work}/nginx.conf", "w") as out:
        out.write(f"""user root; worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx-error.log;
events {{}}
http {{ access_log {work}/nginx-access.log; client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;
       fastcgi_temp_path {work}/fastcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
       include {work}/latchkey.conf; }}
""")
    proxy = subprocess.Popen(["nginx", "-c", f"{work}/nginx.conf", "-p", work], stderr=subprocess.PIPE)
    base = f"https://localhost:{https_port}"
    # The set-up goes through nginx too, trusting the throwaway certificate.
    os.environ["REQUESTS_CA_BUNDLE"] = f"{work}/cert.pem"

    def curl(*args, source="127.0.0.2"):
        run = subprocess.run(["curl", "-sS", "--cacert", f"{work}/cert.pem", "--interface", source, "-D", f"{work}/headers", *args],
                             capture_output=True, text=True)
        return run.stdout, open(f"{work}/headers").read()

    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz").status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        discovery, headers = curl(f"{base}/.well-known/openid-configuration")
        check(json.loads(discovery)["issuer"] == base, f"discovery through nginx names the issuer {base}")
        check("strict-transport-security: max-age=" in headers.lower(), "HSTS is sent")
        redirect = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", f"http://localhost:{http_port}/healthz"],
                                  capture_output=True, text=True).stdout
        check(redirect.startswith("308 https://localhost/"), f"plain http is sent to https ({redirect})")

        platform = Platform(base, operator)
        story = Story.__new__(Story)
        story.base, story.platform = base, platform
        story.seller = platform.seller()
        story.client_id, story.secret = platform.client(story.seller)
        story.app = platform.approved_app(story.seller, story.client_id, app_only=["Calendars.Read.All"])
        story.tenant = platform.tenant()
        platform.install(story.tenant, story.app)
        platform.call("POST", f"/tenants/{story.tenant}/installations/{story.app}/app-only-consent", operator)

        form = ["-u", f"{story.client_id}:{story.secret}", "-d", "grant_type=client_credentials", "-d", f"tenant={story.tenant}", f"{base}/oauth2/token"]
        answers = [json.loads(curl(*form)[0]) for _ in range(5)]
        check(all("access_token" in answer for answer in answers), "tokens flow through nginx")
        issuer = json.loads(base64.urlsafe_b64decode(answers[0]["access_token"].split(".")[1] + "==="))["iss"]
        check(issuer == base, "tokens name the https issuer")
        limited, headers = curl(*form)
        check(json.loads(limited).get("error") == "slow_down" or "429" in headers.splitlines()[0], f"the sixth request a minute from 127.0.0.2 is limited ({headers.splitlines()[0]})")
        other, headers = curl(*form, source="127.0.0.3")
        check("access_token" in json.loads(other), "another client address is not: the limit counts the client's address, not nginx's")

        created, _ = curl("-X", "POST", "-H", f"Authorization: Bearer {story.seller}", "-H", "Content-Type: application/json",
                          "-d", '{"friendlyName":"audited","appDomain":"app.contoso.com","redirectUrl":"https://app.contoso.com/auth"}', f"{base}/api/v1/clients")
        client = json.loads(created)["clientId"]
        entries = platform.call("GET", "/audit", story.seller)["entries"]
        check(any(entry["objectId"] == client and entry.get("sourceIp") == "127.0.0.2" for entry in entries), "the audit log names the client's address")
        _, headers = curl("-H", "X-Request-Id: drill-0001", f"{base}/healthz")
        check("x-request-id: drill-0001" in headers.lower(), "the request id passes through")
    finally:
        proxy.terminate()
        proxy.wait()
        server.stop()
    log = open(server.log.name).read()
    check('"client":"127.0.0.2"' in log and '"hb.request.id":"drill-0001"' in log, "Latchkey's access log has the client's address and the request id")
    shutil.rmtree(work)


# MARK: The alert rules' metrics


def metrics(binary):
    work = tempfile.mkdtemp(prefix="latchkey-drill-metrics-")
    server = Latchkey(binary, work)
    operator = server.operator()
    server.start()
    try:
        story = Story(server.base, operator)
        story.app_only_token()
        served = requests.get(f"{server.base}/metrics").text
    finally:
        server.stop()
    rules = open(os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")).read()
    named = set(re.findall(r"\b(latchkey_[a-z_]+)", rules))
    missing = [name for name in sorted(named) if not re.search(rf"^{name}(\{{| )", served, flags=re.M)]
    check(not missing, f"every metric the alert rules name is served ({', '.join(sorted(named))}); missing: {missing}")
    shutil.rmtree(work)


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    print(f"== drill: {command}")
    {"backup": backup, "rotate": rotate, "nginx": nginx, "metrics": metrics}[command](*arguments)
