#!/usr/bin/env bash
# Runs the echo benchmark side by side: the minimal epoll echo (the loopback limit), the swkit
# C++ echo server in BASE mode and in PROCESS mode (1 worker, reactor_num 1), in interleaved
# rounds, and prints medians and ratios as a Markdown table.
#   bench/run.sh [ROUNDS=5] [DURATION=3] [CONNECTIONS=50] [SIZE=64] [INFLIGHT=1]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
duration=${2:-3}
connections=${3:-50}
size=${4:-64}
inflight=${5:-1}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" build Release >/dev/null
bin=$root/build
source "$root/bench/lib.sh"


declare -A rate p50 p99
targets=(epoll base process)
for r in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do
    port=$(free_port)
    case $t in
      epoll) "$bin/bench/epoll_echo" --port "$port" >/dev/null & ;;
      base) "$bin/examples/echo_server" --port "$port" --mode base --workers 1 --quiet & ;;
      process) "$bin/examples/echo_server" --port "$port" --mode process --workers 1 --reactors 1 --quiet & ;;
    esac
    pid=$!
    wait_port "$port"
    line=$("$bin/bench/loadgen" --port "$port" --connections "$connections" --size "$size" \
             --inflight "$inflight" --duration "$duration" --warmup 0.5)
    kill -TERM "$pid"
    wait "$pid" || true
    rate[$t]+="$(sed -E 's/.*msgs_per_s=([0-9.]+).*/\1/' <<<"$line") "
    p50[$t]+="$(sed -E 's/.*p50_us=([0-9.]+).*/\1/' <<<"$line") "
    p99[$t]+="$(sed -E 's/.*p99_us=([0-9.]+).*/\1/' <<<"$line") "
    echo "round $r $t: $line" >&2
  done
done

# Per-round ratios: each round runs the three servers back to back, so a ratio within a round
# is less exposed to the drift of a shared machine than a ratio of medians.
round_ratios() {
  paste -d' ' <(tr ' ' '\n' <<<"$1" | grep -v '^$') <(tr ' ' '\n' <<<"$2" | grep -v '^$') |
    awk '{printf "%.3f ", $1/$2}'
}
limit=$(median ${rate[epoll]})
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r); $rounds rounds of ${duration}s," \
     "$connections connections, ${size}-byte messages, $inflight in flight"
echo
echo "| server | msgs/s (median) | × epoll (ratio of medians) | × epoll (median of per-round ratios) | p50 µs | p99 µs |"
echo "|---|---:|---:|---:|---:|---:|"
for t in "${targets[@]}"; do
  m=$(median ${rate[$t]})
  ratio=$(awk -v a="$m" -v b="$limit" 'BEGIN {printf "%.2f", a/b}')
  per_round=$(median $(round_ratios "${rate[$t]}" "${rate[epoll]}"))
  echo "| $t | $m | $ratio | $(printf '%.2f' "$per_round") | $(median ${p50[$t]}) | $(median ${p99[$t]}) |"
done
