# The set-up every benchmark shares; sourced, never run. A script sources it from the project
# root, then calls what it needs:
#
#   bench_binary            release build; sets $bin
#   bench_venv [PACKAGE…]   .build/bench-venv with requests and PACKAGE…; sets $venv
#   bench_wrk               installs wrk from Debian when missing
#   bench_work              a temporary directory in $work, removed (servers stopped) at exit
#   bench_unlimited         turns the rate limits off (one client, thousands of requests a second);
#                           BENCH_LIMITS=high keeps them on, out of reach
#   bench_operator EMAIL    prints an operator's API token, made with the CLI
#   bench_serve PORT LOG    starts `latchkey serve` on PORT; sets $server; waits for /healthz
#   bench_stop_servers      stops every server bench_serve started
#
# Scripts keep their own environment (LATCHKEY_DATA_DIR, LATCHKEY_DATABASE_URL, …).

bench_binary() {
  swift build -c release --product latchkey >&2
  bin=$(swift build -c release --show-bin-path)/latchkey
}

bench_venv() {
  venv=.build/bench-venv
  local imports="requests" package
  for package in "$@"; do imports="$imports, $package"; done
  "$venv/bin/python" -c "import $imports" 2>/dev/null || { python3 -m venv "$venv" && "$venv/bin/pip" install -q requests "$@"; }
}

bench_wrk() {
  command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get install -y -q wrk >/dev/null; }
}

bench_servers=()
bench_stop_servers() {
  local pid
  for pid in "${bench_servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  bench_servers=()
}

# Scripts with more to clean up define bench_cleanup_extra.
bench_work() {
  work=$(mktemp -d)
  # A throwaway PostgreSQL cluster under $work runs as another user: it must reach the directory.
  chmod 755 "$work"
  trap 'bench_stop_servers; declare -F bench_cleanup_extra >/dev/null && bench_cleanup_extra; rm -rf "$work"' EXIT
}

# BENCH_LIMITS=high keeps the limits on at values no benchmark reaches: every request pays for
# its bucket look-ups, none is refused.
bench_unlimited() {
  local limit=0
  [ "${BENCH_LIMITS:-off}" = high ] && limit=10000000
  export LATCHKEY_RATE_TOKENS_PER_CLIENT=$limit LATCHKEY_RATE_TOKENS_PER_IP=$limit LATCHKEY_RATE_CHECKS_PER_CLIENT=$limit LATCHKEY_RATE_CHECKS_PER_IP=$limit
  export LATCHKEY_RATE_SIGNINS_PER_ACCOUNT=$((limit / 100)) LATCHKEY_RATE_SIGNINS_PER_IP=$((limit / 100))
}

bench_operator() {
  echo "benchmark operator" | "$bin" operators create --email "$1" --display-name Ops --password-stdin | sed -n 's/^API token (shown once): //p'
}

bench_serve() {
  LATCHKEY_PORT=$1 "$bin" serve >>"$2" 2>&1 &
  server=$!
  bench_servers+=("$server")
  local _
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.1; done
  echo "latchkey serve did not answer on port $1 within 30 s:" >&2
  tail "$2" >&2
  exit 1
}
