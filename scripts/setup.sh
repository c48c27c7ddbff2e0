#!/usr/bin/env bash
# Installs every Debian package swkit needs. Idempotent: quick when everything is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  libasio-dev libssl-dev libspdlog-dev libfmt-dev catch2
  libcli11-dev libcpp-httplib-dev nlohmann-json3-dev
  php8.2-dev php8.2-cli php-parser python3 python3-prometheus-client python3-yaml curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
