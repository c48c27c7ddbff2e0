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
start_target() {
  case $1 in
    epoll) exec "$bin/bench/epoll_echo" --port "$2" >/dev/null ;;
    base) exec "$bin/examples/echo_server" --port "$2" --mode base --workers 1 --quiet ;;
    process) exec "$bin/examples/echo_server" --port "$2" --mode process --workers 1 --reactors 1 --quiet ;;
  esac
}
for r in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do measure_target "$t" "$r"; done
done

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
