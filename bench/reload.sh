#!/usr/bin/env bash
# Reload benchmark (issue 3):
#  1. duration of a rolling reload of 4 idle workers: 30 reloads one after another, median;
#  2. echo throughput while reloads run back to back vs the steady state, in interleaved
#     rounds (50 connections, 64-byte messages, 1 in flight): with the defaults (reload_nice 19,
#     reload_cpu_percent 25); unpaced (reload_cpu_percent 100); with neither (reload_nice 0 and
#     reload_cpu_percent 100: reload work at full speed and the serving processes' priority);
#     and with one reload every 200 ms. For the defaults, the reloads that started under load
#     give their duration, pauses and CPU per replaced worker.
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
log_file=$(mktemp)
under_load=$(mktemp)
trap 'rm -f "$count_file" "$log_file" "$under_load"' EXIT
declare -A rate ratio count
modes="steady default unpaced neither paced"
for r in $(seq 1 "$rounds"); do
  for mode in $modes; do
    port=$(free_port)
    echo 0 > "$count_file"
    : > "$log_file"
    loop=(--reload-loop --count-file "$count_file")
    case $mode in
      steady) "$bin/reload_bench" --port "$port" --workers 4 & ;;
      default) "$bin/reload_bench" --port "$port" --workers 4 "${loop[@]}" --log-file "$log_file" & ;;
      unpaced) "$bin/reload_bench" --port "$port" --workers 4 "${loop[@]}" \
                 --reload-cpu-percent 100 & ;;
      neither) "$bin/reload_bench" --port "$port" --workers 4 "${loop[@]}" \
                 --reload-cpu-percent 100 --reload-nice 0 & ;;
      paced) "$bin/reload_bench" --port "$port" --workers 4 --reload-loop --interval-ms 200 & ;;
    esac
    pid=$!
    wait_port "$port"
    sleep 0.4  # the reload driver starts 300 ms after the workers
    from=$(date +%s.%N)
    line=$("$bin/loadgen" --port "$port" --connections 50 --size 64 --inflight 1 \
             --duration "$duration" --warmup 0.5)
    to=$(date +%s.%N)
    kill -TERM "$pid"; wait "$pid" || true
    rate[$mode]+="$(sed -E 's/.*msgs_per_s=([0-9.]+).*/\1/' <<<"$line") "
    count[$mode]+="$(cat "$count_file") "
    # Reloads that started after the warm-up and before the load ended.
    [ "$mode" = default ] && awk -v a="$from" -v b="$to" '$2 >= a + 0.5 && $2 < b' "$log_file" >> "$under_load"
    echo "round $r $mode: $line" >&2
  done
  for mode in default unpaced neither paced; do
    last=$(awk '{print $NF}' <<<"${rate[$mode]}")
    steady=$(awk '{print $NF}' <<<"${rate[steady]}")
    ratio[$mode]+="$(awk -v a="$last" -v b="$steady" 'BEGIN {printf "%.3f", a/b}') "
  done
done
med() { median $1; }
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; $rounds rounds of ${duration}s"
echo
echo "| measure | median |"
echo "|---|---:|"
echo "| rolling reload of 4 idle workers (ms) | $(sed -E 's/.*median_ms=([0-9.]+).*/\1/' <<<"$timing") |"
echo "| steady echo msgs/s | $(med "${rate[steady]}") |"
for mode in default unpaced neither; do
  case $mode in
    default) label="back-to-back reloads, defaults (reload_nice 19, reload_cpu_percent 25)" ;;
    unpaced) label="back-to-back reloads, reload_cpu_percent 100 (not paced)" ;;
    neither) label="back-to-back reloads, reload_nice 0 and reload_cpu_percent 100" ;;
  esac
  echo "| $label: msgs/s | $(med "${rate[$mode]}") |"
  echo "| ... reloads completed per run (warm-up and ${duration}s of load) | $(med "${count[$mode]}") |"
  echo "| ... during-reload / steady (per-round ratio) | $(med "${ratio[$mode]}") |"
  echo "| ... per-round ratios | ${ratio[$mode]}|"
done
echo "| defaults, reloads started under load: duration (ms) | $(med "$(awk '{printf "%.1f\n", $3}' "$under_load")") |"
echo "| ... pauses between steps per reload (ms) | $(med "$(awk '{print $4}' "$under_load")") |"
echo "| ... CPU per replaced worker (ms) | $(med "$(awk '{printf "%.2f\n", $5}' "$under_load")") |"
echo "| echo msgs/s with one reload every 200 ms | $(med "${rate[paced]}") |"
echo "| paced / steady (per-round ratio) | $(med "${ratio[paced]}") |"
echo "| bare fork + exit + wait of a tiny process (µs) | $(sed -E 's/.*=([0-9.]+)/\1/' <<<"$floor") |"
