#!/bin/bash
# Like the postgres image's entrypoint, reduced: on an empty PGDATA, initdb
# and a POSTGRES_USER with POSTGRES_PASSWORD owning POSTGRES_DB; then the
# server in the foreground on PGPORT (listening on PGLISTEN).
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data/pgdata}" "${PGPORT:=5432}" "${PGLISTEN:=*}"
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
export PGDATA PGPORT
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$(dirname "$PGDATA")" /run/postgresql
chmod 700 "$PGDATA"
as_pg() { runuser -u postgres -- "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp); printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"; chown postgres "$pwfile"
  as_pg initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  as_pg pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p $PGPORT" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    as_pg psql -q -p "$PGPORT" -U "$POSTGRES_USER" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  as_pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres-entrypoint: initialised $PGDATA (database $POSTGRES_DB, user $POSTGRES_USER)"
fi
exec runuser -u postgres -- postgres -D "$PGDATA" -p "$PGPORT" -c "listen_addresses=$PGLISTEN"
