#!/usr/bin/env bash
# Turns the raw outputs of `bash bench/perf.sh OUTDIR --only hop` into markdown on stdout:
# the hop table (each path beside its floor from the same run), the percentiles of every
# path, the BenchmarkDotNet round trips and the scaling table. Needs jq.
#
#   bash bench/hop-table.sh OUTDIR
set -euo pipefail
dir=${1:?usage: bash bench/hop-table.sh OUTDIR (a folder written by bench/perf.sh --only hop)}
command -v jq >/dev/null || { echo "hop-table.sh: error: needs jq (apt-get install jq)" >&2; exit 2; }
for f in hop-shm.json hop-tcp.json hop-netshm.json hop-scaling.jsonl; do
  [ -s "$dir/$f" ] || { echo "hop-table.sh: error: $dir/$f is missing or empty (did perf.sh --only hop finish?)" >&2; exit 2; }
done
last() { jq -cs "map(select(.bench == \"$2\")) | last // error(\"no $2 line in $1\")" "$1"; }
shm=$(last "$dir/hop-shm.json" shm-bench)
tcp=$(last "$dir/hop-tcp.json" netbench)
nsh=$(last "$dir/hop-netshm.json" netbench)

if [ -f "$dir/host.txt" ]; then
  echo '```'
  cat "$dir/host.txt"
  echo '```'
  echo
fi
echo '| measure (64 B messages) | floor, same run | ours | ratio | goal |'
echo '|---|---:|---:|---:|---:|'
jq -rn --argjson s "$shm" --argjson t "$tcp" --argjson n "$nsh" '
  def f: . * 10 | round / 10;
  "| shm ring round trip, two pinned processes (shm-bench) | \($s.floor_median_ns|f) ns | \($s.shm_ring_median_ns|f) ns | \(($s.shm_ring_median_ns / $s.floor_median_ns) * 100 | round / 100)x | <= 1.3x |",
  "| shm one way, two pinned processes (shm-bench; floor: consecutive lines, each with its own sequence word) | \(if $s.line_stream_one_way_median_ns_per_msg then "\((1000 / $s.line_stream_one_way_median_ns_per_msg)|f) M msg/s" else "-" end) | \((1000 / $s.shm_ring_one_way_median_ns_per_msg)|f) M msg/s | \(if $s.line_stream_one_way_median_ns_per_msg then "\(($s.shm_ring_one_way_median_ns_per_msg / $s.line_stream_one_way_median_ns_per_msg) * 100 | round / 100)x the time" else "-" end) | >= 100 M msg/s |",
  "| engine over shm, round trip between two processes (netbench --transport shm; floor: shm-bench cache line) | \($s.floor_median_ns|f) ns | \($n.timely_64_rtt_median_us * 1000|f) ns | \(($n.timely_64_rtt_median_us * 1000 / $s.floor_median_ns) * 100 | round / 100)x | - |",
  "| TCP round trip, timely vs raw socket (netbench --transport tcp) | \($t.raw_64_rtt_median_us|f) µs | \($t.timely_64_rtt_median_us|f) µs | \(($t.timely_64_rtt_median_us / $t.raw_64_rtt_median_us) * 100 | round / 100)x | <= 1.2x |"'
echo
echo 'Allocated per message: shm ring leader' "$(jq -rn --argjson s "$shm" '$s.shm_ring_leader_alloc_bytes_per_msg')" 'B, one way' \
  "$(jq -rn --argjson s "$shm" '$s.shm_ring_one_way_leader_alloc_bytes_per_msg')" 'B; engine over tcp' \
  "$(jq -rn --argjson t "$tcp" '$t.timely_64_alloc_bytes_per_msg * 1000 | round / 1000')" 'B, over shm' \
  "$(jq -rn --argjson n "$nsh" '$n.timely_64_alloc_bytes_per_msg * 1000 | round / 1000')" 'B.'
echo
echo 'Every round trip recorded (HdrHistogram), ns:'
echo
echo '| path | count | p50 | p90 | p99 | p99.9 | p99.99 | max | p99.9 / p50 |'
echo '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
row() { # json key label
  jq -rn --argjson j "$1" --arg k "$2" --arg l "$3" '
    if ($j[$k + "_count"] // null) == null then empty else
    "| \($l) | \($j[$k+"_count"]) | \($j[$k+"_p50_ns"]) | \($j[$k+"_p90_ns"]) | \($j[$k+"_p99_ns"]) | \($j[$k+"_p99_9_ns"]) | \($j[$k+"_p99_99_ns"]) | \($j[$k+"_max_ns"]) | \(($j[$k+"_p99_9_ns"] / $j[$k+"_p50_ns"]) * 10 | round / 10) |" end'
}
row "$shm" floor "floor: cache-line ping-pong (shm-bench)"
row "$shm" shm_ring "shm ring (shm-bench)"
row "$shm" shm_ring_bell "shm ring + doorbell (shm-bench)"
row "$shm" shm_ring_bell_backoff "shm ring + doorbell + back-off wait (shm-bench)"
row "$shm" uds "Unix socket (shm-bench)"
row "$shm" tcp "TCP socket (shm-bench)"
row "$nsh" timely_64 "engine over shm (netbench)"
row "$tcp" raw_64 "raw TCP socket (netbench)"
row "$tcp" timely_64 "engine over tcp (netbench)"
echo
echo 'Plots: hop-shm.svg, hop-tcp.svg, hop-netshm.svg (latency by percentile, log scales).'
echo
report=$(ls "$dir"/hop-bdn/results/*ProcessRoundTripBenchmarks*-report-github.md 2>/dev/null | head -1 || true)
if [ -n "$report" ]; then
  echo 'Process allocator round trip between two pinned threads (BenchmarkDotNet; the Baseline row is the floor):'
  echo
  grep '^|' "$report"
  echo
fi
echo 'Scaling (median of the repeats of each row; each run: its slowest worker'"'"'s timed part):'
echo
echo '| processes | workers per process | workers | exchange ms | aggregate M records/s | round trip µs |'
echo '|---:|---:|---:|---:|---:|---:|'
jq -rs '
  def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  def f: . * 10 | round / 10;
  group_by([.p, .w, .cmd, .r]) | map({p: .[0].p, w: .[0].w, cmd: .[0].cmd, ms: (map(.ms) | max), records: (if .[0].cmd == "exchange" then map(.records) | add else map(.records) | max end)})
  | group_by([.p, .w]) | .[] as $g
  | ($g | map(select(.cmd == "exchange"))) as $e | ($g | map(select(.cmd == "roundtrip"))) as $t
  | ($e | map(.ms) | median) as $ems | ($e | map(.records) | median) as $erec
  | ($t | map(.ms) | median) as $tms | ($t | map(.records) | median) as $trec
  | "| \($g[0].p) | \($g[0].w) | \($g[0].p * $g[0].w) | \($ems|f) | \(if $ems then ($erec / $ems / 1000 | f) else "-" end) | \(if $tms and $trec then ($tms * 1000 / $trec | f) else "-" end) |"
' "$dir/hop-scaling.jsonl"
