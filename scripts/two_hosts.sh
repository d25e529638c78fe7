#!/usr/bin/env bash
# The Hub on two hosts, on this machine: two gunicorn instances ("host A" and "host B", each with its
# own instance folders), two workers (`flask run-worker`), one throwaway PostgreSQL (scripts/pg.sh),
# one Redis (Debian's redis-server) for login limits, one S3-compatible server on loopback (moto's
# server mode) for uploads and for the overlap index's generations (published there by the workers;
# each host keeps its own copy), one SMTP server on loopback (tests/twohost/smtp_sink.py, which records
# what it accepts and can be told to refuse) that the workers send the outbox's e-mails to. Then runs
# tests/twohost against them, and stops everything it started, by PID.
#
# usage: bash scripts/two_hosts.sh [pytest arguments]      (from the repository root or anywhere)
# needs: .venv with requirements-dev.txt, PostgreSQL's initdb, redis-server (apt-get install redis-server)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${VENV_BIN:-$ROOT/.venv/bin}
PY=$BIN/python
# Host A runs two gunicorn workers (three processes count sign-ins: the limit must hold over all of them).
# Host B runs one: the test warms it before timing how soon it sees a pledge saved on A (a worker's
# first overlap query loads the sentence model, ~2 s here: a start-up cost, not what is measured).
WEB_WORKERS_A=${TWO_HOSTS_WEB_WORKERS_A:-2}
WEB_WORKERS_B=${TWO_HOSTS_WEB_WORKERS_B:-1}

for tool in redis-server psql; do
  command -v "$tool" >/dev/null || { echo "two_hosts.sh: $tool is missing (apt-get install redis-server postgresql)" >&2; exit 1; }
done

# The scratch dir lives directly under /tmp so that `postgres` can traverse its parents.
SCRATCH=$(mktemp -d /tmp/hub-two-hosts.XXXXXX)
chmod 755 "$SCRATCH"
PIDS=()          # workers, the S3 and SMTP servers (started by this script, stopped by PID)
WORKER_PIDS=()   # the two workers, for the test that SIGKILLs one
PG_STARTED=0

stop_pidfile() { [ -s "$1" ] && kill "$(cat "$1")" 2>/dev/null || true; }

