#!/usr/bin/env bash
# The operator's handbook (docs/operations.md), drilled:
#   1. the release tarball (scripts/package.sh) unpacked into an empty directory outside the
#      checkout, installed where the handbook says (/opt/latchkey, when run as root), and served
#      from there to a working token, set up with its own command line;
#   2. deploy/latchkey.service checked with systemd-analyze verify;
#   3. deploy/prometheus/alerts.yml checked with promtool, and every metric it names served;
#   4. nginx from Debian with deploy/nginx/latchkey.conf and a throwaway certificate in front:
#      the https issuer, tokens through it, the per-address limit and the audit log on the
#      client's address;
#   5. backup under load, wipe, restore (SQLite);
#   6. master-key rotation, on SQLite and (with LATCHKEY_TEST_POSTGRES_URL) on a sibling
#      PostgreSQL database.
# Installs what it needs from Debian (nginx, systemd, prometheus). LATCHKEY_TARBALL names a
# tarball already built; otherwise scripts/package.sh builds one (a release build).
#
#   Tests/operations/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v promtool >/dev/null || missing+=(prometheus)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
. Tests/support/suite.sh
python=$(suite_python)

echo "== 1. the release tarball, unpacked and served from elsewhere"
tarball=${LATCHKEY_TARBALL:-$(scripts/package.sh)}
unpacked=$(mktemp -d /tmp/latchkey-release.XXXXXX)
on_exit 'rm -rf "$unpacked"'
tar -C "$unpacked" -xzf "$tarball"
release=$(echo "$unpacked"/latchkey-*)
ls "$release"
lk="$release/latchkey"
"$lk" --version
echo "<!-- unpacked release -->" >>"$release/latchkey_LatchkeyServer.resources/Resources/Templates/home.mustache"
# A token from the unpacked binary alone, in a directory of its own (nothing of the checkout).
(
  cd "$unpacked"
  export LATCHKEY_DATA_DIR="$unpacked/data" LATCHKEY_PORT=18480 LATCHKEY_BCRYPT_COST=4
  "$lk" serve >"$unpacked/serve.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
  for _ in $(seq 100); do curl -fs http://127.0.0.1:18480/healthz >/dev/null && break; sleep 0.1; done
  # The pages come from the resources beside the binary, not from the checkout's build.
  curl -fsS http://127.0.0.1:18480/ | grep -q "unpacked release"
  "$lk" operators create --email ops@platform.example --display-name Operations >/dev/null
  tenant=$("$lk" tenants create --name Fabrikam)
  "$lk" permissions define Reports.Read.All --description "Read every report" --app-only
  "$lk" sellers create --email you@contoso.com --display-name Contoso >/dev/null
  client=$("$lk" clients create --seller you@contoso.com --name reports --app-domain reports.contoso.com --redirect-url https://reports.contoso.com/auth --json)
  client_id=$(echo "$client" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientId"])')
  secret=$(echo "$client" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"]["value"])')
  app=$("$lk" apps create --seller you@contoso.com --name Reports --markets US --client "$client_id" --server-to-server --app-only-permissions Reports.Read.All --json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  revision=$("$lk" apps submit "$app" --seller you@contoso.com --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
  "$lk" apps approve "$app" --revision "$revision" --seller ops@platform.example
  "$lk" installations add --tenant "$tenant" "$app"
  "$lk" installations consent-app-only --tenant "$tenant" "$app"
  sleep 0.5   # the running server hears the command line's changes within 100 ms (SQLite)
  curl -fsS -u "$client_id:$secret" http://127.0.0.1:18480/oauth2/token -d grant_type=client_credentials -d tenant="$tenant" | grep -q '"access_token"'
  echo "  ok: a token from the unpacked release"
)

echo "== 2. the systemd unit"
if [ "$(id -u)" = 0 ]; then
  # Installed where the handbook says, so that the unit's paths exist.
  rm -rf /opt/latchkey && cp -R "$release" /opt/latchkey
  id latchkey >/dev/null 2>&1 || useradd --system --home-dir /var/lib/latchkey --shell /usr/sbin/nologin latchkey
  mkdir -p /etc/latchkey && install -m 0640 -g latchkey deploy/latchkey.env.sample /etc/latchkey/latchkey.env
  unit=deploy/latchkey.service
else
  unit=$(mktemp -d)/latchkey.service
  sed "s|/opt/latchkey|$release|g" deploy/latchkey.service >"$unit"
fi
systemd-analyze verify "$unit"
echo "  ok: systemd-analyze verify $unit"

echo "== 3. the alert rules"
promtool check rules deploy/prometheus/alerts.yml
"$python" Tests/operations/drills.py metrics "$lk"

echo "== 4. nginx in front"
"$python" Tests/operations/drills.py nginx "$lk"

echo "== 5. backup under load, wipe, restore"
"$python" Tests/operations/drills.py backup "$lk"

echo "== 6. master-key rotation"
"$python" Tests/operations/drills.py rotate "$lk"
if [ -n "${LATCHKEY_TEST_POSTGRES_URL:-}" ]; then
  db=latchkey_drill_rotate
  psql "$LATCHKEY_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  "$python" Tests/operations/drills.py rotate "$lk" "${LATCHKEY_TEST_POSTGRES_URL%/*}/$db"
  psql "$LATCHKEY_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db" || true
else
  echo "(PostgreSQL rotation skipped: set LATCHKEY_TEST_POSTGRES_URL)"
fi
echo "operations: every drill passed"
