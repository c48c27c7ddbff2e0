# Helpers shared by the bench scripts (sourced, not run).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "server on port $1 did not come up" >&2
  return 1
}
median() {
  printf '%s\n' "$@" | grep -v '^$' | sort -g |
    awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
# One closed-loop echo measurement of target $1 in round $2: the caller defines
# start_target NAME PORT (it must exec the server) and bin, connections, size, inflight,
# duration, and the associative arrays rate, p50 and p99, to which the figures are appended.
measure_target() {
  local t=$1 round=$2 port pid line
  port=$(free_port)
  start_target "$t" "$port" &
  pid=$!
  wait_port "$port"
  line=$("$bin/bench/loadgen" --port "$port" --connections "$connections" --size "$size" \
           --inflight "$inflight" --duration "$duration" --warmup 0.5)
  kill -TERM "$pid"
  wait "$pid" || true
  rate[$t]+="$(sed -E 's/.*msgs_per_s=([0-9.]+).*/\1/' <<<"$line") "
  p50[$t]+="$(sed -E 's/.*p50_us=([0-9.]+).*/\1/' <<<"$line") "
  p99[$t]+="$(sed -E 's/.*p99_us=([0-9.]+).*/\1/' <<<"$line") "
  echo "round $round $t: $line" >&2
}
# Per-round ratios of two space-separated lists of rates: each round runs the servers back to
# back, so a ratio within a round is less exposed to the drift of a shared machine than a
# ratio of medians.
round_ratios() {
  paste -d' ' <(tr ' ' '\n' <<<"$1" | grep -v '^$') <(tr ' ' '\n' <<<"$2" | grep -v '^$') |
    awk '{printf "%.3f ", $1/$2}'
}
