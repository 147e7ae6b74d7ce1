#!/usr/bin/env bash
# Token endpoint against /healthz, in one run, on this machine.
#
# Builds release, starts `latchkey serve` on a fresh SQLite data directory, creates a seller and a
# Client ID, then drives wrk at /healthz and at POST /oauth2/token (client_credentials,
# client_secret_basic), and prints req/s, p99 and the ratio token/healthz. Not a pass/fail test.
#
#   Benchmarks/token-endpoint.sh [connections=32] [seconds=10] [threads=2]
#
# wrk and the server share the same cores: figures are for comparing, not absolute.
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-32}
seconds=${2:-10}
threads=${3:-2}
port=${LATCHKEY_BENCH_PORT:-8181}

command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get install -y -q wrk >/dev/null; }
swift build -c release --product latchkey >&2
bin=$(swift build -c release --show-bin-path)/latchkey

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
LATCHKEY_DATA_DIR="$work/data" LATCHKEY_PORT=$port LATCHKEY_LOG_LEVEL=warning "$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

api="http://127.0.0.1:$port/api/v1"
curl -fs -X POST "$api/sellers" -H 'content-type: application/json' \
  -d '{"email":"bench@contoso.example","password":"benchmark password","displayName":"Bench"}' >/dev/null
token=$(curl -fs -X POST "$api/tokens" -d '{"email":"bench@contoso.example","password":"benchmark password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
client=$(curl -fs -X POST "$api/clients" -H "authorization: Bearer $token" \
  -d '{"friendlyName":"bench","appDomain":"bench.contoso.example","redirectUrl":"https://bench.contoso.example/cb"}')
client_id=$(echo "$client" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientId"])')
secret=$(echo "$client" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"]["value"])')
basic=$(printf '%s:%s' "$client_id" "$secret" | base64 -w0)
curl -fs -X POST "http://127.0.0.1:$port/oauth2/token" -H "authorization: Basic $basic" -d grant_type=client_credentials >/dev/null

cat >"$work/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
done = function(summary, latency, requests)
  io.write(string.format("RESULT non2xx=%d\n", summary.errors.status))
end
LUA
cat >"$work/plain.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT non2xx=%d\n", summary.errors.status))
end
LUA

run() { # name url script
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$3" "$2")
  local rps p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  non2xx=$(echo "$out" | sed -n 's/^RESULT non2xx=//p')
  printf '%-8s %10s req/s   p99 %-9s non-2xx %s\n' "$1" "$rps" "$p99" "${non2xx:-0}"
  echo "$rps" >"$work/$1.rps"
}

echo "method: wrk -t$threads -c$connections -d${seconds}s on $(nproc) cores shared with the server; release build; SQLite"
run healthz "http://127.0.0.1:$port/healthz" "$work/plain.lua"
run token "http://127.0.0.1:$port/oauth2/token" "$work/token.lua"
python3 -c "import sys; h=float(open('$work/healthz.rps').read()); t=float(open('$work/token.rps').read()); print(f'ratio token/healthz: {t/h:.2f}')"
echo "server RSS after load: $(ps -o rss= -p "$server" | awk '{printf "%.0f MiB", $1/1024}')"
