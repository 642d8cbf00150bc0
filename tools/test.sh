#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds everything, runs
# every test. Usage: tools/test.sh [extra bazel test flags]
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
echo "tools/test.sh: building //..." >&2
bazel build //...
echo "tools/test.sh: running the test suite" >&2
bazel test //... "$@"
