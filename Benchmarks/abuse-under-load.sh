#!/usr/bin/env bash
# Does abuse slow honest clients? A release `latchkey serve` with its default bcrypt cost; honest clients ask for tokens at a fixed rate (mixed_load.py: 5 clients, RATE/s)
# for SECONDS, three times: alone; while a client hammers the token endpoint with a wrong
# secret (wrk, 4 connections, as fast as it can); while a flood of seller sign-ins arrives (wrk,
# 8 connections, right and wrong passwords: bcrypt work). Prints the honest tokens' p50/p99 and
# errors in each run. Not a pass/fail test; docs/reliability.md reports it.
#
#   Benchmarks/abuse-under-load.sh [rate=300] [seconds=30]
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-300}
seconds=${2:-30}
port=${LATCHKEY_BENCH_PORT:-8193}
. Benchmarks/lib.sh
bench_wrk
bench_binary
bench_venv aiohttp
bench_work
export LATCHKEY_DATA_DIR="$work/data" LATCHKEY_LOG_LEVEL=error
# Honest clients send from 127.0.0.2, attackers from 127.0.0.1. The hammer meets the per-address
# limit (default) unless HAMMER_UNLIMITED=1; the sign-in flood uses one account from one address,
# which the sign-in limits would simply refuse: they are off, so that what is measured is bcrypt
# on its low-priority thread.
export LATCHKEY_RATE_SIGNINS_PER_IP=0 LATCHKEY_RATE_SIGNINS_PER_ACCOUNT=0
[ "${HAMMER_UNLIMITED:-0}" = 1 ] && export LATCHKEY_RATE_TOKENS_PER_IP=0
operator=$(bench_operator ops@abuse.example)
bench_serve "$port" "$work/server.log"
base="http://127.0.0.1:$port"
curl -fs -X POST "$base/api/v1/sellers" -H 'content-type: application/json' -d '{"email":"flood@contoso.example","password":"a long password","displayName":"Flood"}' >/dev/null
victim=$(curl -fs -X POST "$base/api/v1/clients" -H "authorization: Bearer $operator" -H 'content-type: application/json' \
  -d '{"friendlyName":"victim","appDomain":"app.contoso.com","redirectUrl":"https://app.contoso.com/auth"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientId"])')
wrong=$(printf '%s:%s' "$victim" "not-the-secret" | base64 -w0)
cat >"$work/hammer.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $wrong"
LUA
cat >"$work/signin.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local password = (n % 2 == 0) and "a long password" or "a wrong password"
  return wrk.format("POST", "/api/v1/tokens", {["Content-Type"] = "application/json"},
    '{"email":"flood@contoso.example","password":"' .. password .. '"}')
end
LUA
honest() {
  "$venv/bin/python" Benchmarks/mixed_load.py "$base" "$operator" "$server" "$seconds" "$seconds" --tokens "$rate" --introspect 0 --writes 0 --signins 0 --source 127.0.0.2 \
    | grep '"interval"' | python3 -c 'import json,sys; t=json.loads(sys.stdin.read().splitlines()[-1])["token"]; print("%d tokens, %d errors, p50 %s ms, p99 %s ms" % (t["n"], t["errors"], t["p50_ms"], t["p99_ms"]))'
}
echo "== honest clients alone ($rate tokens/s, ${seconds}s)"
honest
echo "== while one client hammers with a wrong secret"
wrk -t1 -c4 -d"$((seconds + 10))s" -s "$work/hammer.lua" "$base/oauth2/token" >"$work/hammer.txt" 2>&1 &
attack=$!
sleep 2
honest
wait $attack || true
grep -E "Requests/sec|Non-2xx" "$work/hammer.txt" | sed 's/^/  hammer: /'
echo "== while a flood of sign-ins arrives"
wrk -t1 -c8 -d"$((seconds + 10))s" -s "$work/signin.lua" "$base/api/v1/tokens" >"$work/signin.txt" 2>&1 &
attack=$!
sleep 2
honest
wait $attack || true
grep -E "Requests/sec|Non-2xx" "$work/signin.txt" | sed 's/^/  sign-in flood: /'
