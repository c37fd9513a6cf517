#!/usr/bin/env bash
# The generated codec against a hand-written one, through shared memory and TCP between two
# processes (one worker each): the sample's `bench` mode, a four-field record (Tick) exchanged by
# id, ROUNDS rounds of PER-ROUND records per worker after an untimed warm-up. Runs are
# interleaved (generated, hand, hand, generated, ... per transport and repeat) so that the
# machine's drift falls on both alike; prints each run, then per row the median ns/record,
# min..max, the median B/record and the ratio of the medians, generated over hand.
#
# Usage: bench/codec-perf.sh [REPEATS] [ROUNDS] [PER-ROUND]   (defaults 7 200 10000)
# Needs a Release build of samples/Timely.Samples.Records.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-7} rounds=${2:-200} per=${3:-10000}
dll=samples/Timely.Samples.Records/bin/Release/net10.0/Timely.Samples.Records.dll
[ -f "$dll" ] || { echo "codec-perf: $dll is missing: dotnet build samples/Timely.Samples.Records -c Release" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/codec-perf.XXXXXX")
trap 'rm -rf "$work"' EXIT
results="$work/results"
: >"$results"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run() {   # run TRANSPORT CODEC: one pair of processes; appends "transport codec ns B" to the results
  local transport=$1 codec=$2 flags=() out0 out1
  if [ "$transport" = shm ]; then
    mkdir -p "$work/shm"
    flags=(--transport shm --job "codec-perf-$$-$RANDOM" --shm-dir "$work/shm")
  else
    printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$(free_port)" "$(free_port)" >"$work/hosts"
    flags=(--transport tcp -h "$work/hosts")
  fi
  dotnet "$dll" -n 2 -p 1 "${flags[@]}" bench "$codec" "$rounds" "$per" >"$work/p1" &
  local p1=$!
  out0=$(dotnet "$dll" -n 2 -p 0 "${flags[@]}" bench "$codec" "$rounds" "$per")
  wait "$p1"
  out1=$(cat "$work/p1")
  echo "$transport x2  p0: $out0 | p1: $out1"
  ns=$(sed -nE 's/.*ns\/record=([0-9.]+).*/\1/p' <<<"$out0")
  b0=$(sed -nE 's/.*B\/record=([0-9.]+).*/\1/p' <<<"$out0")
  b1=$(sed -nE 's/.*B\/record=([0-9.]+).*/\1/p' <<<"$out1")
  echo "$transport $codec $ns $(awk -v a="$b0" -v b="$b1" 'BEGIN { print (a > b ? a : b) }')" >>"$results"
}

for rep in $(seq 1 "$repeats"); do
  for transport in shm tcp; do
    if [ $((rep % 2)) -eq 1 ]; then order=(generated hand); else order=(hand generated); fi
    for codec in "${order[@]}"; do run "$transport" "$codec"; done
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
echo
echo "| path | codec | ns/record (median) | min..max | B/record (median, the larger process) | runs |"
echo "|---|---|---:|---:|---:|---:|"
for transport in shm tcp; do
  for codec in generated hand; do
    ns=$(awk -v t="$transport" -v c="$codec" '$1 == t && $2 == c { print $3 }' "$results")
    b=$(awk -v t="$transport" -v c="$codec" '$1 == t && $2 == c { print $4 }' "$results")
    printf '| %s x2 | %s | %s | %s..%s | %s | %s |\n' "$transport" "$codec" "$(median <<<"$ns")" \
      "$(sort -g <<<"$ns" | head -1)" "$(sort -g <<<"$ns" | tail -1)" "$(median <<<"$b")" "$(wc -l <<<"$ns")"
  done
  g=$(awk -v t="$transport" '$1 == t && $2 == "generated" { print $3 }' "$results" | median)
  h=$(awk -v t="$transport" '$1 == t && $2 == "hand" { print $3 }' "$results" | median)
  echo "$transport x2: generated / hand = $(awk -v g="$g" -v h="$h" 'BEGIN { printf "%.3f", g / h }')" >&2
done
