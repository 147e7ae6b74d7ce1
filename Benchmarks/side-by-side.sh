#!/usr/bin/env bash
# Side by side, in one run on this machine: Latchkey's benchmark (Benchmarks/token-endpoint.sh:
# /healthz, client_credentials, introspection, the authorization-code flow, launches, the ACS
# token endpoint) on SQLite and on PostgreSQL, then the same client_credentials load (wrk -t2
# -c32, HTTP Basic) against three other OAuth servers — Glewlwyd (C), Authlib + Flask under
# gunicorn (Python), django-oauth-toolkit (Python) — and the ratios. Not a pass/fail test.
#
#   Benchmarks/side-by-side.sh [seconds=10]
#   PEERS_SOURCE=DIR (required): the scripts that run the peer servers, which are not part of this
#   repository; PEERS=DIR: where they are laid out and installed (default .build/peers; the first
#   run installs their Debian and PyPI packages).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
source_dir=${PEERS_SOURCE:?set PEERS_SOURCE to the directory of the scripts that run the peer servers}
peers=${PEERS:-$PWD/.build/peers}
work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
  [ -x "$peers/stop_all.sh" ] && "$peers/stop_all.sh" >/dev/null 2>&1 || true
  [ -d "$work/pg" ] && scripts/throwaway-postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== Latchkey, SQLite"
Benchmarks/token-endpoint.sh 32 "$seconds" 2 2>/dev/null | tee "$work/sqlite.txt"
echo "== Latchkey, PostgreSQL (throwaway cluster)"
LATCHKEY_DATABASE_URL=$(scripts/throwaway-postgres.sh start "$work/pg") LATCHKEY_MASTER_KEY=$(openssl rand -base64 32) \
  Benchmarks/token-endpoint.sh 32 "$seconds" 2 2>/dev/null | tee "$work/postgres.txt"

if [ ! -x "$peers/start_all.sh" ]; then
  "$source_dir/install.sh" "$peers" >&2
  (cd "$peers" && glewlwyd/init_db.sh && glewlwyd/start.sh && sleep 2 && glewlwyd/setup.sh && ./stop_all.sh) >&2
  (cd "$peers/dot" && ../venv/bin/python manage.py migrate -v 0 && ../venv/bin/python manage.py shell < create_clients.py) >&2
fi
"$peers/start_all.sh" >&2
peer() { # name url client
  local out
  out=$(WRK_CLIENT=$3 WRK_SECRET=bench-secret WRK_SCOPE=bench wrk -t2 -c32 -d"${seconds}s" --latency -s "$peers/wrk/token.lua" "$2")
  local rps p99 non2xx
  rps=$(echo "$out" | sed -n 's/^RESULT.* rps=\([0-9.]*\).*/\1/p')
  p99=$(echo "$out" | sed -n 's/^RESULT.* p99_ms=\([0-9.]*\).*/\1/p')
  non2xx=$(echo "$out" | sed -n 's/^RESULT.* non2xx=\([0-9]*\).*/\1/p')
  printf '%-11s %10s req/s   p99 %sms   non-2xx %s\n' "$1" "$rps" "$p99" "$non2xx" | tee -a "$work/peers.txt"
  echo "$rps" >"$work/$1.rps"
}
echo "== peers: client_credentials, wrk -t2 -c32 -d${seconds}s"
peer glewlwyd http://127.0.0.1:4599/api/oidc/token bench-client
peer authlib http://127.0.0.1:5001/oauth/token bench-client
peer dot-plain http://127.0.0.1:5002/o/token/ bench-client-plain
peer dot-hashed http://127.0.0.1:5002/o/token/ bench-client

echo "== ratios: Latchkey's client_credentials tokens/s over each peer's"
for engine in sqlite postgres; do
  ours=$(awk '$1 == "token" {print $2}' "$work/$engine.txt")
  for name in glewlwyd authlib dot-plain dot-hashed; do
    python3 -c "o=float('$ours'); p=float(open('$work/$name.rps').read() or 0); print(f'  $engine / $name: {o/p:.0f}x' if p else '  $engine / $name: peer answered nothing')"
  done
done
