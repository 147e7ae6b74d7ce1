#!/usr/bin/env bash
# Cross-node propagation: two `latchkey serve` nodes on one PostgreSQL (a throwaway cluster, or
# the database in LATCHKEY_DATABASE_URL), a secret added and one deleted on node A, timed until
# node B answers accordingly (Benchmarks/propagation.py). Not a pass/fail test.
#
#   Benchmarks/propagation.sh [rounds=200]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-200}
swift build -c release --product latchkey >&2
bin=$(swift build -c release --show-bin-path)/latchkey
venv=.build/bench-venv
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q requests; }

work=$(mktemp -d)
cleanup() {
  kill "${node_a:-}" "${node_b:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${own_cluster:-}" ] && scripts/throwaway-postgres.sh stop "$work/pg" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${LATCHKEY_DATABASE_URL:-}" ]; then
  chmod 755 "$work"
  LATCHKEY_DATABASE_URL=$(scripts/throwaway-postgres.sh start "$work/pg")
  own_cluster=1
fi
# One client at thousands of requests a second from one address: the rate limits would refuse it.
export LATCHKEY_RATE_TOKENS_PER_CLIENT=0 LATCHKEY_RATE_TOKENS_PER_IP=0 LATCHKEY_RATE_SIGNINS_PER_ACCOUNT=0 LATCHKEY_RATE_SIGNINS_PER_IP=0
export LATCHKEY_DATABASE_URL LATCHKEY_MASTER_KEY=${LATCHKEY_MASTER_KEY:-$(openssl rand -base64 32)}
export LATCHKEY_LOG_LEVEL=warning LATCHKEY_BCRYPT_COST=4 LATCHKEY_DATA_DIR="$work/data"
operator=$(echo "benchmark operator" | "$bin" operators create --email "ops-$RANDOM@bench.example" --display-name Ops --password-stdin | sed -n 's/^API token (shown once): //p')
LATCHKEY_PORT=8281 "$bin" serve >"$work/a.log" 2>&1 &
node_a=$!
LATCHKEY_PORT=8282 "$bin" serve >"$work/b.log" 2>&1 &
node_b=$!
for port in 8281 8282; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done
echo "method: two release nodes on one PostgreSQL, $(nproc) cores shared; $rounds secrets added and $rounds deleted on A, B polled back to back"
"$venv/bin/python" Benchmarks/propagation.py http://127.0.0.1:8281 http://127.0.0.1:8282 "$operator" "$rounds"
