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
[ -f "$bin/php-ext/swkit.so" ] || { echo "php.sh: $bin/php-ext/swkit.so was not built" >&2; exit 1; }
php=(php -n -d "extension=$bin/php-ext/swkit.so" "$root/bench/php/echo.php")

declare -A rate p50 p99
targets=(cpp-base php-base cpp-process php-process)
start_target() {
  case $1 in
    cpp-base) exec "$bin/examples/echo_server" --port "$2" --mode base --workers 1 --quiet ;;
    cpp-process) exec "$bin/examples/echo_server" --port "$2" --mode process --workers 1 --reactors 1 --quiet ;;
    php-base) exec "${php[@]}" "$2" base ;;
    php-process) exec "${php[@]}" "$2" process ;;
  esac
}
for r in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do measure_target "$t" "$r"; done
done

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
