#!/usr/bin/env bash
# Interoperability with independent clients: Authlib's OAuth 2.0 client runs the whole
# authorization-code + PKCE flow against `latchkey serve` (sign-in and consent forms posted over
# HTTP), joserfc validates the ID token against the JWK Set found through discovery, and the
# tokens call the example Calendar API, which validates them with LatchkeyResourceKit; and
# office365-rest-python-client, a client of the seed's system, reads the tenant site's title through
# the ACS profile (realm discovery, the realm token endpoint, app-only token); PyJWT validates
# context tokens of launches as that system's clients do, their refresh tokens buy user+app
# tokens, and the example TripCalendar app, launched by Latchkey, shows the user's trips; and
# prometheus_client's own parser reads /metrics.
# The Python packages come from Tests/support (one virtual environment for every suite).
#
#   Tests/interop/run.sh            (from the project root; uses the debug build)
set -euo pipefail
cd "$(dirname "$0")/../.."

. Tests/support/suite.sh
python=$(suite_python)
bin=$(suite_build latchkey CalendarAPI TripCalendar)
work=$(mktemp -d)
on_exit 'rm -rf "$work"'
port=$(free_port)
calendar_port=$(free_port)
trip_port=$(free_port)
export LATCHKEY_DATA_DIR="$work/data" LATCHKEY_PORT=$port LATCHKEY_BCRYPT_COST=4 LATCHKEY_LOG_LEVEL=warning
# The events test receives deliveries on this machine.
export LATCHKEY_ALLOW_LOOPBACK_CALLBACKS=true
# Launches tell apps the tenant's site: the Calendar API answers as it.
export LATCHKEY_SITE_URL="http://127.0.0.1:$calendar_port/sites/{realm}"

operator_token=$(suite_operator "$bin/latchkey" ops@platform.example "Platform operations")
suite_serve "$bin/latchkey" "$work/server.log"

# The Calendar API introspects with a Client ID of its own, so that revocation stops it at once.
"$python" Tests/interop/resource_server_client.py "http://127.0.0.1:$port" "$operator_token" > "$work/rs.env"
# shellcheck disable=SC1091
. "$work/rs.env"
LATCHKEY_ISSUER="http://127.0.0.1:$port" CALENDAR_PORT=$calendar_port CALENDAR_REALM=$RS_REALM CALENDAR_SITE_TITLE="Fabrikam trips" \
  CALENDAR_INTROSPECTION_CLIENT_ID=$RS_CLIENT_ID CALENDAR_INTROSPECTION_CLIENT_SECRET=$RS_CLIENT_SECRET \
  suite_background "$work/calendar.log" "$bin/CalendarAPI"
wait_for "http://127.0.0.1:$calendar_port/healthz"

# The seed's example app, registered at http://localhost:$trip_port/launch and installed in the
# tenant, with a user to open it.
"$python" Tests/interop/trip_calendar_app.py "http://127.0.0.1:$port" "$operator_token" "$RS_REALM" "$trip_port" > "$work/trip.env"
# shellcheck disable=SC1091
. "$work/trip.env"
LATCHKEY_ISSUER="http://127.0.0.1:$port" TRIP_PORT=$trip_port TRIP_CLIENT_ID=$TRIP_CLIENT_ID TRIP_CLIENT_SECRETS=$TRIP_CLIENT_SECRET \
  suite_background "$work/trip.log" "$bin/TripCalendar"
wait_for "http://127.0.0.1:$trip_port/healthz"

status=0
LATCHKEY_URL="http://127.0.0.1:$port" CALENDAR_URL="http://127.0.0.1:$calendar_port" OPERATOR_TOKEN="$operator_token" CALENDAR_REALM=$RS_REALM \
  TRIP_URL="http://localhost:$trip_port" TRIP_CLIENT_ID=$TRIP_CLIENT_ID TRIP_CLIENT_SECRET=$TRIP_CLIENT_SECRET TRIP_APP_ID=$TRIP_APP_ID \
  TRIP_USER_EMAIL=$TRIP_USER_EMAIL TRIP_USER_PASSWORD="$TRIP_USER_PASSWORD" \
  AUTHLIB_INSECURE_TRANSPORT=1 NO_PROXY=127.0.0.1,localhost \
  "$python" -m pytest -q -p no:cacheprovider Tests/interop || status=$?
[ $status -eq 0 ] || { echo "server log:"; tail -n 50 "$work/server.log"; echo "calendar log:"; tail -n 20 "$work/calendar.log"; echo "trip calendar log:"; tail -n 20 "$work/trip.log"; }
exit $status
