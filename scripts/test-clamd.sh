#!/usr/bin/env bash
# Starts or stops the throw-away clamd the Scanning tests run against (.data/clamd).
# Usage: scripts/test-clamd.sh start|stop|socket
# Needs only `apt-get install clamav-daemon clamdscan`: no freshclam, no systemd. The database is
# one custom EICAR signature, because official signatures cannot be downloaded here.
# Listens on .data/clamd/clamd.sock and on 127.0.0.1:TEST_CLAMD_PORT (default 25450, or the next
# free port); the chosen port is kept in .data/clamd/tcp.port.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$(pwd)/.data/clamd"
CONF="$DIR/clamd.conf"
PID_FILE="$DIR/clamd.pid"
PORT_FILE="$DIR/tcp.port"
SOCK="$DIR/clamd.sock"
CLAMD="${CLAMD:-$(command -v clamd || echo /usr/sbin/clamd)}"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# The recorded pid is alive and still clamd (not a reused pid).
running() { [ -f "$PID_FILE" ] && [ "$(cat "/proc/$(cat "$PID_FILE")/comm" 2>/dev/null)" = clamd ]; }

# PING over TCP in plain bash (in a subshell, so a refused connection cannot end the script).
ping_tcp() (
  exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
  printf 'zPING\0' >&3
  IFS= read -r -d '' -t 2 reply <&3 || true
  [ "${reply:-}" = PONG ]
)
ready() { [ -S "$SOCK" ] && ping_tcp "$(cat "$PORT_FILE")" 2>/dev/null; }

write_config() {
  mkdir -p "$DIR/db" "$DIR/tmp"
  # The EICAR test file as a whole-stream hash (.hdb) and as a body signature at any offset (.ndb),
  # the same two files the compose stand-in's clamd loads.
  cp deploy/stand-ins/clamav/test-signatures/eicar.hdb deploy/stand-ins/clamav/test-signatures/eicar.ndb "$DIR/db/"
  # No `User` line: clamd runs as whoever starts it (root is accepted), so the socket is
  # always reachable by the test process that started it.
  cat > "$CONF" <<EOF
Foreground yes
LocalSocket $SOCK
LocalSocketMode 660
FixStaleSocket yes
TCPSocket $1
TCPAddr 127.0.0.1
DatabaseDirectory $DIR/db
TemporaryDirectory $DIR/tmp
LogFile $DIR/clamd.log
LogTime yes
SelfCheck 0
MaxThreads 4
StreamMaxLength 25M
MaxFileSize 25M
MaxScanSize 100M
# Generous: on a starved machine (make test-stress, a parallel build) a test client may take
# seconds between connecting and sending its command; clamd's 10 s default answered "COMMAND
# READ TIMED OUT" to a whole suite's worth of scans once.
ReadTimeout 120
CommandReadTimeout 120
EOF
}

case "${1:-}" in
  start)
    [ -x "$CLAMD" ] || { echo "clamd not found: apt-get install clamav-daemon clamdscan" >&2; exit 1; }
    if running; then
      ready || { echo "clamd (pid $(cat "$PID_FILE")) is running but does not answer PING" >&2; exit 1; }
      echo "test clamd already running" >&2
      exit 0
    fi
    port="${TEST_CLAMD_PORT:-25450}"
    while port_busy "$port"; do port=$((port + 1)); done
    write_config "$port"
    echo "$port" > "$PORT_FILE"
    nohup "$CLAMD" --config-file="$CONF" >>"$DIR/clamd.out" 2>&1 </dev/null &
    echo $! > "$PID_FILE"
    for _ in $(seq 1 600); do  # up to 60 s: a full official database would take this long
      if ready; then exit 0; fi
      # The process itself, not its name: until nohup has exec'd clamd it is still called
      # nohup, and a busy machine once caught it there and called the start a failure.
      if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
        echo "clamd exited during start-up:" >&2
        tail -20 "$DIR/clamd.out" "$DIR/clamd.log" >&2 2>/dev/null || true
        rm -f "$PID_FILE"
        exit 1
      fi
      sleep 0.1
    done
    echo "clamd did not answer PING within 60 s" >&2
    tail -20 "$DIR/clamd.log" >&2 2>/dev/null || true
    exit 1
    ;;
  stop)
    if running; then
      pid=$(cat "$PID_FILE")
      kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    ;;
  socket)
    echo "$SOCK"
    ;;
  *) echo "usage: $0 start|stop|socket" >&2; exit 2 ;;
esac
