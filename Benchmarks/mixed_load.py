"""Mixed load at fixed rates against a running Latchkey, for the soak and for the abuse
measurements: client-credentials tokens from several clients, introspection, management writes
(a Client ID created, given a second secret, deleted) and seller sign-ins, each at its own rate.
Prints one JSON line per interval: requests, errors, p50/p99 per kind, the server's RSS.

    python mixed_load.py BASE OPERATOR_TOKEN SERVER_PID SECONDS [INTERVAL=60]
      [--tokens 200] [--introspect 50] [--writes 5] [--signins 1] [--clients 5]
"""
import argparse
import asyncio
import base64
import json
import os
import sys
import time

import aiohttp
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "support"))
from platform_setup import Platform  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("operator")
    parser.add_argument("pid", type=int)
    parser.add_argument("seconds", type=float)
    parser.add_argument("interval", type=float, nargs="?", default=60)
    parser.add_argument("--tokens", type=float, default=200)
    parser.add_argument("--introspect", type=float, default=50)
    parser.add_argument("--writes", type=float, default=5)
    parser.add_argument("--signins", type=float, default=1)
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--source", default=None, help="local address to send from (e.g. 127.0.0.2): another client address than an attacker's")
    args = parser.parse_args()
    base = args.base
    platform = Platform(base, args.operator)
    accounts = []
    for _ in range(10):
        email = f"soak-{os.urandom(4).hex()}@contoso.example"
        requests.post(f"{base}/api/v1/sellers", json={"email": email, "password": "a long password", "displayName": "Contoso"}).raise_for_status()
        accounts.append(email)
    seller = requests.post(f"{base}/api/v1/tokens", json={"email": accounts[0], "password": "a long password", "expiresInDays": 2}).json()["token"]
    tenant = platform.tenant()
    clients = []
    for _ in range(args.clients):
        client_id, secret = platform.client(seller)
        app_id = platform.approved_app(seller, client_id, app_only=["Calendars.Read.All"])
        platform.install(tenant, app_id)
        platform.call("POST", f"/tenants/{tenant}/installations/{app_id}/app-only-consent", args.operator)
        clients.append("Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode())
    first = None
    if args.introspect > 0:
        first = requests.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials", "tenant": tenant}, headers={"Authorization": clients[0]}).json()["access_token"]

    samples = {}
    errors = {}
    stop = time.monotonic() + args.seconds

    async def record(kind, started, ok, detail=""):
        samples.setdefault(kind, []).append(time.monotonic() - started)
        if not ok:
            errors[kind] = errors.get(kind, 0) + 1
            if errors[kind] <= 3:
                print(json.dumps({"error": kind, "detail": detail[:200]}), flush=True)

    async def token(session, n):
        started = time.monotonic()
        async with session.post(f"{base}/oauth2/token", data=f"grant_type=client_credentials&tenant={tenant}",
                                headers={"Authorization": clients[n % len(clients)], "Content-Type": "application/x-www-form-urlencoded"}) as reply:
            body = await reply.text()
            await record("token", started, reply.status == 200, f"{reply.status} {body}")

    async def introspect(session, n):
        started = time.monotonic()
        async with session.post(f"{base}/oauth2/introspect", data=f"token={first}",
                                headers={"Authorization": clients[0], "Content-Type": "application/x-www-form-urlencoded"}) as reply:
            body = await reply.text()
            await record("introspect", started, reply.status == 200 and '"active":true' in body, f"{reply.status} {body}")

    async def write(session, n):
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {seller}"}
        async with session.post(f"{base}/api/v1/clients", json={"friendlyName": "soak", "appDomain": "app.contoso.com", "redirectUrl": "https://app.contoso.com/auth"}, headers=headers) as reply:
            created = await reply.json()
            ok = reply.status == 201
        if ok:
            async with session.post(f"{base}/api/v1/clients/{created['clientId']}/secrets", json={}, headers=headers) as reply:
                ok = reply.status == 201
            async with session.delete(f"{base}/api/v1/clients/{created['clientId']}", headers=headers) as reply:
                ok = ok and reply.status == 204
        await record("write", started, ok, str(created)[:200])

    async def signin(session, n):
        started = time.monotonic()
        async with session.post(f"{base}/api/v1/tokens", json={"email": accounts[n % len(accounts)], "password": "a long password", "expiresInDays": 1}) as reply:
            body = await reply.text()
            await record("signin", started, reply.status == 201, f"{reply.status} {body}")

    async def drive(kind, rate, action):
        if rate <= 0:
            return
        connector = aiohttp.TCPConnector(limit=32, local_addr=(args.source, 0) if args.source else None)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
            tasks = set()
            n = 0
            next_at = time.monotonic()
            while time.monotonic() < stop:
                next_at += 1 / rate
                delay = next_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(guarded(kind, action, session, n))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
            await asyncio.gather(*tasks)

    async def guarded(kind, action, session, n):
        started = time.monotonic()
        try:
            await action(session, n)
        except Exception as error:  # a connection error counts as an error of its kind
            await record(kind, started, False, repr(error))

    async def report():
        minute = 0
        baseline = rss_kib(args.pid)
        while time.monotonic() < stop:
            await asyncio.sleep(min(args.interval, max(0.1, stop - time.monotonic())))
            minute += 1
            line = {"interval": minute, "rss_mib": round(rss_kib(args.pid) / 1024, 1), "rss_start_mib": round(baseline / 1024, 1)}
            for kind, values in sorted(samples.items()):
                values.sort()
                line[kind] = {"n": len(values), "errors": errors.get(kind, 0), "p50_ms": round(values[len(values) // 2] * 1000, 2),
                              "p99_ms": round(values[min(len(values) - 1, int(len(values) * 0.99))] * 1000, 2)}
            samples.clear()
            errors.clear()
            print(json.dumps(line), flush=True)

    await asyncio.gather(
        drive("token", args.tokens, token), drive("introspect", args.introspect, introspect), drive("write", args.writes, write),
        drive("signin", args.signins, signin), report(),
    )


if __name__ == "__main__":
    asyncio.run(main())
