#!/usr/bin/env bash
# Runs Glewlwyd (Debian's package, an independent OpenID provider) for the federation suite:
#   Tests/federation/glewlwyd.sh start DIR PORT   -> a fresh SQLite database, an RSA key, the server
#                                                    on 127.0.0.1:PORT; its pid in DIR/glewlwyd.pid
#   Tests/federation/glewlwyd.sh stop DIR
# Its OpenID Connect plugin, scopes, client and user are set up over its admin API by
# glewlwyd_setup.py.
set -euo pipefail
action=${1:?usage: glewlwyd.sh start DIR PORT | stop DIR}
dir=${2:?usage: glewlwyd.sh start DIR PORT | stop DIR}

case "$action" in
start)
  port=${3:?usage: glewlwyd.sh start DIR PORT}
  if [ ! -x /usr/bin/glewlwyd ] || ! command -v sqlite3 >/dev/null; then
    echo "installing Glewlwyd from Debian's packages" >&2
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q glewlwyd sqlite3) >&2
  fi
  mkdir -p "$dir"
  zcat /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz | sqlite3 "$dir/glewlwyd.db"
  openssl genrsa -out "$dir/key.pem" 2048 2>/dev/null
  openssl rsa -in "$dir/key.pem" -pubout -out "$dir/public.pem" 2>/dev/null
  # external_url without a trailing slash, or discovery lists its endpoints with two.
  cat >"$dir/glewlwyd.conf" <<CONF
port=$port
bind_address="127.0.0.1"
external_url="http://127.0.0.1:$port"
login_url="login.html"
api_prefix="api"
log_mode="file"
log_level="WARNING"
log_file="$dir/glewlwyd.log"
cookie_secure=0
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database={
  type="sqlite3"
  path="$dir/glewlwyd.db"
};
CONF
  /usr/bin/glewlwyd -c "$dir/glewlwyd.conf" >"$dir/stdout.log" 2>&1 &
  echo $! >"$dir/glewlwyd.pid"
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/api/profile/" && exit 0
    sleep 0.1
  done
  echo "Glewlwyd never answered on port $port" >&2
  cat "$dir/stdout.log" "$dir/glewlwyd.log" >&2 2>/dev/null || true
  exit 1
  ;;
stop)
  [ -f "$dir/glewlwyd.pid" ] && kill "$(cat "$dir/glewlwyd.pid")" 2>/dev/null || true
  ;;
*)
  echo "usage: glewlwyd.sh start DIR PORT | stop DIR" >&2
  exit 2
  ;;
esac
