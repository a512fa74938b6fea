#!/usr/bin/env bash
# scripts/pg.sh start|migrate|stop|status|env — a private PostgreSQL 15 cluster
# on 127.0.0.1 with the WIG sync schema (sql/*.sql), and the PostgREST-compatible
# gateway `postrust` in front of it. Everything lives in .wig-pg/ (git-ignored;
# WIG_PG_DIR overrides it).
#
#   WIG_PG_PORT       PostgreSQL port (default 54329, or the next free one if another server holds it)
#   WIG_GATEWAY_PORT  gateway port (default 3300, likewise; `env` prints the ports in use)
#   WIG_JWT_SECRET    HS256 secret of the gateway (default: generated once into .wig-pg/jwt.secret)
#
# Works as root (the server runs as the `postgres` user via runuser) and as an
# ordinary user (the server runs as that user; apt-get goes through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${WIG_PG_DIR:-$ROOT/.wig-pg}
PG_BIN=/usr/lib/postgresql/15/bin
DB=wig
POSTRUST_VERSION=3.1.0
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [ "$(id -u)" = 0 ]; then
  SERVER_USER=postgres
  # From /: postgres may not be allowed into the caller's directory.
  as_server() { (cd / && runuser -u postgres -- "$@"); }
  as_root() { "$@"; }
  # The server runs as postgres, which must reach its data directory: a clone
  # under a private home (e.g. /root) is out of its reach.
  # (Checked as `nobody`: postgres, an ordinary user too, may not exist yet.)
  if [ -z "${WIG_PG_DIR:-}" ] && ! (cd / && runuser -u nobody -- test -x "$ROOT") 2>/dev/null; then
    DIR=/var/tmp/wig-pg-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)
  fi
else
  SERVER_USER=$(id -un)
  as_server() { "$@"; }
  as_root() { sudo "$@"; }
fi

DATA=$DIR/data
SOCK=$DIR/run
# Ports: the environment's if set; else the ones this cluster last started on
# (it may have moved off a default that another server held); else the defaults.
PG_PORT=${WIG_PG_PORT:-$(cat "$DIR/pg.port" 2>/dev/null || echo 54329)}
GW_PORT=${WIG_GATEWAY_PORT:-$(cat "$DIR/gateway.port" 2>/dev/null || echo 3300)}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# The first free port from $1 on (50 tries).
free_port() {
  local p=$1 _
  for _ in $(seq 1 50); do
    if ! port_busy "$p"; then echo "$p"; return 0; fi
    p=$((p + 1))
  done
  return 1
}

psql_super() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PG_PORT" -U postgres "$@"; }

random_secret() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 48; }

jwt_secret() {
  if [ -n "${WIG_JWT_SECRET:-}" ]; then printf '%s' "$WIG_JWT_SECRET"; return; fi
  [ -s "$DIR/jwt.secret" ] || (umask 077; random_secret > "$DIR/jwt.secret")
  cat "$DIR/jwt.secret"
}

install_tools() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    log "installing PostgreSQL 15 (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql \
      || { as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; }
  fi
  if ! command -v postrust >/dev/null 2>&1; then
    log "installing postrust-server $POSTRUST_VERSION (cargo install, about 7 minutes)"
    # No --locked: its lockfile pins crates this registry mirror lacks (TOOLCHAIN.md).
    cargo install postrust-server --version "$POSTRUST_VERSION"
  fi
}

pg_running() { [ -f "$DATA/PG_VERSION" ] && as_server "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start_postgres() {
  mkdir -p "$DIR"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA" "$SOCK"
    (umask 077; [ -s "$DIR/postgres.pw" ] || random_secret > "$DIR/postgres.pw")
    [ "$SERVER_USER" = postgres ] && chown -R postgres "$DIR"
    log "initdb $DATA"
    # Local socket (inside .wig-pg, not world-reachable): trust; TCP: passwords.
    as_server "$PG_BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile="$DIR/postgres.pw" -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  mkdir -p "$SOCK"
  [ "$SERVER_USER" = postgres ] && chown postgres "$SOCK" "$DIR"
  if ! pg_running; then
    if port_busy "$PG_PORT"; then
      # Another server (another checkout's cluster, say) holds it: a port given
      # in the environment is a promise, a default is not.
      [ -z "${WIG_PG_PORT:-}" ] || die "port $PG_PORT is taken by another server"
      PG_PORT=$(free_port $((PG_PORT + 1))) || die "no free port for PostgreSQL"
      log "default port taken; using $PG_PORT"
    fi
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_server "$PG_BIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $SOCK -c shared_buffers=256MB -c max_connections=100" \
      start >/dev/null
    echo "$PG_PORT" > "$DIR/pg.port"
  fi
  if [ "$(psql_super -d postgres -tAc "select 1 from pg_database where datname = '$DB'")" != 1 ]; then
    psql_super -d postgres -c "create database $DB"
  fi
}

