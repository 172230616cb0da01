#!/usr/bin/env bash
# Starts or stops the moto_server (an S3 protocol server) the Storage tests run against,
# on 127.0.0.1 only, in the background (pid in .data/test-moto.pid, log in .data/test-moto.log).
# Usage: scripts/test-moto.sh start|stop|url
# The port is TEST_MOTO_PORT (default 25440), or the next free one if that is taken; the
# chosen port is kept in .data/test-moto.port for `url`. Both commands are idempotent.
# TEST_MOTO_INSTANCE (default test-moto) names a separate instance: the signature test switches
# moto's authentication on, which must not race the other S3 tests on a shared server.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA="$ROOT/.data"
INSTANCE="${TEST_MOTO_INSTANCE:-test-moto}"
PID_FILE="$DATA/$INSTANCE.pid"
PORT_FILE="$DATA/$INSTANCE.port"
LOG="$DATA/$INSTANCE.log"

# The set-up script installs moto[server] into .deps/venv; a developer's own one will do too.
moto_bin() {
  if [ -x "$ROOT/.deps/venv/bin/moto_server" ]; then echo "$ROOT/.deps/venv/bin/moto_server"
  elif command -v moto_server >/dev/null; then command -v moto_server
  else echo "moto_server not found: run scripts/setup.sh (or pip install 'moto[server]==5.2.1')" >&2; return 1
  fi
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Our moto is alive: the recorded pid exists and is a moto_server (not a recycled pid).
running() {
  [ -f "$PID_FILE" ] || return 1
  local pid; pid=$(cat "$PID_FILE")
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q moto_server
}
# moto answers its own API with 200 once it is serving.
answers() {
  local status
  status=$( { exec 3<>"/dev/tcp/127.0.0.1/$1" \
    && printf 'GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 \
    && timeout 5 head -c 12 <&3; } 2>/dev/null) || return 1
  [[ "$status" == HTTP/1.?" 200" ]]
}

case "${1:-}" in
  start)
    if running && answers "$(cat "$PORT_FILE" 2>/dev/null || echo 0)"; then
      echo "test moto_server already running" >&2
      exit 0
    fi
    bin=$(moto_bin)
    mkdir -p "$DATA"
    if [ -f "$PID_FILE" ] && running; then kill "$(cat "$PID_FILE")" 2>/dev/null || true; fi
    port="${TEST_MOTO_PORT:-25440}"
    while port_busy "$port"; do port=$((port + 1)); done
    echo "$port" >"$PORT_FILE"
    # setsid: the server outlives the shell (and the make job) that started it.
    setsid "$bin" -H 127.0.0.1 -p "$port" >"$LOG" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
    for _ in $(seq 1 120); do
      if answers "$port"; then exit 0; fi
      if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
        echo "moto_server exited during start-up:" >&2; tail -20 "$LOG" >&2; rm -f "$PID_FILE"; exit 1
      fi
      sleep 0.5
    done
    echo "moto_server did not answer on port $port within 60 s:" >&2; tail -20 "$LOG" >&2
    exit 1
    ;;
  stop)
    if running; then
      pid=$(cat "$PID_FILE")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    ;;
  url)
    echo "http://127.0.0.1:$(cat "$PORT_FILE" 2>/dev/null || echo "${TEST_MOTO_PORT:-25440}")"
    ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
