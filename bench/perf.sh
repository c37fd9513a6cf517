#!/usr/bin/env bash
# Reproduces the figures in perf.md. Raw outputs go to perf-results/<UTC time>/ (or OUTDIR).
# Takes about 25-35 minutes on a 2-core host (the hop part alone about 6). Run it on a quiet
# machine: the ping-pong benchmarks spin two threads, and a third busy process turns their
# figures into noise.
#
#   bash bench/perf.sh [OUTDIR] [--only bdn|shm|tcp|hop|workloads|suite]...
#
# --only hop: every hop (shm ring, engine over shm, TCP, Process allocator) beside its floor
# from the same run, percentiles and plots, and the scaling table; it writes OUTDIR/hop.md.
set -uo pipefail
cd "$(dirname "$0")/.."
out=""
only=" "
while [ $# -gt 0 ]; do
  case "$1" in
    --only)
      case "${2:-}" in
        bdn|shm|tcp|hop|workloads|suite) only="$only--only $2 "; shift 2 ;;
        *) echo "perf.sh: error: --only takes one of bdn, shm, tcp, hop, workloads, suite (got '${2:-}')" >&2; exit 2 ;;
      esac ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "perf.sh: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *)
      if [ -n "$out" ]; then echo "perf.sh: error: one OUTDIR only (got '$out' and '$1')" >&2; exit 2; fi
      out=$1; shift ;;
  esac
done
out=${out:-perf-results/$(date -u +%Y%m%dT%H%M%SZ)}
want() { [ "$only" = " " ] || [[ "$only" == *" --only $1 "* ]]; }
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build Timely.Native.sln -c Release -v q -nologo >"$out/build.log" 2>&1 || { echo "build failed: $out/build.log" >&2; exit 1; }
T=(dotnet bench/Timely.Bench/bin/Release/net10.0/timely.dll)

{
  echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "memory:  $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
  echo "os:      $(. /etc/os-release; echo "$PRETTY_NAME") kernel $(uname -r)"
  echo ".NET:    $(dotnet --version) SDK, runtime $(dotnet --list-runtimes | awk '/NETCore.App/ {v=$2} END {print v}')"
  echo "gc:      workstation, non-concurrent (bench/*.csproj)"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) at start"
} | tee "$out/host.txt"

if want bdn; then
  echo "== BenchmarkDotNet micro-benchmarks" >&2
  dotnet bench/Timely.Benchmarks/bin/Release/net10.0/Timely.Benchmarks.dll \
    --filter '*ProcessRoundTripBenchmarks*' '*ProcessThroughputBenchmarks*' '*RingBenchmarks*' \
             '*CodecBenchmarks*' '*CaptureFormatBenchmarks*' '*CaptureDataflowBenchmarks*' '*DataflowStepBenchmarks*' \
    --warmupCount 3 --iterationCount 9 --launchCount 1 --artifacts "$out/bdn" >"$out/bdn.log" 2>&1
  cat "$out"/bdn/results/*-report-github.md > "$out/bdn.md" 2>/dev/null
fi

if want shm; then
  echo "== shm-bench (two processes, 64-byte messages)" >&2
  "${T[@]}" shm-bench --pin >"$out/shm-bench-pinned.txt" 2>&1
  "${T[@]}" shm-bench >"$out/shm-bench.txt" 2>&1
fi

if want tcp; then
  echo "== netbench (two processes on loopback)" >&2
  "${T[@]}" netbench -n 2 --transport tcp >"$out/netbench.txt" 2>&1
fi

if want hop; then
  echo "== hop: each path beside its floor, one run" >&2
  B=(dotnet bench/Timely.Benchmarks/bin/Release/net10.0/Timely.Benchmarks.dll)
  "${T[@]}" shm-bench --pin --json --hist-out "$out/hop-shm.hgrm" --plot "$out/hop-shm.svg" >"$out/hop-shm.json" 2>"$out/hop-shm.txt"
  "${T[@]}" netbench -n 2 --transport tcp --sizes 64 --json --hist-out "$out/hop-tcp.hgrm" --plot "$out/hop-tcp.svg" >"$out/hop-tcp.json" 2>"$out/hop-tcp.txt"
  "${T[@]}" netbench -n 2 --transport shm --sizes 64 --json --hist-out "$out/hop-netshm.hgrm" --plot "$out/hop-netshm.svg" >"$out/hop-netshm.json" 2>"$out/hop-netshm.txt"
  "${B[@]}" --filter '*ProcessRoundTripBenchmarks*' --warmupCount 3 --iterationCount 9 --launchCount 1 \
    --artifacts "$out/hop-bdn" >"$out/hop-bdn.log" 2>&1
  # Scaling: workers per process x processes on one host, 3 interleaved repeats, the slowest
  # worker's timed part of each run.
  : >"$out/hop-scaling.jsonl"
  for r in 1 2 3; do
    for pw in 1,1 1,2 1,4 1,8 2,1 2,2 2,4 4,1 4,2; do
      p=${pw%,*} w=${pw#*,}
      extra=(); [ "$p" -gt 1 ] && extra=(--processes "$p" --transport shm)
      for cmd in "exchange 10000 200" "roundtrip 5000"; do
        # shellcheck disable=SC2086
        "${T[@]}" $cmd -w "$w" "${extra[@]}" --json 2>/dev/null \
          | jq -c --arg r "$r" --arg p "$p" --arg w "$w" --arg c "${cmd%% *}" 'select(.elapsed_ms != null) | {r: ($r|tonumber), p: ($p|tonumber), w: ($w|tonumber), cmd: $c, ms: .elapsed_ms, records: .records}' \
          >>"$out/hop-scaling.jsonl"
      done
    done
  done
  bash bench/hop-table.sh "$out" >"$out/hop.md" || echo "hop table failed: see bench/hop-table.sh $out" >&2
fi

if want workloads; then
  echo "== timely's workloads at the sizes of the Rust comparison in perf.md" >&2
  "${T[@]}" suite --repeat 3 --no-counters \
    --filter 'pingpong-latency*-w ?' --filter 'pingpong-latency*shm' --filter 'pingpong-latency*tcp' \
    --filter 'exchange*-w ?' --filter 'exchange*shm' --filter 'exchange-large-batch*tcp' \
    --filter 'barrier*-w ?' --filter 'barrier*shm' --filter 'roundtrip*' \
    --save "$out/workloads.json" --markdown "$out/workloads.md" >"$out/workloads.txt" 2>"$out/workloads.progress"
fi

if want suite; then
  echo "== timely suite --quick (every row, interleaved, with floors and counters)" >&2
  "${T[@]}" suite --quick --save "$out/suite-quick.json" --markdown "$out/suite-quick.md" >"$out/suite-quick.txt" 2>"$out/suite-quick.progress"
fi

echo "results in $out" >&2
