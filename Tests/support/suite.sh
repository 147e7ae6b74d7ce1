# The set-up every suite under Tests/ shares; each run.sh sources it from the project root:
#
#   . Tests/support/suite.sh
#   python=$(suite_python)              # .build/test-venv, from Tests/support/requirements.txt
#   bin=$(suite_build latchkey ...)     # debug builds of the products; prints the bin directory
#   port=$(free_port)
#   suite_serve "$bin/latchkey" "$work/server.log"   # serve in the background, wait for /healthz
#   on_exit 'rm -rf "$work"'            # cleanups run in reverse order when the suite exits
#
# Nothing here is specific to one suite.

suite_root=$PWD
suite_venv=$suite_root/.build/test-venv
suite_cleanups=()

# Runs the registered cleanups, the last registered first.
suite_cleanup() {
  local index
  for ((index = ${#suite_cleanups[@]} - 1; index >= 0; index--)); do eval "${suite_cleanups[$index]}" || true; done
}
trap suite_cleanup EXIT

on_exit() { suite_cleanups+=("$1"); }

# The suites' Python, with every package of requirements.txt; (re)installed when the file changed.
suite_python() {
  local stamp="$suite_venv/requirements.sha256" wanted
  wanted=$(sha256sum "$suite_root/Tests/support/requirements.txt" | cut -d' ' -f1)
  if [ ! -x "$suite_venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "installing the suites' Python packages in $suite_venv" >&2
    python3 -m venv "$suite_venv" >&2
    "$suite_venv/bin/pip" install -q -r "$suite_root/Tests/support/requirements.txt" >&2
    echo "$wanted" >"$stamp"
  fi
  echo "$suite_venv/bin/python"
}

# Debug builds of the named products, one at a time; prints where the binaries are.
suite_build() {
  local product
  for product in "$@"; do swift build --product "$product" >&2; done
  swift build --show-bin-path
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Waits until URL answers 2xx (up to TRIES tenths of a second, default 100); fails if it never does.
wait_for() {
  local url=$1 tries=${2:-100}
  for _ in $(seq "$tries"); do curl -fs "$url" >/dev/null && return 0; sleep 0.1; done
  echo "$url never answered" >&2
  return 1
}

# Starts BINARY serve (with the LATCHKEY_* variables exported) in the background, logging to LOG;
# stops it when the suite exits; returns once it answers /healthz. Sets suite_server_pid.
suite_serve() {
  local binary=$1 log=$2
  "$binary" serve >"$log" 2>&1 &
  suite_server_pid=$!
  on_exit "kill $suite_server_pid 2>/dev/null; wait $suite_server_pid 2>/dev/null"
  wait_for "http://127.0.0.1:${LATCHKEY_PORT}/healthz" || { tail -n 30 "$log" >&2; return 1; }
}

# Starts a helper program (an example app) in the background, stopped when the suite exits.
suite_background() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  on_exit "kill $! 2>/dev/null; wait $! 2>/dev/null"
}

# Creates an operator with BINARY and prints the API token it is shown.
suite_operator() {
  local binary=$1 email=$2 name=$3 password=${4:-operator password}
  echo "$password" | "$binary" operators create --email "$email" --display-name "$name" --password-stdin | sed -n 's/^API token (shown once): //p'
}
