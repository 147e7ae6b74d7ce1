"""Measures how long a change made on node A takes to be in force on node B: a secret added on A
until it authenticates on B, a secret deleted on A until B refuses it. Times run from A's answer
(the write committed just before it) to B's first matching answer, polling B back to back on
one kept-alive connection. Prints the distribution. Not a pass/fail test."""
import base64
import http.client
import os
import statistics
import sys
import time
from urllib.parse import urlparse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "support"))
from platform_setup import Platform  # noqa: E402

node_a, node_b, operator, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
platform = Platform(node_a, operator)
seller = platform.seller()
client_id, first = platform.client(seller)
app_id = platform.approved_app(seller, client_id, app_only=["Calendars.Read.All"])
tenant = platform.tenant()
platform.install(tenant, app_id)
platform.call("POST", f"/tenants/{tenant}/installations/{app_id}/app-only-consent", operator)

b = urlparse(node_b)
connection = http.client.HTTPConnection(b.hostname, b.port)


def status_on_b(secret):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    connection.request("POST", "/oauth2/token", body=f"grant_type=client_credentials&tenant={tenant}",
                       headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    reply = connection.getresponse()
    reply.read()
    return reply.status


def until_b(secret, status, limit=10.0):
    start = time.perf_counter()
    polls = 0
    while time.perf_counter() - start < limit:
        polls += 1
        if status_on_b(secret) == status:
            return time.perf_counter() - start, polls
    raise SystemExit(f"node B did not answer {status} within {limit} s")


assert status_on_b(first) == 200
secrets = [(platform.call("GET", f"/clients/{client_id}", seller)["secrets"][0]["id"], first)]
added, deleted, first_polls = [], [], []
for _ in range(rounds):
    reply = platform.call("POST", f"/clients/{client_id}/secrets", seller, {})
    secrets.append((reply["id"], reply["value"]))
    elapsed, polls = until_b(reply["value"], 200)
    added.append(elapsed)
    first_polls.append(polls)
    old_id, old_value = secrets.pop(0)
    platform.call("DELETE", f"/clients/{client_id}/secrets/{old_id}", seller)
    elapsed, polls = until_b(old_value, 401)
    deleted.append(elapsed)
    first_polls.append(polls)


def describe(name, samples):
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    print(f"{name:<28} n={len(ordered)}  p50 {p(0.50):6.2f} ms  p90 {p(0.90):6.2f} ms  p99 {p(0.99):6.2f} ms  max {ordered[-1] * 1000:6.2f} ms")


describe("secret added on A -> B", added)
describe("secret deleted on A -> B", deleted)
print(f"B answered at once (first poll) in {sum(1 for n in first_polls if n == 1)} of {len(first_polls)} changes; "
      f"mean poll {statistics.mean(p for p in first_polls):.1f}")
