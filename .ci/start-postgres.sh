#!/usr/bin/env bash
# Start a throw-away PostgreSQL for the monitor's store tests and print the URL to use.
#
#   eval "$(.ci/start-postgres.sh)"     # sets RAI_TEST_POSTGRES_URL
#
# Works on a fresh Debian 12 machine as root with no input: installs Debian's postgresql
# package when no server binaries are found, then runs a private cluster (not the system
# one) in $RAI_PG_DIR on 127.0.0.1:$RAI_PG_PORT as the unprivileged `postgres` user (or as
# the calling user when not root). Re-running reuses a cluster that is already up.
# Only the `export ...` line goes to stdout; everything else goes to stderr.
set -euo pipefail

PGDIR="${RAI_PG_DIR:-/tmp/rai-postgres}"
PORT="${RAI_PG_PORT:-55432}"
DB="${RAI_PG_DB:-rai_test}"
ROLE="${RAI_PG_ROLE:-rai}"

log() { echo "start-postgres: $*" >&2; }

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"; return 0
  fi
  return 1
}

if ! BINDIR="$(find_bindir)"; then
  log "no PostgreSQL server found; installing Debian's postgresql package"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    log "need root (or sudo) to install postgresql"; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  # the package's own cluster is not needed; keep it from starting where policy allows
  $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
  BINDIR="$(find_bindir)" || { log "postgresql installed but initdb / pg_ctl not found"; exit 1; }
fi
log "using $BINDIR"

# who runs the server: never root
if [ "$(id -u)" -eq 0 ]; then
  RUNAS="postgres"
  if ! id "$RUNAS" >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash "$RUNAS" >&2
  fi
  as_user() { runuser -u "$RUNAS" -- "$@"; }
else
  RUNAS="$(id -un)"
  as_user() { "$@"; }
fi

mkdir -p "$PGDIR"
if [ "$(id -u)" -eq 0 ]; then chown "$RUNAS" "$PGDIR"; fi
chmod 700 "$PGDIR"
DATA="$PGDIR/data"
LOGFILE="$PGDIR/server.log"

if [ ! -s "$DATA/PG_VERSION" ]; then
  log "initdb in $DATA"
  as_user "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2 2>&1 \
    || as_user "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C >&2
fi

if as_user "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "cluster already running in $DATA"
else
  log "starting on 127.0.0.1:$PORT"
  as_user "$BINDIR/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 \
    -o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2 \
    || { log "server did not start; last log lines:"; tail -n 30 "$LOGFILE" >&2 || true; exit 1; }
fi

PSQL=("$BINDIR/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
for i in $(seq 1 30); do
  if as_user "${PSQL[@]}" -c "select 1" >/dev/null 2>&1; then break; fi
  sleep 1
done
if ! as_user "${PSQL[@]}" -tc "select 1 from pg_roles where rolname = '$ROLE'" | grep -q 1; then
  as_user "${PSQL[@]}" -c "create role \"$ROLE\" login createdb" >&2
fi
if ! as_user "${PSQL[@]}" -tc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
  as_user "${PSQL[@]}" -c "create database \"$DB\" owner \"$ROLE\"" >&2
fi
log "database $DB ready (role $ROLE, trust auth on loopback only)"
echo "export RAI_TEST_POSTGRES_URL=postgresql+psycopg://$ROLE@127.0.0.1:$PORT/$DB"
