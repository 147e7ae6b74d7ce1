#!/usr/bin/env bash
# Soak: a release `latchkey serve` (SQLite, or the PostgreSQL in LATCHKEY_DATABASE_URL) under mixed
# load at fixed rates for MINUTES — client-credentials tokens from 5 clients, introspection,
# management writes (create a Client ID, add a secret, delete it), seller sign-ins (bcrypt) — with
# the default rate limits on. Prints a line a minute: requests, errors, p50/p99 per kind, RSS.
# Not a pass/fail test; docs/reliability.md reports a 30-minute run.
#
#   Benchmarks/soak.sh [minutes=30] [tokens/s=200] [introspections/s=50] [writes/s=5] [sign-ins/s=1]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
port=${LATCHKEY_BENCH_PORT:-8191}
. Benchmarks/lib.sh
bench_binary
bench_venv aiohttp
bench_work
export LATCHKEY_DATA_DIR="$work/data" LATCHKEY_LOG_LEVEL=warning
operator=$(bench_operator ops@soak.example)
bench_serve "$port" "$work/server.log"
echo "soak: $minutes min, commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ)"
"$venv/bin/python" Benchmarks/mixed_load.py "http://127.0.0.1:$port" "$operator" "$server" "$((minutes * 60))" 60 \
  --tokens "${2:-200}" --introspect "${3:-50}" --writes "${4:-5}" --signins "${5:-1}"
echo "server log lines at warning or above: $(wc -l <"$work/server.log")"
