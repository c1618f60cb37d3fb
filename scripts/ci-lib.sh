# Shared steps of the CI interoperability scripts (ci-kcat.sh, ci-python.sh): a work
# directory removed on exit, the processes they start stopped by PID, a standalone kfake
# broker and a bmpstream collector on kernel-picked loopback ports (read back from their
# logs), a capture replayed, and a SIGTERM drain that must report no lost record.
#
# Source it after setting NAME (the prefix of every message); it cds to the repository.
# shellcheck shell=bash
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BMP_TESTDATA="${BMP_TESTDATA:-$(cd .. && pwd)/shared/testdata}"
CAPTURE="${CAPTURE:-$BMP_TESTDATA/lab/frr84-mixed.bmp}"

fail() { echo "$NAME: FAIL: $*" >&2; exit 1; }

work="$(mktemp -d)"
kfake_pid=""
bmp_pid=""
cleanup() {
  # Only the processes this script started, by PID.
  [ -n "$bmp_pid" ] && kill "$bmp_pid" 2>/dev/null || true
  [ -n "$kfake_pid" ] && kill "$kfake_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP_WORK:-}" = "" ]; then rm -rf "$work"; else echo "$NAME: work dir kept: $work"; fi
}
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS: poll a log until PATTERN appears.
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "--- $1" >&2; cat "$1" >&2
  fail "timed out waiting for '$2' in $1"
}

# build: bin/bmpstream, bin/bmpreplay and the standalone kfake broker.
build() {
  echo "$NAME: building"
  make build >/dev/null
  go build -o "$work/kfakeserve" ./internal/tools/kfakeserve
}

# start_kfake: a broker on a free port; sets KAFKA (host:port).
start_kfake() {
  "$work/kfakeserve" --port 0 --data-dir "$work/kfake-data" >"$work/kfake.log" 2>&1 &
  kfake_pid=$!
  wait_for "$work/kfake.log" "listening on" 30
  KAFKA=$(sed -n 's/^kfakeserve: listening on \([^,]*\).*/\1/p' "$work/kfake.log" | head -1)
  [ -n "$KAFKA" ] || fail "no broker address in $work/kfake.log"
}

# start_bmpstream ARGS...: the collector on free BMP and metrics ports with ARGS; sets BMP
# (host:port of its BMP listener).
start_bmpstream() {
  bin/bmpstream --bind-address 127.0.0.1 --source-port 0 --metrics-address 127.0.0.1:0 \
    "$@" >"$work/bmpstream.log" 2>&1 &
  bmp_pid=$!
  wait_for "$work/bmpstream.log" "event=listening" 30
  BMP=$(grep -m1 "event=listening" "$work/bmpstream.log" | sed -n 's/.* address=\([^ ]*\).*/\1/p')
  [ -n "$BMP" ] || fail "no BMP address in $work/bmpstream.log"
}

# replay_and_drain: replay $CAPTURE, wait for the session to end, stop the collector with
# SIGTERM (it drains every session and sink and exits non-zero if any record was dropped
# or could not be delivered) and check its final report.
replay_and_drain() {
  echo "$NAME: replaying $CAPTURE"
  bin/bmpreplay -c "$BMP" "$CAPTURE"
  wait_for "$work/bmpstream.log" "event=disconnected" 60
  kill -TERM "$bmp_pid"
  if ! wait "$bmp_pid"; then
    cat "$work/bmpstream.log" >&2
    fail "bmpstream exited with an error"
  fi
  bmp_pid=""
  grep -q "event=stopped .*records_undelivered=0" "$work/bmpstream.log" || { cat "$work/bmpstream.log" >&2; fail "bmpstream reported lost records"; }
}

[ -f "$CAPTURE" ] || fail "capture $CAPTURE not found (set BMP_TESTDATA or CAPTURE)"
