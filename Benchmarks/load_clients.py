"""Loads N service apps into a migrated Latchkey database as the registry would hold them: per
app a Client ID with two active secrets (2N secrets), the approved app, its installation in one
tenant and the tenant admin's app-only consent. Secrets are deterministic (client i's are
`bench{i:012d}a…` and `…b…`) so that the load generator can present them; only their SHA-256
digests are stored, as Latchkey stores them. The sealed copies (used only to sign launches) are
placeholders: these clients are never launched.

  python3 load_clients.py sqlite PATH N SELLER_ID TENANT_ID
  python3 load_clients.py csv DIR N SELLER_ID TENANT_ID     (CSV files for PostgreSQL's COPY)
"""
import csv
import hashlib
import os
import sqlite3
import sys
import time

mode, target, count, seller_id, tenant_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
now = time.time()
year = 365 * 86400


def client_id(i):
    return f"00000000-0000-4000-8000-{i:012x}"


def app_id(i):
    return f"00000000-0000-4000-9000-{i:012x}"


def secret(i, which):
    return f"bench{i:012d}{which}" + "x" * 26


def rows(i):
    cid, aid = client_id(i), app_id(i)
    secrets = []
    for which in ("a", "b"):
        value = secret(i, which)
        secrets.append((f"00000000-0000-4000-a{which == 'b':03d}-{i:012x}", cid, value[:3], hashlib.sha256(value.encode()).hexdigest(),
                        "placeholder", now, now, now + year, None))
    client = (cid, seller_id, f"bench client {i}", "app.contoso.com", "https://app.contoso.com/auth", "worldwide", 1, secrets[0][0], now, "ES256", 0)
    app = (aid, seller_id, f"bench app {i}", "", "US", 1, cid, "approved", None, now, now, "", "Calendars.Read.All", None)
    installation = (tenant_id, aid, now, "bench")
    consent = (tenant_id, "", aid, "Calendars.Read.All", now, "bench")
    return client, secrets, app, installation, consent


CLIENT_COLUMNS = "id, seller_id, friendly_name, app_domain, redirect_url, availability, secret_validity_years, signing_secret_id, created_at, id_token_signed_response_alg, public_client"
SECRET_COLUMNS = "id, client_id, hint, value_digest, sealed_value, created_at, starts_at, ends_at, last_used_at"
APP_COLUMNS = "id, seller_id, name, description, markets, requires_server_to_server_auth, client_id, status, review_reason, created_at, updated_at, permissions, app_only_permissions, events_url"
INSTALLATION_COLUMNS = "tenant_id, app_id, installed_at, installed_by"
CONSENT_COLUMNS = "tenant_id, user_id, app_id, permission, granted_at, granted_by"
TABLES = [("clients", CLIENT_COLUMNS), ("client_secrets", SECRET_COLUMNS), ("apps", APP_COLUMNS), ("installations", INSTALLATION_COLUMNS), ("consents", CONSENT_COLUMNS)]

if mode == "sqlite":
    db = sqlite3.connect(target)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    batch = 50_000
    for start in range(0, count, batch):
        groups = {name: [] for name, _ in TABLES}
        for i in range(start, min(count, start + batch)):
            client, secrets, app, installation, consent = rows(i)
            groups["clients"].append(client)
            groups["client_secrets"].extend(secrets)
            groups["apps"].append(app)
            groups["installations"].append(installation)
            groups["consents"].append(consent)
        with db:
            for name, columns in TABLES:
                marks = ", ".join("?" * len(columns.split(",")))
                db.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", groups[name])
    db.close()
else:
    os.makedirs(target, exist_ok=True)
    files = {name: open(os.path.join(target, f"{name}.csv"), "w", newline="") for name, _ in TABLES}
    writers = {name: csv.writer(f) for name, f in files.items()}

    def nulls(row):  # COPY reads \N as NULL, an empty field as the empty string
        return ["\\N" if value is None else value for value in row]

    for i in range(count):
        client, secrets, app, installation, consent = rows(i)
        writers["clients"].writerow(nulls(client))
        writers["client_secrets"].writerows(nulls(row) for row in secrets)
        writers["apps"].writerow(nulls(app))
        writers["installations"].writerow(nulls(installation))
        writers["consents"].writerow(nulls(consent))
    for f in files.values():
        f.close()
    for name, columns in TABLES:
        print(f"\\copy {name} ({columns}) FROM '{os.path.join(target, name + '.csv')}' CSV NULL '\\N'")
