#!/usr/bin/env bash
# Performance benchmark of bmpstream (make bench). Writes everything to bench-out/:
#   go-bench.txt          Go micro-benchmarks (go test -bench . -benchmem) of the decoders,
#                         the record encoder, the session (decode only and decode+encode)
#                         and the server
#   bmpbench.txt          the end-to-end runs of bin/bmpbench in the same (benchstat) format:
#                         synthetic 1 and 10 prefixes/UPDATE to a file (JSON Lines, and
#                         protobuf: --dump-format=proto, every message decoded), the route-views
#                         full table on 4 sessions, 10/UPDATE to Kafka (kfake, acks=all,
#                         lz4), 1,000 idle sessions, 10 full tables with the output blocked
#   bmpbench.md/.json     the same as Markdown tables (with the machine and load average)
#   compare-*.txt         benchstat of the committed baselines (testdata/bench/) against
#                         this run, when benchstat is installed
#                         (go install golang.org/x/perf/cmd/benchstat@latest)
#   profile-session*.txt  CPU profile tops of the session benchmark (BENCH_PROFILE=0 skips)
#   pgbench.md/.json      end-to-end run of bin/bmppgbench (PostgreSQL sink), when a
#                         PostgreSQL server is reachable (POSTGRES_TEST_DSN; extra flags
#                         in PGBENCH_FLAGS, e.g. "--prefixes=200000")
# Every end-to-end run verifies each record (count, per-session order); a wrong result
# fails the run. Environment: BENCHTIME (go test -benchtime, default 1s), BENCH_COUNT (go
# test -count, default 3), BMPBENCH_FLAGS (replaces the default bmpbench scenarios),
# BENCH_PROFILE (1), BENCH_UPDATE_BASELINE=1 (copy this run's results over the committed
# baselines). Exit status 1 if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=bench-out
base=testdata/bench
mkdir -p "$out"
GO=${GO:-go}
status=0
step() { echo; echo "== $*"; }
: "${BMP_TESTDATA:=$(cd .. && pwd)/shared/testdata}"
rib="$BMP_TESTDATA/mrt/CAIDA_libbgpstream/test-dumps__routeviews.route-views.jinx.ribs.1401487200.bz2"

step "building bin/bmpbench (and bin/bmpstream if missing)"
$GO build -o bin/bmpbench ./cmd/bmpbench || exit 1
[ -x bin/bmpstream ] || $GO build -o bin/bmpstream ./cmd/bmpstream || exit 1

step "Go micro-benchmarks -> $out/go-bench.txt"
pkgs=(./pkg/bmp ./pkg/bgp ./pkg/record ./internal/session ./internal/server)
if ! $GO test -run '^$' -bench . -benchmem -benchtime "${BENCHTIME:-1s}" -count "${BENCH_COUNT:-3}" \
  "${pkgs[@]}" 2>&1 | tee "$out/go-bench.txt"; then
  echo "go test -bench failed" >&2
  status=1
fi

if [ "${BENCH_PROFILE:-1}" != 0 ]; then
  for per in 1 10; do
    step "CPU profile, session benchmark, $per prefixes/UPDATE -> $out/profile-session$per.txt"
    if $GO test -run '^$' -bench "SessionHandle/per-update=$per\$" -benchtime 3s \
      -cpuprofile "$out/profile-session$per.cpu" -o "$out/session.test" ./internal/session >/dev/null; then
      { echo "# top 20 by flat"; $GO tool pprof -top -nodecount=20 "$out/session.test" "$out/profile-session$per.cpu" 2>/dev/null
        echo; echo "# top 20 by cum"; $GO tool pprof -top -cum -nodecount=20 "$out/session.test" "$out/profile-session$per.cpu" 2>/dev/null
      } > "$out/profile-session$per.txt"
      sed -n '1,28p' "$out/profile-session$per.txt"
    else
      echo "profiling failed" >&2
      status=1
    fi
  done
fi

default_flags="--prefixes=1000000 --per-update=1,10 --proto-per-update=1,10 --kafka --kafka-per-update=10 --idle=1000 --stall=20s"
if [ -f "$rib" ]; then
  default_flags="$default_flags --mrt=$rib --mrt-sessions=4 --blocked-mrt --blocked-sessions=10"
else
  echo "(no $rib: the full-table runs are skipped; set BMP_TESTDATA)"
fi
flags=${BMPBENCH_FLAGS:-$default_flags}
step "end to end: bin/bmpbench $flags -> $out/bmpbench.md"
# shellcheck disable=SC2086
if ! bin/bmpbench --collector=bin/bmpstream --json-out="$out/bmpbench.json" --bench-out="$out/bmpbench.txt" $flags \
  > "$out/bmpbench.md" 2> >(tee "$out/bmpbench.log" >&2); then
  status=1
fi
wait
cat "$out/bmpbench.md"

benchstat=$(command -v benchstat || true)
[ -n "$benchstat" ] || { gp=$($GO env GOPATH)/bin/benchstat; [ -x "$gp" ] && benchstat=$gp; }
for f in go-bench bmpbench; do
  [ -s "$out/$f.txt" ] || continue
  if [ -n "$benchstat" ] && [ -f "$base/$f.txt" ]; then
    step "benchstat $base/$f.txt (baseline) vs $out/$f.txt -> $out/compare-$f.txt"
    "$benchstat" "$base/$f.txt" "$out/$f.txt" | tee "$out/compare-$f.txt" || echo "benchstat failed (ignored)" >&2
  fi
  if [ "${BENCH_UPDATE_BASELINE:-0}" = 1 ]; then
    mkdir -p "$base" && cp "$out/$f.txt" "$base/$f.txt" && echo "baseline $base/$f.txt updated"
  fi
done
[ -n "$benchstat" ] || echo "(benchstat not installed: go install golang.org/x/perf/cmd/benchstat@latest to compare with $base/)"

# PostgreSQL sink (issue 12): 1 M prefixes into ip_rib_log + ip_rib through the collector,
# route records/s end to end and the collector's CPU per record. Needs a server at
# POSTGRES_TEST_DSN (default 127.0.0.1:5432, database test); skipped without one.
pgdsn=${POSTGRES_TEST_DSN:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
step "PostgreSQL sink: bin/bmppgbench ${PGBENCH_FLAGS:-} -> $out/pgbench.md"
if command -v pg_isready >/dev/null && pg_isready -q -d "$pgdsn"; then
  # shellcheck disable=SC2086
  if $GO build -o bin/bmppgbench ./cmd/bmppgbench && bin/bmppgbench --collector=bin/bmpstream \
    --postgres-dsn="$pgdsn" --json-out="$out/pgbench.json" ${PGBENCH_FLAGS:-} > "$out/pgbench.md"; then
    cat "$out/pgbench.md"
  else
    status=1
  fi
else
  echo "(no PostgreSQL server at $pgdsn: skipped)"
fi
exit $status
