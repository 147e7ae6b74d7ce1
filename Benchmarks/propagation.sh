#!/usr/bin/env bash
# Cross-node propagation: two `latchkey serve` nodes on one PostgreSQL (a throwaway cluster, or
# the database in LATCHKEY_DATABASE_URL), a secret added and one deleted on node A, timed until
# node B answers accordingly (Benchmarks/propagation.py). Not a pass/fail test.
#
#   Benchmarks/propagation.sh [rounds=200]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-200}
. Benchmarks/lib.sh
bench_binary
bench_venv
bench_work
bench_cleanup_extra() { if [ -n "${own_cluster:-}" ]; then scripts/throwaway-postgres.sh stop "$work/pg" >/dev/null 2>&1 || true; fi; }
if [ -z "${LATCHKEY_DATABASE_URL:-}" ]; then
  LATCHKEY_DATABASE_URL=$(scripts/throwaway-postgres.sh start "$work/pg")
  own_cluster=1
fi
# One client at thousands of requests a second from one address: the rate limits would refuse it.
bench_unlimited
export LATCHKEY_DATABASE_URL LATCHKEY_MASTER_KEY=${LATCHKEY_MASTER_KEY:-$(openssl rand -base64 32)}
export LATCHKEY_LOG_LEVEL=warning LATCHKEY_BCRYPT_COST=4 LATCHKEY_DATA_DIR="$work/data"
operator=$(bench_operator "ops-$RANDOM@bench.example")
bench_serve 8281 "$work/a.log"
bench_serve 8282 "$work/b.log"
echo "method: two release nodes on one PostgreSQL, $(nproc) cores shared; $rounds secrets added and $rounds deleted on A, B polled back to back"
"$venv/bin/python" Benchmarks/propagation.py http://127.0.0.1:8281 http://127.0.0.1:8282 "$operator" "$rounds"
