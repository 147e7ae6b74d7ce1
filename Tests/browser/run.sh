#!/usr/bin/env bash
# Browser tests of the Seller Dashboard and of the users' sign-in, consent and account pages: a real headless Chromium driven by Selenium against a
# running `latchkey serve`. Installs Chromium and its driver (Debian) and the suites' Python packages
# (Tests/support) when missing. Prints where the screenshots are.
#
#   Tests/browser/run.sh            (from the project root; uses the debug build)
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  echo "installing chromium and chromium-driver" >&2
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver) >/dev/null
fi
. Tests/support/suite.sh
python=$(suite_python)
bin=$(suite_build latchkey)/latchkey
work=$(mktemp -d)
on_exit 'rm -rf "$work"'
shots=${LATCHKEY_SCREENSHOTS:-$PWD/.build/dashboard-screenshots}
rm -rf "$shots" && mkdir -p "$shots"
port=$(free_port)
export LATCHKEY_DATA_DIR="$work/data" LATCHKEY_PORT=$port LATCHKEY_BCRYPT_COST=4 LATCHKEY_LOG_LEVEL=warning LATCHKEY_ALLOW_LOOPBACK_CALLBACKS=true

operator_token=$(suite_operator "$bin" reviewer@platform.example "Platform review")
suite_serve "$bin" "$work/server.log"

status=0
LATCHKEY_URL="http://127.0.0.1:$port" LATCHKEY_SCREENSHOTS="$shots" \
  OPERATOR_EMAIL=reviewer@platform.example OPERATOR_PASSWORD="operator password" OPERATOR_TOKEN="$operator_token" \
  "$python" -m pytest -q -p no:cacheprovider Tests/browser || status=$?
echo "screenshots: $shots"
[ $status -eq 0 ] || { echo "server log:"; tail -n 50 "$work/server.log"; }
exit $status
