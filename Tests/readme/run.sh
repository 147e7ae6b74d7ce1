#!/usr/bin/env bash
# The README is code: its shell blocks run here as written, in order, on an empty data
# directory. The first block (the server) runs in the background; the others run in one shell
# with `set -euo pipefail`, the two browser steps (copying the code from the address bar,
# clicking Trip Calendar on /account) done by Tests/readme/readme.py posting the same forms.
# Fails when a command fails or prints an error. Uses the README's ports (8080, 8090, 8091).
#
#   Tests/readme/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=$(mktemp -d /tmp/latchkey-readme.XXXXXX)
for port in 8080 8090 8091; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use: the README's story needs it" >&2; exit 1; fi
done
. Tests/support/suite.sh
python=$(suite_python)
"$python" Tests/readme/readme.py extract README.md "$work"

# A fresh data directory, as a new clone has; everything else as the README says.
export LATCHKEY_DATA_DIR="$work/data"
setsid bash "$work/serve.sh" >"$work/server.log" 2>&1 &
server=$!
story=
cleanup() {
  [ -n "$story" ] && kill -- -"$story" 2>/dev/null || true
  kill -- -"$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
on_exit cleanup
# `swift run` builds first: on a fresh clone that takes minutes (the README says so).
for _ in $(seq 2400); do
  curl -fs http://127.0.0.1:8080/healthz >/dev/null && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.5
done
curl -fs http://127.0.0.1:8080/healthz >/dev/null || { echo "the server never started:" >&2; cat "$work/server.log" >&2; exit 1; }

# The story in a session of its own, so that what it leaves running (the calendar API, the
# app) stops with it.
status=0
setsid bash "$work/story.sh" >"$work/story.log" 2>&1 &
story=$!
wait $story || status=$?
cat "$work/story.log"
if [ $status -ne 0 ]; then
  echo "FAILED: a README command failed (exit $status); the server's log:" >&2
  tail -n 20 "$work/server.log" >&2
  exit 1
fi
if grep -inE '"error"|^error:|: error:' "$work/story.log" >&2; then
  echo "FAILED: a README command printed an error (above)" >&2
  exit 1
fi
grep -q "Your trips" "$work/story.log" || { echo "FAILED: the launch did not show Uma's trips" >&2; exit 1; }
echo "README: every block ran"
