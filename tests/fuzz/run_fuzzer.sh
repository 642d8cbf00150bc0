#!/usr/bin/env bash
# Runs one fuzz target from its seed corpus: BINARY CORPUS_DIR MODE
# MODE replay: the standalone driver replays the corpus and 5000 fixed-seed
#   mutations. MODE libfuzzer: libFuzzer fuzzes for FUZZ_SECONDS (default 10)
#   from a copy of the corpus (new inputs go to the test's temp dir).
set -euo pipefail
binary="$1" corpus="$2" mode="$3"
seconds="${FUZZ_SECONDS:-10}"
# Crashing inputs are kept with the test's outputs (bazel-testlogs/.../outputs).
artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-.}/"
if [[ ! -d "$corpus" ]] || [[ -z "$(ls -A "$corpus")" ]]; then
  echo "run_fuzzer: corpus $corpus is missing or empty" >&2
  exit 1
fi
case "$mode" in
  replay) exec "$binary" -runs=5000 -seed=1 -artifact_prefix="$artifacts" "$corpus" ;;
  libfuzzer)
    work="${TEST_TMPDIR:-$(mktemp -d)}/corpus"
    mkdir -p "$work"
    cp "$corpus"/* "$work"/
    exec "$binary" -max_total_time="$seconds" -seed=1 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts" \
      "$work" "$corpus" ;;
  *) echo "run_fuzzer: unknown mode $mode" >&2; exit 2 ;;
esac
