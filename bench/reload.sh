#!/usr/bin/env bash
# Reload benchmark (issue 3):
#  1. duration of a rolling reload of 4 idle workers: 30 reloads one after another, median;
#  2. echo throughput while reloads run back to back vs the steady state, in interleaved
#     rounds (50 connections, 64-byte messages, 1 in flight): with the default reload_nice (19)
#     and with reload_nice 0 (reload work at the serving processes' priority), and with one
#     reload every 200 ms.
#   bench/reload.sh [ROUNDS=5] [DURATION=3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
duration=${2:-3}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" build Release >/dev/null
bin=$root/build/bench
source "$root/bench/lib.sh"

floor=$("$bin/fork_floor")
echo "== fork floor: $floor"
echo "== rolling reload of 4 idle workers, 30 reloads"
timing=$("$bin/reload_bench" --port "$(free_port)" --workers 4 --reloads 30)
echo "$timing"

echo "== echo throughput: steady vs back-to-back reloads vs one reload every 200 ms"
count_file=$(mktemp)
steady=() reloading=() ratios=() counts=() paced=() paced_ratios=()
same=() same_ratios=() same_counts=()
for r in $(seq 1 "$rounds"); do
  for mode in steady reloading same paced; do
    port=$(free_port)
    if [ "$mode" = steady ]; then
      "$bin/reload_bench" --port "$port" --workers 4 &
    elif [ "$mode" = reloading ]; then
      echo 0 > "$count_file"
      "$bin/reload_bench" --port "$port" --workers 4 --reload-loop --count-file "$count_file" &
    elif [ "$mode" = same ]; then
      echo 0 > "$count_file"
      "$bin/reload_bench" --port "$port" --workers 4 --reload-loop --count-file "$count_file" \
        --reload-nice 0 &
    else
      "$bin/reload_bench" --port "$port" --workers 4 --reload-loop --interval-ms 200 &
    fi
    pid=$!
    wait_port "$port"
    sleep 0.4  # the reload driver starts 300 ms after the workers
    line=$("$bin/loadgen" --port "$port" --connections 50 --size 64 --inflight 1 \
             --duration "$duration" --warmup 0.5)
    kill -TERM "$pid"; wait "$pid" || true
    rate=$(sed -E 's/.*msgs_per_s=([0-9.]+).*/\1/' <<<"$line")
    case $mode in
      steady) steady+=("$rate") ;;
      reloading) reloading+=("$rate"); counts+=("$(cat "$count_file")") ;;
      same) same+=("$rate"); same_counts+=("$(cat "$count_file")") ;;
      paced) paced+=("$rate") ;;
    esac
    echo "round $r $mode: $line" >&2
  done
  ratios+=("$(awk -v a="${reloading[-1]}" -v b="${steady[-1]}" 'BEGIN {printf "%.3f", a/b}')")
  paced_ratios+=("$(awk -v a="${paced[-1]}" -v b="${steady[-1]}" 'BEGIN {printf "%.3f", a/b}')")
  same_ratios+=("$(awk -v a="${same[-1]}" -v b="${steady[-1]}" 'BEGIN {printf "%.3f", a/b}')")
done
rm -f "$count_file"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; $rounds rounds of ${duration}s"
echo
echo "| measure | median |"
echo "|---|---:|"
echo "| rolling reload of 4 idle workers (ms) | $(sed -E 's/.*median_ms=([0-9.]+).*/\1/' <<<"$timing") |"
echo "| steady echo msgs/s | $(median "${steady[@]}") |"
echo "| echo msgs/s during back-to-back reloads | $(median "${reloading[@]}") |"
echo "| reloads completed per run (warm-up and ${duration}s of load) | $(median "${counts[@]}") |"
echo "| during-reload / steady (per-round ratio) | $(median "${ratios[@]}") |"
echo "| per-round ratios | ${ratios[*]} |"
echo "| same with reload_nice 0: echo msgs/s | $(median "${same[@]}") |"
echo "| same with reload_nice 0: reloads per run | $(median "${same_counts[@]}") |"
echo "| same with reload_nice 0: during-reload / steady | $(median "${same_ratios[@]}") |"
echo "| echo msgs/s with one reload every 200 ms | $(median "${paced[@]}") |"
echo "| paced / steady (per-round ratio) | $(median "${paced_ratios[@]}") |"
echo "| bare fork + exit + wait of a tiny process (µs) | $(sed -E 's/.*=([0-9.]+)/\1/' <<<"$floor") |"
