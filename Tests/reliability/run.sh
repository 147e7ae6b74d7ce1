#!/usr/bin/env bash
# The suites that attack Latchkey, against `latchkey serve` (debug build, SQLite):
#   1. schemathesis run --checks all, every phase (examples, coverage, fuzzing, stateful), against
#      the served OpenAPI document, as an operator;
#   2. the protocol fuzz generator (fuzz_protocol.py) on the token, authorize, introspection,
#      revocation, userinfo, ACS and revocation-feed endpoints;
#   3. the at-rest scan (at_rest.py) of the data directory after driving every kind of secret, and
#      of a dump of a PostgreSQL database when LATCHKEY_TEST_POSTGRES_URL names one;
#   4. crash safety (crash_safety.py): SIGKILL under write load, restart, check — on SQLite, and on
#      PostgreSQL when LATCHKEY_TEST_POSTGRES_URL names a database (a sibling database is made);
#   5. generated inputs to every parser of untrusted text in the server and both kits
#      (ParserFuzzTests: signature headers, context tokens, Bearer and Basic headers, form bodies,
#      ACS principals, JWT segments): no crash, no hang.
# Short form by default (CI, a few minutes); RELIABILITY_LONG=1 runs the long form whose figures
# docs/reliability.md reports (≥ 10,000 schemathesis cases, 20,000 fuzz cases, 50 kills each,
# 100,000 inputs per parser). The seed is printed; RELIABILITY_SEED=N replays a run.
#
#   Tests/reliability/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

. Tests/support/suite.sh
python=$(suite_python)
venv=$(dirname "$(dirname "$python")")

if [ "${RELIABILITY_LONG:-0}" = 1 ]; then
  examples=300; fuzz=20000; kills=50; parsers=100000
else
  examples=8; fuzz=3000; kills=3; parsers=10000
fi
seed=${RELIABILITY_SEED:-$RANDOM}

bin=$(suite_build latchkey)
work=$(mktemp -d)
on_exit 'rm -rf "$work"'
port=$(free_port)
# The suites send thousands of sign-ins and token requests from one address: no rate limits.
export LATCHKEY_DATA_DIR="$work/data" LATCHKEY_PORT=$port LATCHKEY_BCRYPT_COST=4 LATCHKEY_LOG_LEVEL=warning \
  LATCHKEY_RATE_TOKENS_PER_CLIENT=0 LATCHKEY_RATE_TOKENS_PER_IP=0 LATCHKEY_RATE_SIGNINS_PER_ACCOUNT=0 LATCHKEY_RATE_SIGNINS_PER_IP=0 \
  LATCHKEY_RATE_CHECKS_PER_CLIENT=0 LATCHKEY_RATE_CHECKS_PER_IP=0
operator=$(suite_operator "$bin/latchkey" ops@platform.example "Platform operations")
suite_serve "$bin/latchkey" "$work/server.log"
base="http://127.0.0.1:$port"
status=0

echo "== schemathesis --checks all (max $examples examples per operation, seed $seed)"
# Two operations revoke the token the run authenticates with (all of the seller's, the current
# one); revoking one by id stays in. Their own tests are in SellerRoutesTests and HardeningTests.
(cd "$work" && "$venv/bin/schemathesis" run "$base/api/v1/openapi.json" --checks all -H "Authorization: Bearer $operator" \
  --max-examples "$examples" --seed "$seed" --exclude-operation-id revokeAllTokens --exclude-operation-id revokeCurrentToken \
  --no-color 2>&1 | tee "$work/schemathesis.log" | tail -n 25) || status=1

echo "== protocol fuzz generator ($fuzz cases, seed $seed)"
"$venv/bin/python" Tests/reliability/fuzz_protocol.py "$base" "$operator" "$fuzz" "$seed" || status=1

echo "== at rest, SQLite"
"$venv/bin/python" Tests/reliability/at_rest.py "$base" "$operator" "$work/data" || status=1
if [ -n "${LATCHKEY_TEST_POSTGRES_URL:-}" ]; then
  echo "== at rest, PostgreSQL"
  rest_db="latchkey_rest_$seed"
  rest_url="${LATCHKEY_TEST_POSTGRES_URL%/*}/$rest_db"
  psql "$LATCHKEY_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $rest_db" -c "CREATE DATABASE $rest_db"
  rest_port=$(free_port)
  rest_key=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
  rest_operator=$(echo "operator password" | LATCHKEY_DATABASE_URL="$rest_url" LATCHKEY_MASTER_KEY="$rest_key" "$bin/latchkey" operators create \
    --email ops@platform.example --display-name "Platform operations" --password-stdin | sed -n 's/^API token (shown once): //p')
  LATCHKEY_DATABASE_URL="$rest_url" LATCHKEY_MASTER_KEY="$rest_key" LATCHKEY_PORT=$rest_port LATCHKEY_DATA_DIR="$work/rest-data" \
    "$bin/latchkey" serve >"$work/rest-server.log" 2>&1 &
  rest_server=$!
  wait_for "http://127.0.0.1:$rest_port/healthz"
  mkdir -p "$work/rest-data"
  "$venv/bin/python" Tests/reliability/at_rest.py "http://127.0.0.1:$rest_port" "$rest_operator" "$work/rest-data" "$rest_url" || status=1
  kill $rest_server 2>/dev/null || true; wait $rest_server 2>/dev/null || true
  psql "$LATCHKEY_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $rest_db" || true
fi

echo "== crash safety, SQLite ($kills kills)"
"$venv/bin/python" Tests/reliability/crash_safety.py "$bin/latchkey" "$kills" "$seed" || status=1
if [ -n "${LATCHKEY_TEST_POSTGRES_URL:-}" ]; then
  echo "== crash safety, PostgreSQL ($kills kills)"
  crash_db="latchkey_crash_$seed"
  psql "$LATCHKEY_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $crash_db" -c "CREATE DATABASE $crash_db"
  "$venv/bin/python" Tests/reliability/crash_safety.py "$bin/latchkey" "$kills" "$seed" "${LATCHKEY_TEST_POSTGRES_URL%/*}/$crash_db" || status=1
  psql "$LATCHKEY_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $crash_db" || true
else
  echo "(PostgreSQL crash safety skipped: set LATCHKEY_TEST_POSTGRES_URL)"
fi
echo "== parsers of untrusted text ($parsers inputs each, seed $seed)"
swift build --build-tests >&2
LATCHKEY_FUZZ_CASES=$parsers LATCHKEY_FUZZ_SEED=$seed swift test --skip-build --filter ParserFuzzTests 2>&1 | grep -E '^fuzz |Test run|✘' || status=1
if grep -q '"level":"error"\|"level":"critical"' "$work/server.log"; then
  echo "server logged errors:"; grep '"level":"error"\|"level":"critical"' "$work/server.log" | head -n 20; status=1
fi
[ $status -eq 0 ] || echo "replay this run: RELIABILITY_SEED=$seed Tests/reliability/run.sh$([ "${RELIABILITY_LONG:-0}" = 1 ] && echo ' (with RELIABILITY_LONG=1)')"
exit $status
