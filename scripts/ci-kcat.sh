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
# ../shared/testdata). Every listener is on a kernel-picked port of 127.0.0.1.
set -euo pipefail
NAME=ci-kcat
# shellcheck source=scripts/ci-lib.sh
. "$(dirname "$0")/ci-lib.sh"

PREFIX=ci
TOPIC="$PREFIX.parsed.unicast_prefix_v4"
PARTITIONS=3
command -v kcat >/dev/null || fail "kcat not found (Debian: apt-get install -y kcat)"

build
start_kfake
start_bmpstream --kafka-server "$KAFKA" --kafka-topic-prefix "$PREFIX" \
  --kafka-topic-partitions "$PARTITIONS" --kafka-compression lz4 \
  --dump file --msg-file "$work/records.jsonl"
replay_and_drain

# Expected: the file output's unicast IPv4 records (the first "is_ipv4" of a record is its
# own; split-af is on by default).
grep '^{"type":"unicast_prefix"' "$work/records.jsonl" | grep '"is_ipv4":true' | sort >"$work/expected.jsonl"
expected=$(wc -l <"$work/expected.jsonl")
[ "$expected" -gt 0 ] || fail "no unicast IPv4 record in the file output"

kcat -b "$KAFKA" -L -t "$TOPIC" >"$work/metadata.txt"
grep -q "topic \"$TOPIC\" with $PARTITIONS partitions" "$work/metadata.txt" ||
  { cat "$work/metadata.txt" >&2; fail "$TOPIC does not have $PARTITIONS partitions"; }

kcat -b "$KAFKA" -C -t "$TOPIC" -o beginning -e -q -f '%k\t%s\n' >"$work/kcat.tsv"
got=$(wc -l <"$work/kcat.tsv")
cut -f2- "$work/kcat.tsv" | sort >"$work/got.jsonl"
if [ "$got" -ne "$expected" ]; then fail "$TOPIC: kcat read $got records, expected $expected"; fi
cmp -s "$work/expected.jsonl" "$work/got.jsonl" || fail "$TOPIC: the records read by kcat differ from the file output"
bad_keys=$(cut -f1 "$work/kcat.tsv" | grep -cvE '^[0-9a-f]{64}$' || true)
[ "$bad_keys" -eq 0 ] || fail "$TOPIC: $bad_keys keys are not <router_hash><peer_hash> (64 hex characters)"

echo "ci-kcat: OK: $TOPIC holds $got records, identical to the file output; $PARTITIONS partitions; keys router+peer hash"
