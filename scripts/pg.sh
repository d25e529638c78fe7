#!/bin/sh
# Start/stop a throwaway PostgreSQL cluster for tests, listening on loopback only.
#
# usage: PGDATA_DIR=/scratch/dir PGPORT=5434 sh scripts/pg.sh start|stop|status
#
# Run as root (the server is run as the `postgres` user via runuser) or as the
# postgres user itself. The parent directories of PGDATA_DIR must be traversable
# by `postgres` (e.g. `chmod 755` a mktemp -d directory). Authentication is
# `trust` and durability is switched off: never use this for real data.
set -eu

PGBIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "pg.sh: no PostgreSQL server found under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
  exit 1
fi
DATA=${PGDATA_DIR:?set PGDATA_DIR to a scratch dir}
case "$DATA" in /*) ;; *) DATA="$(pwd)/$DATA" ;; esac
PORT=${PGPORT:-5434}

# As root, run as `postgres` from / (the caller's cwd may not be readable by postgres).
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

case "${1:-}" in
start)
  if [ ! -s "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DATA"; fi
    chmod 700 "$DATA"
    as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start
  ;;
stop)   as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop ;;
status) as_pg "$PGBIN/pg_ctl" -D "$DATA" status ;;
*) echo "usage: PGDATA_DIR=dir [PGPORT=5434] $0 start|stop|status" >&2; exit 2 ;;
esac
