#!/usr/bin/env bash
# Browser tests of the Seller Dashboard and of the users' sign-in, consent and account pages: a real headless Chromium driven by Selenium against a
# running `latchkey serve`. Installs Chromium and its driver (Debian) and Selenium (PyPI, in a
# virtual environment under .build/) when missing. Prints where the screenshots are.
#
#   Tests/browser/run.sh            (from the project root; uses the debug build)
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  echo "installing chromium and chromium-driver" >&2
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver) >/dev/null
fi
venv=.build/browser-venv
if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/python" -c "import requests" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q selenium pytest requests
fi

swift build --product latchkey >&2
bin=$(swift build --show-bin-path)/latchkey
work=$(mktemp -d)
shots=${LATCHKEY_SCREENSHOTS:-$PWD/.build/dashboard-screenshots}
rm -rf "$shots" && mkdir -p "$shots"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LATCHKEY_DATA_DIR="$work/data" LATCHKEY_PORT=$port LATCHKEY_BCRYPT_COST=4 LATCHKEY_LOG_LEVEL=warning LATCHKEY_ALLOW_LOOPBACK_CALLBACKS=true

operator_token=$(echo "operator password" | "$bin" operators create --email reviewer@platform.example --display-name "Platform review" --password-stdin | sed -n 's/^API token (shown once): //p')
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

status=0
LATCHKEY_URL="http://127.0.0.1:$port" LATCHKEY_SCREENSHOTS="$shots" \
  OPERATOR_EMAIL=reviewer@platform.example OPERATOR_PASSWORD="operator password" OPERATOR_TOKEN="$operator_token" \
  "$venv/bin/pytest" -q -p no:cacheprovider Tests/browser || status=$?
echo "screenshots: $shots"
[ $status -eq 0 ] || { echo "server log:"; tail -n 50 "$work/server.log"; }
exit $status
