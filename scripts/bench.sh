#!/usr/bin/env bash
# Performance benchmark of bmpstream (make bench). Writes everything to bench-out/:
#   go-bench.txt          Go micro-benchmarks (go test -bench . -benchmem) of the decoders,
#                         the record encoder, the session and the server
#   go-bench-summary.txt  the same through benchstat, when benchstat is installed
#                         (go install golang.org/x/perf/cmd/benchstat@latest)
#   profile-session10.*   CPU profile of the session benchmark, 10 prefixes per UPDATE,
#                         and its top functions (BENCH_PROFILE=0 skips it)
#   bmpbench.md/.json     end-to-end run of bin/bmpbench against bin/bmpstream
#   bmpbench.log          its progress output
# Environment: BENCHTIME (go test -benchtime, default 1s), BENCH_COUNT (go test -count,
# default 1), BMPBENCH_FLAGS (extra bmpbench flags, e.g. "--prefixes=200000 --sessions=2"),
# BENCH_PROFILE (1 by default). Exit status 1 if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=bench-out
mkdir -p "$out"
GO=${GO:-go}
status=0
step() { echo; echo "== $*"; }

step "building bin/bmpbench (and bin/bmpstream if missing)"
$GO build -o bin/bmpbench ./cmd/bmpbench || exit 1
[ -x bin/bmpstream ] || $GO build -o bin/bmpstream ./cmd/bmpstream || exit 1

step "Go micro-benchmarks -> $out/go-bench.txt"
pkgs=(./pkg/bmp ./pkg/bgp ./pkg/record ./internal/session ./internal/server)
if ! $GO test -run '^$' -bench . -benchmem -benchtime "${BENCHTIME:-1s}" -count "${BENCH_COUNT:-1}" \
  "${pkgs[@]}" 2>&1 | tee "$out/go-bench.txt"; then
  echo "go test -bench failed" >&2
  status=1
fi
benchstat=$(command -v benchstat || true)
[ -n "$benchstat" ] || { gp=$($GO env GOPATH)/bin/benchstat; [ -x "$gp" ] && benchstat=$gp; }
if [ -n "$benchstat" ]; then
  step "benchstat summary -> $out/go-bench-summary.txt"
  "$benchstat" "$out/go-bench.txt" | tee "$out/go-bench-summary.txt" || echo "benchstat failed (ignored)" >&2
else
  echo "(benchstat not installed: go install golang.org/x/perf/cmd/benchstat@latest for a summary)"
fi

if [ "${BENCH_PROFILE:-1}" != 0 ]; then
  step "CPU profile, session benchmark, 10 prefixes/UPDATE -> $out/profile-session10.txt"
  if $GO test -run '^$' -bench 'SessionHandle/per-update=10$' -benchtime 3s \
    -cpuprofile "$out/profile-session10.cpu" -o "$out/session.test" ./internal/session >/dev/null; then
    { echo "# top 15 by flat"; $GO tool pprof -top -nodecount=15 "$out/session.test" "$out/profile-session10.cpu" 2>/dev/null
      echo; echo "# top 15 by cum"; $GO tool pprof -top -cum -nodecount=15 "$out/session.test" "$out/profile-session10.cpu" 2>/dev/null
    } > "$out/profile-session10.txt"
    sed -n '1,25p' "$out/profile-session10.txt"
    echo "(inspect: go tool pprof -http=: $out/session.test $out/profile-session10.cpu)"
  else
    echo "profiling failed" >&2
    status=1
  fi
fi

step "end to end: bin/bmpbench ${BMPBENCH_FLAGS:-} -> $out/bmpbench.md"
# shellcheck disable=SC2086
if ! bin/bmpbench --collector=bin/bmpstream --json-out="$out/bmpbench.json" ${BMPBENCH_FLAGS:-} \
  > "$out/bmpbench.md" 2> >(tee "$out/bmpbench.log" >&2); then
  status=1
fi
cat "$out/bmpbench.md"
wait
exit $status
