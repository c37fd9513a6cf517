#!/usr/bin/env bash
# Reproduces the figures in perf.md. Raw outputs go to perf-results/<UTC time>/ (or $1).
# Takes about 20-30 minutes on a 2-core host. Run it on a quiet machine: the ping-pong
# benchmarks spin two threads, and a third busy process turns their figures into noise.
#
#   bash bench/perf.sh [OUTDIR] [--only bdn|shm|tcp|workloads|suite]...
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-perf-results/$(date -u +%Y%m%dT%H%M%SZ)}
shift || true
only=" $* "
want() { [ "$only" = "  " ] || [[ "$only" == *" --only $1 "* ]]; }
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

if want workloads; then
  echo "== timely's workloads at the sizes of the Rust figures in issue 5" >&2
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
