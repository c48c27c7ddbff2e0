#!/usr/bin/env bash
# Sets everything up, builds, and runs every test through ctest: a plain build, then the same
# suite under ASan+UBSan and under TSan (the reactor threads). Exits non-zero on any failure.
#   SWKIT_TEST_FLAVOURS="plain asan tsan" (default) selects the builds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
flavours=${SWKIT_TEST_FLAVOURS:-plain asan tsan}
failed=()
for flavour in $flavours; do
  case $flavour in
    plain) dir=build-test; type=RelWithDebInfo; sanitize= ;;
    asan) dir=build-asan; type=Debug; sanitize=address ;;
    tsan) dir=build-tsan; type=Debug; sanitize=thread ;;
    *) echo "unknown flavour $flavour" >&2; exit 2 ;;
  esac
  echo "=== $flavour: building in $dir"
  "$root/scripts/build.sh" "$dir" "$type" "$sanitize"
  echo "=== $flavour: running the tests"
  if ! (cd "$root/$dir" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp \
        ctest -j 2 --timeout 300 --output-on-failure); then
    failed+=("$flavour")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED flavours: ${failed[*]}" >&2
  exit 1
fi
echo "all test flavours passed: $flavours"
