"""A real delivery checked as docs/apps.md tells a receiver to, with Python's own hmac: the
signature is hex(HMAC-SHA256(base64-decoded signing secret, "{t}.{body}")), t in seconds."""
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402

BASE = os.environ["LATCHKEY_URL"]
PLATFORM = Platform(BASE, os.environ["OPERATOR_TOKEN"])


class Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_delivery_verifies_with_pythons_hmac():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        seller = PLATFORM.seller()
        client_id, secret = PLATFORM.client(seller)
        app_id = PLATFORM.approved_app(seller, client_id, permissions=["Calendars.Read"])
        PLATFORM.call("PATCH", f"/apps/{app_id}", seller, {"eventsUrl": f"http://localhost:{server.server_address[1]}/events"})
        PLATFORM.approve_again(app_id)
        PLATFORM.install(PLATFORM.tenant(), app_id)
        for _ in range(100):
            if Receiver.received:
                break
            time.sleep(0.1)
        headers, body = Receiver.received[0]
        signature = {name.lower(): value for name, value in headers.items()}["latchkey-signature"]
        match = re.fullmatch(r"t=([0-9]+),v1=([0-9a-f]{64})", signature)
        assert match, signature
        timestamp = int(match.group(1))
        assert abs(timestamp - time.time()) < 60, "t is in seconds"
        expected = hmac.new(base64.b64decode(secret), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(match.group(2), expected)
        event = json.loads(body)
        assert event["type"] == "app.installed" and event["data"]["appId"] == app_id
    finally:
        server.shutdown()
