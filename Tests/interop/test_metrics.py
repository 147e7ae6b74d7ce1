"""`/metrics` as Prometheus reads it: prometheus_client's own text-format parser takes the whole
page, and the figures move with what the server did."""
import base64
import os
import sys

import requests
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402

BASE = os.environ["LATCHKEY_URL"]
REALM = os.environ["CALENDAR_REALM"]
PLATFORM = Platform(BASE, os.environ["OPERATOR_TOKEN"])


def scrape():
    reply = requests.get(f"{BASE}/metrics")
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_parse_and_count_tokens_requests_and_caches():
    seller = PLATFORM.seller()
    client_id, secret = PLATFORM.client(seller)
    app_id = PLATFORM.approved_app(seller, client_id, app_only=["Calendars.Read.All"])
    PLATFORM.install(REALM, app_id)
    PLATFORM.call("POST", f"/tenants/{REALM}/installations/{app_id}/app-only-consent", PLATFORM.operator)
    before = scrape()

    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    for _ in range(3):
        issued = requests.post(f"{BASE}/oauth2/token", data={"grant_type": "client_credentials", "tenant": REALM}, headers={"Authorization": f"Basic {basic}"})
        assert issued.status_code == 200
    wrong = base64.b64encode(f"{client_id}:not-the-secret".encode()).decode()
    refused = requests.post(f"{BASE}/oauth2/token", data={"grant_type": "client_credentials", "tenant": REALM}, headers={"Authorization": f"Basic {wrong}"})
    assert refused.status_code == 401
    after = scrape()

    tokens = "latchkey_tokens_total"
    assert value(after, tokens, endpoint="oauth2", grant_type="client_credentials", outcome="issued") - \
        value(before, tokens, endpoint="oauth2", grant_type="client_credentials", outcome="issued") == 3
    assert value(after, tokens, endpoint="oauth2", grant_type="client_credentials", outcome="invalid_client") - \
        value(before, tokens, endpoint="oauth2", grant_type="client_credentials", outcome="invalid_client") == 1
    requests_total = "latchkey_http_requests_total"
    assert value(after, requests_total, route="/oauth2/token", method="POST", status="200") - \
        value(before, requests_total, route="/oauth2/token", method="POST", status="200") == 3
    # The latency histogram of the route: cumulative buckets ending in +Inf, a count and a sum.
    count = value(after, "latchkey_http_request_duration_seconds_count", route="/oauth2/token", method="POST")
    assert count >= 4 and value(after, "latchkey_http_request_duration_seconds_bucket", route="/oauth2/token", method="POST", le="+Inf") == count
    # The client was read once and then answered from memory.
    assert value(after, "latchkey_cache_hits_total", cache="clients") - value(before, "latchkey_cache_hits_total", cache="clients") >= 3
    assert value(after, "latchkey_database_connections_max") >= 1
    assert value(after, "latchkey_change_notices_following") == 1
