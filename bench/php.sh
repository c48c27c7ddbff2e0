#!/usr/bin/env bash
# PHP echo benchmark (issue 6): bench/php/echo.php run by swkit's PHP extension next to the C++
# echo server (examples/echo_server), both with 1 worker and reactor_num 1, in BASE and in
# PROCESS mode, in interleaved rounds; prints medians and per-round PHP/C++ ratios as Markdown.
#   bench/php.sh [ROUNDS=5] [DURATION=3] [CONNECTIONS=50] [SIZE=64] [INFLIGHT=1]
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
php=(php -n -d "extension=$bin/php-ext/swkit.so" "$root/bench/php/echo.php")

declare -A rate p50 p99
targets=(cpp-base php-base cpp-process php-process)
for r in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do
    port=$(free_port)
    case $t in
      cpp-base) "$bin/examples/echo_server" --port "$port" --mode base --workers 1 --quiet & ;;
      cpp-process) "$bin/examples/echo_server" --port "$port" --mode process --workers 1 --reactors 1 --quiet & ;;
      php-base) "${php[@]}" "$port" base & ;;
      php-process) "${php[@]}" "$port" process & ;;
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

round_ratios() {
  paste -d' ' <(tr ' ' '\n' <<<"$1" | grep -v '^$') <(tr ' ' '\n' <<<"$2" | grep -v '^$') |
    awk '{printf "%.3f ", $1/$2}'
}
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(php -n -r 'echo PHP_VERSION;'); $rounds rounds of ${duration}s," \
     "$connections connections, ${size}-byte messages, $inflight in flight"
echo
echo "| server | msgs/s (median) | PHP / C++ same mode (median of per-round ratios) | p50 µs | p99 µs |"
echo "|---|---:|---:|---:|---:|"
for t in "${targets[@]}"; do
  cpp=cpp-${t#*-}
  per_round=$(median $(round_ratios "${rate[$t]}" "${rate[$cpp]}"))
  echo "| $t | $(median ${rate[$t]}) | $(printf '%.2f' "$per_round") | $(median ${p50[$t]}) | $(median ${p99[$t]}) |"
done
