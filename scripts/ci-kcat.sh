#!/usr/bin/env bash
# Kafka interoperability check with a client that is not Go: librdkafka's kcat.
#
# Starts a standalone kfake broker (internal/tools/kfakeserve: franz-go's in-memory
# Kafka-protocol broker, the only broker available without Docker or a JVM), runs
# bin/bmpstream with --kafka-server pointing at it and --dump=file, replays a capture with
# bin/bmpreplay, stops bmpstream with SIGTERM, then reads one topic with kcat and checks
# that it holds exactly the records of that topic in the file output (same count, same
# JSON, 64-hex-character keys) and that the topics were created with the requested
# partitions.
#
# Needs: go, kcat (Debian: apt-get install -y kcat), $BMP_TESTDATA (default
# ../shared/testdata). Ports: KFAKE_PORT (default 19392) and BMP_PORT (default 15392) on
# 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

BMP_TESTDATA="${BMP_TESTDATA:-$(cd .. && pwd)/shared/testdata}"
CAPTURE="${CAPTURE:-$BMP_TESTDATA/lab/frr84-mixed.bmp}"
KFAKE_PORT="${KFAKE_PORT:-19392}"
BMP_PORT="${BMP_PORT:-15392}"
PREFIX=ci
TOPIC="$PREFIX.parsed.unicast_prefix_v4"
PARTITIONS=3

fail() { echo "ci-kcat: FAIL: $*" >&2; exit 1; }
command -v kcat >/dev/null || fail "kcat not found (Debian: apt-get install -y kcat)"
[ -f "$CAPTURE" ] || fail "capture $CAPTURE not found (set BMP_TESTDATA or CAPTURE)"

work="$(mktemp -d)"
kfake_pid=""
bmp_pid=""
cleanup() {
  # Only the processes this script started, by PID.
  [ -n "$bmp_pid" ] && kill "$bmp_pid" 2>/dev/null || true
  [ -n "$kfake_pid" ] && kill "$kfake_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP_WORK:-}" = "" ]; then rm -rf "$work"; else echo "ci-kcat: work dir kept: $work"; fi
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

echo "ci-kcat: building"
make build >/dev/null
go build -o "$work/kfakeserve" ./internal/tools/kfakeserve

"$work/kfakeserve" --port "$KFAKE_PORT" --data-dir "$work/kfake-data" >"$work/kfake.log" 2>&1 &
kfake_pid=$!
wait_for "$work/kfake.log" "listening on" 30

bin/bmpstream --bind-address 127.0.0.1 --source-port "$BMP_PORT" \
  --kafka-server "127.0.0.1:$KFAKE_PORT" --kafka-topic-prefix "$PREFIX" \
  --kafka-topic-partitions "$PARTITIONS" --kafka-compression lz4 \
  --dump file --msg-file "$work/records.jsonl" >"$work/bmpstream.log" 2>&1 &
bmp_pid=$!
wait_for "$work/bmpstream.log" "event=listening" 30

echo "ci-kcat: replaying $CAPTURE"
bin/bmpreplay -c "127.0.0.1:$BMP_PORT" "$CAPTURE"

# SIGTERM: bmpstream drains every session and sink, and exits non-zero if any record was
# dropped or could not be delivered.
wait_for "$work/bmpstream.log" "event=disconnected" 60
kill -TERM "$bmp_pid"
if ! wait "$bmp_pid"; then
  cat "$work/bmpstream.log" >&2
  fail "bmpstream exited with an error"
fi
bmp_pid=""
grep -q "event=stopped .*records_undelivered=0" "$work/bmpstream.log" || { cat "$work/bmpstream.log" >&2; fail "bmpstream reported lost records"; }

# Expected: the file output's unicast IPv4 records (the first "is_ipv4" of a record is its
# own; split-af is on by default).
grep '^{"type":"unicast_prefix"' "$work/records.jsonl" | grep '"is_ipv4":true' | sort >"$work/expected.jsonl"
expected=$(wc -l <"$work/expected.jsonl")
[ "$expected" -gt 0 ] || fail "no unicast IPv4 record in the file output"

kcat -b "127.0.0.1:$KFAKE_PORT" -L -t "$TOPIC" >"$work/metadata.txt"
grep -q "topic \"$TOPIC\" with $PARTITIONS partitions" "$work/metadata.txt" ||
  { cat "$work/metadata.txt" >&2; fail "$TOPIC does not have $PARTITIONS partitions"; }

kcat -b "127.0.0.1:$KFAKE_PORT" -C -t "$TOPIC" -o beginning -e -q -f '%k\t%s\n' >"$work/kcat.tsv"
got=$(wc -l <"$work/kcat.tsv")
cut -f2- "$work/kcat.tsv" | sort >"$work/got.jsonl"
if [ "$got" -ne "$expected" ]; then fail "$TOPIC: kcat read $got records, expected $expected"; fi
cmp -s "$work/expected.jsonl" "$work/got.jsonl" || fail "$TOPIC: the records read by kcat differ from the file output"
bad_keys=$(cut -f1 "$work/kcat.tsv" | grep -cvE '^[0-9a-f]{64}$' || true)
[ "$bad_keys" -eq 0 ] || fail "$TOPIC: $bad_keys keys are not <router_hash><peer_hash> (64 hex characters)"

echo "ci-kcat: OK: $TOPIC holds $got records, identical to the file output; $PARTITIONS partitions; keys router+peer hash"
