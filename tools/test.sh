#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds everything, runs
# every test, then fuzzes every fuzz target for 10 s with libFuzzer (clang 14,
# ASan, UBSan; docs/fuzzing.md). Usage: tools/test.sh [extra bazel test flags]
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
echo "tools/test.sh: building //..." >&2
bazel build //...
echo "tools/test.sh: running the test suite" >&2
bazel test //... "$@"
echo "tools/test.sh: fuzzing //tests/fuzz/... (libFuzzer, 10 s per target)" >&2
bazel test --config=fuzz //tests/fuzz/... "$@"
