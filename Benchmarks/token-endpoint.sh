#!/usr/bin/env bash
# The token path against /healthz, in one run, on this machine.
#
# Builds release, starts `latchkey serve` on a fresh SQLite data directory (or the PostgreSQL
# database in LATCHKEY_DATABASE_URL, with LATCHKEY_MASTER_KEY), sets up a service app enabled for
# client credentials and a signed-in user who consented to a delegated app
# (Benchmarks/bench_setup.py), then drives wrk at /healthz, at POST /oauth2/token
# (client_credentials, client_secret_basic), at POST /oauth2/introspect, and through whole
# authorization-code + PKCE flows (GET /oauth2/authorize with the user's session, consent already
# given, then the code exchanged at the token endpoint), at app launches (GET /apps/{id}/launch
# with the user's session: a context token signed and its page rendered), and at the ACS
# profile's realm token endpoint (app-only, and the launch's refresh token for user+app tokens).
# Prints req/s, p99 and ratios to /healthz. Not a pass/fail test.
#
#   Benchmarks/token-endpoint.sh [connections=32] [seconds=10] [threads=2]
#   LATCHKEY_DATABASE_URL=postgres://… LATCHKEY_MASTER_KEY=… Benchmarks/token-endpoint.sh
#   BENCH_PROFILE=launch Benchmarks/token-endpoint.sh   (also: token, introspect, code-flow, acs-app, …)
#   BENCH_ONLY="code-flow launch" Benchmarks/token-endpoint.sh   (only these paths, and /healthz)
#   BENCH_PROFILE=acs-app BENCH_FOCUS=ACSTokenEndpoint.respond Benchmarks/token-endpoint.sh   (what is below a frame)
#
# With BENCH_PROFILE, that path's run is sampled with `perf record -e cpu-clock -g` and its flame
# graph written to docs/performance/PATH-DATE.svg (Benchmarks/flamegraph.py), with the frames
# holding the most samples printed.
#
# wrk and the server share the same cores: figures are for comparing, not absolute.
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-32}
seconds=${2:-10}
threads=${3:-2}
port=${LATCHKEY_BENCH_PORT:-8181}

. Benchmarks/lib.sh
bench_wrk
bench_binary
bench_venv
bench_work
# One client at thousands of requests a second from one address: the rate limits would refuse it.
bench_unlimited
export LATCHKEY_DATA_DIR="$work/data" LATCHKEY_LOG_LEVEL=warning LATCHKEY_BCRYPT_COST=${LATCHKEY_BCRYPT_COST:-10}
operator=$(bench_operator ops@bench.example)
bench_serve "$port" "$work/server.log"

