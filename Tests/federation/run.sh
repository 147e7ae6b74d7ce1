#!/usr/bin/env bash
# Federation with real OpenID providers (docs/federation.md): a second `latchkey serve` is the
# upstream provider of the first (chained federation) and Glewlwyd, an independent OpenID
# provider from Debian, is another tenant's; requests plays the user's browser across all of
# them, Authlib is the app's client at the downstream Latchkey, and PyJWT and joserfc check what
# it issues, down to a launch's context token.
#
#   Tests/federation/run.sh            (from the project root; uses the debug build)
set -euo pipefail
cd "$(dirname "$0")/../.."

. Tests/support/suite.sh
python=$(suite_python)
bin=$(suite_build latchkey)
work=$(mktemp -d)
on_exit 'rm -rf "$work"'
down_port=$(free_port)
up_port=$(free_port)
export LATCHKEY_BCRYPT_COST=4 LATCHKEY_LOG_LEVEL=warning
# Both providers are on this machine, over http: the development switch.
export LATCHKEY_ALLOW_LOOPBACK_CALLBACKS=true

# The upstream Latchkey, at 127.0.0.1; the downstream one at localhost (a browser keeps a cookie
# per host, not per port, so the two sessions stay apart as they would on two domains).
up_operator=$(LATCHKEY_DATA_DIR="$work/up" LATCHKEY_PORT=$up_port suite_operator "$bin/latchkey" ops@upstream.example "Upstream operations")
LATCHKEY_DATA_DIR="$work/up" LATCHKEY_PORT=$up_port LATCHKEY_PUBLIC_URL="http://127.0.0.1:$up_port" suite_serve "$bin/latchkey" "$work/up.log"
down_operator=$(LATCHKEY_DATA_DIR="$work/down" LATCHKEY_PORT=$down_port suite_operator "$bin/latchkey" ops@platform.example "Platform operations")
LATCHKEY_DATA_DIR="$work/down" LATCHKEY_PORT=$down_port LATCHKEY_PUBLIC_URL="http://localhost:$down_port" suite_serve "$bin/latchkey" "$work/down.log"

# Glewlwyd on 127.0.0.1, set up for the downstream Latchkey's callback.
glewlwyd_port=$(free_port)
Tests/federation/glewlwyd.sh start "$work/glewlwyd" "$glewlwyd_port"
on_exit "Tests/federation/glewlwyd.sh stop '$work/glewlwyd'"
"$python" Tests/federation/glewlwyd_setup.py "http://127.0.0.1:$glewlwyd_port" "http://localhost:$down_port/signin/federated/callback" \
  "$work/glewlwyd/key.pem" "$work/glewlwyd/public.pem" "glewlwyd-$glewlwyd_port.example" >"$work/glewlwyd.env"
# shellcheck disable=SC1091
. "$work/glewlwyd.env"

status=0
DOWN_URL="http://localhost:$down_port" DOWN_OPERATOR_TOKEN="$down_operator" UP_URL="http://127.0.0.1:$up_port" UP_OPERATOR_TOKEN="$up_operator" \
  GLEWLWYD_ISSUER="$GLEWLWYD_ISSUER" GLEWLWYD_CLIENT_ID="$GLEWLWYD_CLIENT_ID" GLEWLWYD_CLIENT_SECRET="$GLEWLWYD_CLIENT_SECRET" \
  GLEWLWYD_USER="$GLEWLWYD_USER" GLEWLWYD_PASSWORD="$GLEWLWYD_PASSWORD" GLEWLWYD_EMAIL="$GLEWLWYD_EMAIL" \
  AUTHLIB_INSECURE_TRANSPORT=1 NO_PROXY=127.0.0.1,localhost \
  "$python" -m pytest -q -p no:cacheprovider Tests/federation || status=$?
[ $status -eq 0 ] || { echo "downstream log:"; tail -n 40 "$work/down.log"; echo "upstream log:"; tail -n 20 "$work/up.log"; echo "glewlwyd log:"; tail -n 20 "$work/glewlwyd/glewlwyd.log" 2>/dev/null; }
exit $status
