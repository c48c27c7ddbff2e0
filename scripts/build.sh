#!/usr/bin/env bash
# Configures and builds one flavour of the tree: build.sh DIR BUILD_TYPE [SANITIZE]
set -euo pipefail
dir=$1
type=$2
sanitize=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DSWKIT_SANITIZE="$sanitize" -DSWKIT_PHP=ON >/dev/null
cmake --build "$root/$dir" -j "$(nproc)"
