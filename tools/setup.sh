#!/usr/bin/env bash
# Installs every Debian bookworm package that building, testing and running
# Tailor need. Idempotent: installs only what is missing, and says what.
# Run as root (or with sudo available) on Debian bookworm.
set -euo pipefail

PACKAGES=(
  # build
  bazel-bootstrap bazel-platforms g++ pkg-config git
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev liblzma-dev nlohmann-json3-dev
  # metrics HTTP endpoint of the servers
  libcivetweb-dev
  # clang build with thread-safety analysis, sanitizers
  clang-14 libclang-rt-14-dev
  # tools used by scripts and tests
  python3 xz-utils gzip
  # the Python Rank client example and its test
  python3-grpcio python3-protobuf
  # the Prometheus scrape test; the deployment manifest test; private CA
  prometheus python3-yaml openssl
  # profiling (benchmarks)
  linux-perf
)

if [[ ! -r /etc/os-release ]] || ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
  echo "tools/setup.sh: this script supports Debian bookworm only;" \
       "install these packages by hand: ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "tools/setup.sh: all ${#PACKAGES[@]} required packages are installed." >&2
  exit 0
fi

echo "tools/setup.sh: installing missing packages: ${missing[*]}" >&2
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "tools/setup.sh: not root and no sudo; run as root to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "tools/setup.sh: installed ${missing[*]}" >&2