migrate() {
  pg_running || die "PostgreSQL is not running (scripts/pg.sh start)"
  local f name sum done_sum applied=0
  for f in sql/[0-9]*.sql; do
    name=$(basename "$f")
    sum=$(sha256sum "$f" | cut -c1-64)
    done_sum=
    if [ "$(psql_super -d "$DB" -tAc "select to_regclass('wig.migrations') is not null")" = t ]; then
      done_sum=$(psql_super -d "$DB" -tAc "select checksum from wig.migrations where name = '$name'")
    fi
    if [ "$done_sum" = "$sum" ]; then continue; fi
    log "applying $name"
    psql_super -d "$DB" --single-transaction -f "$f"
    psql_super -d "$DB" -c "insert into wig.migrations (name, checksum) values ('$name', '$sum')
      on conflict (name) do update set checksum = excluded.checksum, applied_at = now()"
    applied=$((applied + 1))
  done
  # The gateway logs in as authenticator over TCP with this password.
  [ -s "$DIR/authenticator.pw" ] || (umask 077; random_secret > "$DIR/authenticator.pw")
  psql_super -d "$DB" -c "alter role authenticator password '$(cat "$DIR/authenticator.pw")'"
  log "migrations: $applied applied"
  if [ "$applied" -gt 0 ] && gateway_pid >/dev/null; then
    # The gateway keeps prepared statements per connection: after a function's
    # result type changed they fail with "cached plan must not change result
    # type" until it reconnects. A restart takes well under a second.
    log "restarting the gateway to drop its cached plans"
    stop_gateway
    start_gateway
  fi
}

gateway_pid() { [ -f "$DIR/postrust.pid" ] && kill -0 "$(cat "$DIR/postrust.pid")" 2>/dev/null && cat "$DIR/postrust.pid"; }

gateway_answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{}' "http://127.0.0.1:$GW_PORT/rpc/wig_pull" 2>/dev/null) || true
  [ -n "$code" ] && [ "$code" != 000 ]
}

start_gateway() {
  if gateway_pid >/dev/null; then return; fi
  if port_busy "$GW_PORT"; then
    [ -z "${WIG_GATEWAY_PORT:-}" ] || die "port $GW_PORT is taken by another server"
    GW_PORT=$(free_port $((GW_PORT + 1))) || die "no free port for the gateway"
    log "default gateway port taken; using $GW_PORT"
  fi
  echo "$GW_PORT" > "$DIR/gateway.port"
  log "starting postrust on 127.0.0.1:$GW_PORT"
  local secret
  secret=$(jwt_secret)
  (
    export PGRST_COMPAT_MODE=true \
      PGRST_DB_URI="postgres://authenticator:$(cat "$DIR/authenticator.pw")@127.0.0.1:$PG_PORT/$DB" \
      PGRST_DB_SCHEMAS=api PGRST_DB_ANON_ROLE=web_anon PGRST_JWT_SECRET="$secret" \
      PGRST_SERVER_HOST=127.0.0.1 PGRST_SERVER_PORT="$GW_PORT" PGRST_DB_POOL=10
    # postrust prefers a PORT/HOST from the environment (a hosting convention)
    # to PGRST_SERVER_PORT: `PORT=8091 scripts/demo.sh` put it on the web port.
    unset PORT HOST
    exec postrust >"$DIR/postrust.log" 2>&1 </dev/null
  ) &
  echo $! > "$DIR/postrust.pid"
  local i
  for i in $(seq 1 100); do
    if gateway_answers; then return; fi
    kill -0 "$(cat "$DIR/postrust.pid")" 2>/dev/null || { tail -20 "$DIR/postrust.log" >&2; die "postrust exited"; }
    sleep 0.1
  done
  tail -20 "$DIR/postrust.log" >&2
  die "postrust did not answer on port $GW_PORT within 10 s"
}

stop_gateway() {
  local pid
  if pid=$(gateway_pid); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    log "postrust stopped"
  fi
  rm -f "$DIR/postrust.pid"
}

stop_all() {
  stop_gateway
  if pg_running; then
    as_server "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    log "PostgreSQL stopped"
  fi
}

print_env() {
  [ -s "$DIR/postgres.pw" ] || die "no cluster yet (scripts/pg.sh start)"
  echo "export WIG_GATEWAY_URL=http://127.0.0.1:$GW_PORT"
  echo "export WIG_JWT_SECRET=$(jwt_secret)"
  echo "export WIG_PG_URL=postgres://postgres:$(cat "$DIR/postgres.pw")@127.0.0.1:$PG_PORT/$DB"
  echo "export WIG_PG_DIR=$DIR"
}

case "${1:-}" in
  start)
    install_tools
    start_postgres
    migrate
    start_gateway
    log "ready: PostgreSQL 127.0.0.1:$PG_PORT, gateway http://127.0.0.1:$GW_PORT"
    ;;
  migrate) migrate ;;
  stop) stop_all ;;
  status)
    if pg_running; then echo "postgres: running on 127.0.0.1:$PG_PORT"; else echo "postgres: stopped"; fi
    if pid=$(gateway_pid); then echo "gateway: running (pid $pid) on 127.0.0.1:$GW_PORT"; else echo "gateway: stopped"; fi
    pg_running && gateway_pid >/dev/null
    ;;
  env) print_env ;;
  *) echo "usage: scripts/pg.sh start|migrate|stop|status|env" >&2; exit 2 ;;
esac