cleanup() {
  rc=$?
  trap - EXIT INT TERM
  stop_pidfile "$SCRATCH/host-a/gunicorn.pid"
  stop_pidfile "$SCRATCH/host-b/gunicorn.pid"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_pidfile "$SCRATCH/redis.pid"
  if [ "$PG_STARTED" = 1 ]; then
    PGDATA_DIR="$SCRATCH/pg" sh scripts/pg.sh stop >/dev/null 2>&1 || echo "warning: pg.sh stop failed" >&2
  fi
  if [ "$rc" != 0 ]; then
    for log in "$SCRATCH"/*/*.log "$SCRATCH"/*.log; do
      [ -f "$log" ] || continue
      echo "---- last lines of ${log#"$SCRATCH"/}" >&2
      tail -n 25 "$log" >&2
    done
  fi
  # wait for gunicorn to have left before removing its folders
  for pidfile in "$SCRATCH/host-a/gunicorn.pid" "$SCRATCH/host-b/gunicorn.pid"; do
    for _ in $(seq 50); do [ -e "$pidfile" ] || break; sleep 0.1; done
  done
  rm -rf "$SCRATCH"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free loopback ports, one per server.
read -r PGPORT REDIS_PORT S3_PORT PORT_A PORT_B SMTP_PORT SMTP_CONTROL_PORT < <("$PY" - <<'PY'
import socket
socks, ports = [], []
for _ in range(7):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
    ports.append(s.getsockname()[1])
for s in socks:
    s.close()
print(*ports)
PY
)

wait_for() {  # wait_for WHAT SECONDS COMMAND...: poll COMMAND until it succeeds, at most SECONDS
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then echo "two_hosts.sh: $what not up after ${seconds}s" >&2; return 1; fi
    sleep 0.2
  done
}

echo "== PostgreSQL on 127.0.0.1:$PGPORT"
PG_STARTED=1
PGDATA_DIR="$SCRATCH/pg" PGPORT=$PGPORT sh scripts/pg.sh start >/dev/null
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q -c 'create database hub'

echo "== Redis on 127.0.0.1:$REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$SCRATCH/redis.pid" \
  --dir "$SCRATCH" --save "" --appendonly no --logfile "$SCRATCH/redis.log"
wait_for "Redis" 20 "$PY" -c "import redis; redis.Redis(port=$REDIS_PORT).ping()"

echo "== S3-compatible server (moto) on 127.0.0.1:$S3_PORT"
"$PY" -m moto.server -H 127.0.0.1 -p "$S3_PORT" >"$SCRATCH/moto.log" 2>&1 &
PIDS+=($!)
wait_for "the S3 server" 30 "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$S3_PORT/', timeout=1)"

echo "== SMTP server (aiosmtpd) on 127.0.0.1:$SMTP_PORT, its control on :$SMTP_CONTROL_PORT"
"$PY" -m tests.twohost.smtp_sink --port "$SMTP_PORT" --control-port "$SMTP_CONTROL_PORT" >"$SCRATCH/smtp.log" 2>&1 &
PIDS+=($!)
wait_for "the SMTP server" 20 "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$SMTP_CONTROL_PORT/messages', timeout=1)"

KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
LINK_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
export HUB_ENV=development FLASK_APP=wsgi PYTHONUNBUFFERED=1
export SECRET_KEY=$KEY LINK_SECRET_KEY=$LINK_KEY   # the same on every host: signed cookies work on both
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/hub"
export RATELIMIT_STORAGE_URI="redis://127.0.0.1:$REDIS_PORT/0"
export TRUSTED_PROXIES=1                            # the tests play the load balancer (X-Forwarded-For)
export S3_BUCKET=hub-two-hosts S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" S3_REGION=us-east-1
export S3_ACCESS_KEY_ID=testing S3_SECRET_ACCESS_KEY=testing
export BASE_URL="http://127.0.0.1:$PORT_A"          # the load balancer's address
# The workers send e-mail by SMTP to the sink; a refused message is tried again after 1 s, 2 s, 4 s...
export MAIL_BACKEND=smtp MAIL_SERVER=127.0.0.1 MAIL_PORT=$SMTP_PORT OUTBOX_RETRY_SECONDS=1
"$PY" - <<'PY'
import os, boto3
boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name="us-east-1",
             aws_access_key_id="testing", aws_secret_access_key="testing").create_bucket(Bucket=os.environ["S3_BUCKET"])
PY

host_vars() {  # host_vars a|b: the host's own instance folders, as NAME=value words for env(1)
  local dir="$SCRATCH/host-$1"
  echo "UPLOAD_DIR=$dir/uploads MAIL_OUTBOX_DIR=$dir/outbox DEDUP_INDEX_DIR=$dir/dedup"
}
# shellcheck disable=SC2046  # (word splitting wanted; mktemp's names have no spaces)
host_env() { local h=$1; shift; env $(host_vars "$h") "$@"; }
mkdir -p "$SCRATCH/host-a/uploads" "$SCRATCH/host-b/uploads"

echo "== Migrate and seed the demo data"
host_env a "$BIN/flask" db upgrade >"$SCRATCH/host-a/migrate.log" 2>&1
host_env a "$BIN/flask" seed-demo >"$SCRATCH/host-a/seed.log" 2>&1

echo "== Two workers, two hosts (gunicorn -w $WEB_WORKERS_A on :$PORT_A, -w $WEB_WORKERS_B on :$PORT_B)"
for h in a b; do
  # env(1) execs flask: $! is the worker itself, not a subshell (a function run with & would be one,
  # and killing it would leave the worker running)
  # shellcheck disable=SC2046
  env $(host_vars "$h") "$BIN/flask" run-worker >"$SCRATCH/host-$h/worker.log" 2>&1 &
  PIDS+=($!)
  WORKER_PIDS+=($!)
done
host_env a "$BIN/gunicorn" -w "$WEB_WORKERS_A" -b "127.0.0.1:$PORT_A" --pid "$SCRATCH/host-a/gunicorn.pid" \
  --error-logfile "$SCRATCH/host-a/web.log" --daemon wsgi:app
host_env b "$BIN/gunicorn" -w "$WEB_WORKERS_B" -b "127.0.0.1:$PORT_B" --pid "$SCRATCH/host-b/gunicorn.pid" \
  --error-logfile "$SCRATCH/host-b/web.log" --daemon wsgi:app
for port in "$PORT_A" "$PORT_B"; do
  wait_for "the web server on :$port" 90 "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=2)"
done

echo "== tests/twohost"
TWO_HOSTS=1 HUB_A="http://127.0.0.1:$PORT_A" HUB_B="http://127.0.0.1:$PORT_B" \
  HUB_A_UPLOAD_DIR="$SCRATCH/host-a/uploads" HUB_B_UPLOAD_DIR="$SCRATCH/host-b/uploads" \
  HUB_B_INDEX_DIR="$SCRATCH/host-b/dedup" \
  SMTP_SINK="http://127.0.0.1:$SMTP_CONTROL_PORT" HUB_WORKER_PIDS="${WORKER_PIDS[*]}" \
  "$PY" -m pytest -n 0 -q -p no:randomly tests/twohost "$@"
