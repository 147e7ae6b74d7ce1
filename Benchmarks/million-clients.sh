#!/usr/bin/env bash
# Flat cost with many clients: client_credentials latency and server RSS with 100 clients
# registered, then with N (default 1,000,000 Client IDs, 2,000,000 secrets, their approved apps,
# installations and consents, loaded by Benchmarks/load_clients.py), requests spread over 100
# of them and over 100,000 of them (each pass warmed first), and the first touch of clients
# never asked for before (every request a cache miss). SQLite, then PostgreSQL (a throwaway
# cluster). Not a pass/fail test.
#
#   Benchmarks/million-clients.sh [N=1000000] [seconds=10]
#   engines="sqlite postgres" (the default) or either one alone
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
seconds=${2:-10}
port=8481
. Benchmarks/lib.sh
bench_wrk
bench_binary
bench_venv
bench_work
bench_cleanup_extra() { if [ -d "$work/pg" ]; then scripts/throwaway-postgres.sh stop "$work/pg" >/dev/null 2>&1 || true; fi; }
# One client at thousands of requests a second from one address: the rate limits would refuse it.
bench_unlimited
export LATCHKEY_LOG_LEVEL=warning LATCHKEY_BCRYPT_COST=4
start_server() { bench_serve "$port" "$work/server.log"; }

rss() { ps -o rss= -p "$server" | awk '{printf "%.0f MiB", $1/1024}'; }
misses() { curl -fs "http://127.0.0.1:$port/metrics" | awk '/^latchkey_cache_misses_total\{cache="clients"\}/ {printf "%d", $2}'; }

# One client per request, client i given by a Lua expression (client_secret_post).
script() { # file expression
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local pad = string.rep("x", 26)
request = function()
  local i = $2
  return wrk.format(nil, nil, nil, string.format("grant_type=client_credentials&client_id=00000000-0000-4000-8000-%012x&client_secret=bench%012da%s&tenant=$tenant", i, i, pad))
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT non2xx=%d p50=%.2f p99=%.2f\n", summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
}

measure() { # label script seconds
  local out rps
  out=$(wrk -t2 -c32 -d"$3s" -s "$2" "http://127.0.0.1:$port/oauth2/token")
  rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
  printf '  %-34s %7s tokens/s  %s  RSS %s\n' "$1" "$rps" "$(echo "$out" | sed -n 's/^RESULT //p')" "$(rss)"
}

prepare() { # engine: fresh database, operator, seller, tenant; leaves the server running
  rm -rf "$work/data"
  export LATCHKEY_DATA_DIR="$work/data"
  operator=$(bench_operator ops@bench.example)
  start_server
  local api="http://127.0.0.1:$port/api/v1"
  curl -fs -X POST "$api/sellers" -H 'content-type: application/json' -d '{"email":"bench@contoso.example","password":"a long password","displayName":"Bench"}' >/dev/null
  seller_id=$(curl -fs -X POST "$api/tokens" -H 'content-type: application/json' -d '{"email":"bench@contoso.example","password":"a long password"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' | xargs -I{} curl -fs "$api/sellers/me" -H "authorization: Bearer {}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -fs -X PUT "$api/permissions/Calendars.Read.All" -H "authorization: Bearer $operator" -H 'content-type: application/json' \
    -d '{"description":"Read every calendar","adminConsentRequired":true,"appOnly":true}' >/dev/null
  tenant=$(curl -fs -X POST "$api/tenants" -H "authorization: Bearer $operator" -H 'content-type: application/json' -d '{"displayName":"Fabrikam","region":"worldwide"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  bench_stop_servers
}

load() { # engine n
  local started=$(date +%s)
  if [ "$1" = sqlite ]; then
    python3 Benchmarks/load_clients.py sqlite "$work/data/latchkey.sqlite" "$2" "$seller_id" "$tenant"
  else
    python3 Benchmarks/load_clients.py csv "$work/csv" "$2" "$seller_id" "$tenant" >"$work/copy.sql"
    psql -q "$LATCHKEY_DATABASE_URL" -f "$work/copy.sql"
    psql -q "$LATCHKEY_DATABASE_URL" -c "ANALYZE" >/dev/null
    rm -rf "$work/csv"
  fi
  echo "  loaded $2 clients ($(( $2 * 2 )) secrets) in $(( $(date +%s) - started )) s"
}

run_engine() { # engine
  echo "$1:"
  prepare "$1"
  load "$1" 100
  start_server
  script "$work/s100.lua" "math.random(0, 99)"
  wrk -t2 -c32 -d3s -s "$work/s100.lua" "http://127.0.0.1:$port/oauth2/token" >/dev/null
  measure "100 clients registered, 100 asked" "$work/s100.lua" "$seconds"
  bench_stop_servers
  if [ "$1" = postgres ]; then psql -q "$LATCHKEY_DATABASE_URL" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null; fi
  prepare "$1"
  load "$1" "$count"
  start_server
  echo "  RSS after start with $count clients: $(rss)"
  script "$work/s100.lua" "math.random(0, 99) * $(( count / 100 ))"
  wrk -t2 -c32 -d3s -s "$work/s100.lua" "http://127.0.0.1:$port/oauth2/token" >/dev/null
  measure "$count registered, 100 asked" "$work/s100.lua" "$seconds"
  script "$work/s100k.lua" "math.random(0, 99999) * $(( count / 100000 ))"
  # Warm-up: each of the 100,000 asked once, in turn (two wrk threads take even and odd ones).
  cat >"$work/sweep.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local pad = string.rep("x", 26)
local threads = 0
setup = function(thread) thread:set("next", threads); threads = threads + 1 end
request = function()
  local i = (next % 100000) * $(( count / 100000 ))
  next = next + 2
  return wrk.format(nil, nil, nil, string.format("grant_type=client_credentials&client_id=00000000-0000-4000-8000-%012x&client_secret=bench%012da%s&tenant=$tenant", i, i, pad))
end
LUA
  # Swept in 30 s rounds until a round reads (almost) no client from the database any more.
  local before after
  before=$(misses)
  for _ in $(seq 20); do
    wrk -t2 -c32 -d30s -s "$work/sweep.lua" "http://127.0.0.1:$port/oauth2/token" >/dev/null
    after=$(misses)
    echo "  warm-up round: $(( after - before )) clients read from the database" >&2
    [ $(( after - before )) -lt 1000 ] && break
    before=$after
  done
  measure "$count registered, 100,000 asked" "$work/s100k.lua" "$seconds"
  # Clients 1, 3, 5, …: none was asked for before (the passes above used multiples of 10).
  script "$work/cold.lua" "math.random(0, $(( count / 2 - 1 ))) * 2 + 1"
  measure "$count registered, first touch" "$work/cold.lua" "$seconds"
  bench_stop_servers
}

echo "method: wrk -t2 -c32 on $(nproc) cores shared with the server; release build; p50/p99 in ms"
engines=${engines:-sqlite postgres}
if [[ " $engines " == *" sqlite "* ]]; then run_engine sqlite; fi
if [[ " $engines " == *" postgres "* ]]; then
  unset LATCHKEY_DATA_DIR
  export LATCHKEY_DATABASE_URL=${LATCHKEY_DATABASE_URL:-$(scripts/throwaway-postgres.sh start "$work/pg")}
  export LATCHKEY_MASTER_KEY=${LATCHKEY_MASTER_KEY:-$(openssl rand -base64 32)}
  run_engine postgres
fi
