#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests: `cluster.sh start DIR` creates and starts one in
# DIR (listening only on a Unix socket in DIR, no TCP) and prints its connection URL;
# `cluster.sh stop DIR` stops it and removes DIR; `pause DIR` and `resume DIR` stop and start
# it again, data kept (a database that goes away and comes back). As root, the cluster runs as the unprivileged
# user `postgres` (Debian's package creates it), since PostgreSQL refuses to run as root.
set -euo pipefail
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# Tests need no durability against power loss (fsync off); benchmarks set PG_FSYNC=on.
FSYNC=${PG_FSYNC:-off}
cmd=${1:?usage: cluster.sh start|stop|pause|resume DIR}
dir=${2:?usage: cluster.sh start|stop DIR}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    [ -x "$BIN/initdb" ] || { echo "no PostgreSQL 15 in $BIN (Debian: postgresql-15)" >&2; exit 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # A start that fails half-way leaves no server running and nothing behind.
    trap 'as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate stop > /dev/null 2>&1 || true;
          rm -rf "$dir"' ERR
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    chmod 700 "$dir"
    as_owner "$BIN/initdb" -D "$dir/data" -U memoryd --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=$FSYNC \
          -c synchronous_commit=on -c max_connections=200 -c shared_buffers=128MB" > /dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$BIN/createdb" -h "$dir" -U memoryd memoryd
    echo "postgresql://memoryd@/memoryd?host=$dir"
    ;;
  pause)
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null
    ;;
  resume)
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=$FSYNC \
          -c max_connections=200" > /dev/null
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: cluster.sh start|stop|pause|resume DIR" >&2; exit 2 ;;
esac
