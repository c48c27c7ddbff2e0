#!/usr/bin/env bash
# Task benchmark (issue 4), side by side with the machine's IPC floor, in interleaved rounds:
# taskwait round trip with an empty onTask, task() throughput (with onFinish), sendMessage
# throughput; and a bare two-process datagram ping-pong.
#   bench/tasks.sh [ROUNDS=5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" build Release >/dev/null
bin=$root/build/bench
source "$root/bench/lib.sh"
tw=() tt=() tp=() sm=() floor_block=() floor_both=()
for r in $(seq 1 "$rounds"); do
  line=$("$bin/task_bench")
  floor=$("$bin/ipc_pingpong")
  echo "round $r: $line | $floor" >&2
  tw+=("$(sed -E 's/.*taskwait_median_us=([0-9.]+).*/\1/' <<<"$line")")
  tt+=("$(sed -E 's/.*taskwait_total_s=([0-9.]+).*/\1/' <<<"$line")")
  tp+=("$(sed -E 's/.*task_per_s=([0-9.]+).*/\1/' <<<"$line")")
  sm+=("$(sed -E 's/.*sendmessage_per_s=([0-9.]+).*/\1/' <<<"$line")")
  floor_block+=("$(sed -E 's/.*pingpong_block_us=([0-9.]+).*/\1/' <<<"$floor")")
  floor_both+=("$(sed -E 's/.*pingpong_both_poll_us=([0-9.]+).*/\1/' <<<"$floor")")
done
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; $rounds rounds (100,000 taskwait calls, 200,000 tasks, 200,000 messages each)"
echo
echo "| measure | median |"
echo "|---|---:|"
echo "| taskwait round trip, empty onTask (µs) | $(median "${tw[@]}") |"
echo "| 100,000 taskwait calls, total (s; the seed: about 1 s) | $(median "${tt[@]}") |"
echo "| task() with onFinish (tasks/s) | $(median "${tp[@]}") |"
echo "| sendMessage event → task worker (msgs/s) | $(median "${sm[@]}") |"
echo "| bare datagram ping-pong, both sleep in the kernel (µs) | $(median "${floor_block[@]}") |"
echo "| bare datagram ping-pong, both poll (µs) | $(median "${floor_both[@]}") |"