"$venv/bin/python" Benchmarks/bench_setup.py "http://127.0.0.1:$port" "$operator" >"$work/setup.env"
# shellcheck disable=SC1091
. "$work/setup.env"
basic=$(printf '%s:%s' "$client_id" "$secret" | base64 -w0)
access=$(curl -fs -X POST "http://127.0.0.1:$port/oauth2/token" -H "authorization: Basic $basic" -d grant_type=client_credentials -d tenant="$tenant" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

post_script() { # file body: a form POST with the client's Basic credentials
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = "$2"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
done = function(summary, latency, requests)
  io.write(string.format("RESULT non2xx=%d\n", summary.errors.status))
end
LUA
}
post_script "$work/token.lua" "grant_type=client_credentials&tenant=$tenant"
post_script "$work/introspect.lua" "token=$access"
# One flow = GET /oauth2/authorize (302 with a code) + POST /oauth2/token (the code for tokens).
# Each connection alternates; a thread keeps the codes its responses carried.
cat >"$work/flow.lua" <<LUA
local codes = {}
flows = 0
local threads = {}
setup = function(thread) table.insert(threads, thread) end
request = function()
  local code = table.remove(codes)
  if code then
    return wrk.format("POST", "/oauth2/token", {["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = "Basic $basic"},
      "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp.contoso.com%2Fauth&code_verifier=$verifier&code=" .. code)
  end
  return wrk.format("GET", "$authorize", {["Cookie"] = "$cookie"})
end
response = function(status, headers, body)
  local location = headers["Location"]
  if location then
    local code = location:match("[?&]code=([^&]+)")
    if code then table.insert(codes, code) end
  elseif status == 200 then
    flows = flows + 1
  end
end
done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("flows") end
  io.write(string.format("RESULT non2xx=%d\n", summary.errors.status))
  io.write(string.format("RESULT flows=%.0f\n", total / (summary.duration / 1e6)))
end
LUA
cat >"$work/plain.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT non2xx=%d\n", summary.errors.status))
end
LUA
cat >"$work/launch.lua" <<LUA
wrk.headers["Cookie"] = "$cookie"
done = function(summary, latency, requests)
  io.write(string.format("RESULT non2xx=%d\n", summary.errors.status))
end
LUA
resource="00000003-0000-0ff1-ce00-000000000000%2F127.0.0.1%40$tenant"
encoded_secret=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$secret")
encoded_refresh=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$refresh_token")
acs_script() { # file body: a form POST as the seed's clients send it (credentials in the body)
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = "$2"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
done = function(summary, latency, requests)
  io.write(string.format("RESULT non2xx=%d\n", summary.errors.status))
end
LUA
}
acs_script "$work/acs-app.lua" "grant_type=client_credentials&client_id=$client_id%40$tenant&client_secret=$encoded_secret&scope=$resource&resource=$resource"
acs_script "$work/acs-user.lua" "grant_type=refresh_token&client_id=$client_id%40$tenant&client_secret=$encoded_secret&refresh_token=$encoded_refresh&resource=$resource"

run() { # name url script
  local out profiler=""
  case " healthz ${BENCH_ONLY:-$1} " in *" $1 "*) ;; *) return 0 ;; esac
  if [ "${BENCH_PROFILE:-}" = "$1" ]; then
    perf record -e cpu-clock -F 999 -g -p "$server" -o "$work/perf.data" >/dev/null 2>&1 &
    profiler=$!
    sleep 0.5
  fi
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$3" "$2")
  [ -z "${BENCH_VERBOSE:-}" ] || echo "$out" >&2
  if [ -n "$profiler" ]; then
    kill -INT "$profiler"; wait "$profiler" || true
    mkdir -p docs/performance
    perf script -i "$work/perf.data" 2>/dev/null | swift demangle --simplified \
      | python3 Benchmarks/flamegraph.py "$1, $(date -u +%F), wrk -t$threads -c$connections" "docs/performance/$1-$(date -u +%F).svg" ${BENCH_FOCUS:+"$BENCH_FOCUS"} >"$work/profile.txt"
  fi
  local rps p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  non2xx=$(echo "$out" | sed -n 's/^RESULT non2xx=//p')
  flows=$(echo "$out" | sed -n 's/^RESULT flows=//p')
  printf '%-11s %10s req/s   p99 %-9s non-2xx %s%s\n' "$1" "$rps" "$p99" "${non2xx:-0}" "${flows:+   flows/s $flows}"
  echo "$rps" >"$work/$1.rps"
}

engine=$([ -n "${LATCHKEY_DATABASE_URL:-}" ] && echo PostgreSQL || echo SQLite)
echo "method: wrk -t$threads -c$connections -d${seconds}s on $(nproc) cores shared with the server; release build; $engine"
run healthz "http://127.0.0.1:$port/healthz" "$work/plain.lua"
run token "http://127.0.0.1:$port/oauth2/token" "$work/token.lua"
run introspect "http://127.0.0.1:$port/oauth2/introspect" "$work/introspect.lua"
run code-flow "http://127.0.0.1:$port/" "$work/flow.lua"
run launch "http://127.0.0.1:$port/apps/$app_id/launch" "$work/launch.lua"
run acs-app "http://127.0.0.1:$port/$tenant/tokens/OAuth/2" "$work/acs-app.lua"
run acs-user "http://127.0.0.1:$port/tokens/OAuth/2" "$work/acs-user.lua"
for name in token introspect launch acs-app acs-user; do
  [ -f "$work/$name.rps" ] || continue
  python3 -c "h=float(open('$work/healthz.rps').read()); t=float(open('$work/$name.rps').read()); print(f'ratio $name/healthz: {t/h:.2f}')"
done
echo "server RSS after load: $(ps -o rss= -p "$server" | awk '{printf "%.0f MiB", $1/1024}')"
if [ -f "$work/profile.txt" ]; then cat "$work/profile.txt"; fi
