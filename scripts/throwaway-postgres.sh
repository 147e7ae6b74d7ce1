#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for tests and benchmarks.
#   scripts/throwaway-postgres.sh start DIR   -> prints a postgres:// URL on stdout
#   scripts/throwaway-postgres.sh stop DIR
# Installs Debian's postgresql package when no server is found. Runs the server as the
# postgres user when started as root (initdb refuses root), listening on 127.0.0.1 only.
set -euo pipefail
action=${1:?usage: throwaway-postgres.sh start|stop DIR}
dir=${2:?usage: throwaway-postgres.sh start|stop DIR}

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$found" ]; then
    echo "installing PostgreSQL from Debian's packages" >&2
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql) >&2
    found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$found"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
  bin=$(bindir)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" --auth=trust --username=latchkey -E UTF8 >/dev/null
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U latchkey latchkey
  echo "postgres://latchkey@127.0.0.1:$port/latchkey"
  ;;
stop)
  bin=$(bindir)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
  ;;
*)
  echo "usage: throwaway-postgres.sh start|stop DIR" >&2
  exit 2
  ;;
esac
