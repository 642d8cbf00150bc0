#!/usr/bin/env bash
# Benchmark-style fuzzing run (not part of the test suite): builds every fuzz
# target of //tests/fuzz with --config=fuzz (clang 14, libFuzzer, ASan, UBSan)
# and runs each for SECONDS (default 60) from a scratch copy of its committed
# corpus, one after another. Prints one JSON line per target:
#   {"target": ..., "seconds": ..., "execs": ..., "execs_per_second": ...,
#    "corpus_units": ..., "cpu_seconds": ..., "result": "ok" | "crash"}
# Crash inputs and libFuzzer's log go to OUT_DIR/<target>/. Exits 1 if any
# target crashed. Usage (from the repository root):
#   tools/fuzz/run_all.sh [--seconds=N] [--out=DIR] [--output_base=DIR] [TARGET...]
set -euo pipefail
seconds=60
out="${TMPDIR:-/tmp}/tailor_fuzz_run"
output_base=""
targets=()
for arg in "$@"; do
  case "$arg" in
    --seconds=*) seconds="${arg#*=}" ;;
    --out=*) out="${arg#*=}" ;;
    --output_base=*) output_base="${arg#*=}" ;;
    -*) echo "run_all: unknown flag $arg" >&2; exit 2 ;;
    *) targets+=("$arg") ;;
  esac
done
bazel=(bazel)
[[ -n "$output_base" ]] && bazel=(bazel "--output_base=$output_base")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <("${bazel[@]}" query 'attr(name, "_fuzzer$", kind(cc_binary, //tests/fuzz:*))' 2>/dev/null | sed 's|//tests/fuzz:||')
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "run_all: no fuzz targets found" >&2
  exit 2
fi
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:$t"); done
"${bazel[@]}" build --config=fuzz "${labels[@]}" >&2
bin="$("${bazel[@]}" info --config=fuzz bazel-bin 2>/dev/null)"
failed=0
for t in "${targets[@]}"; do
  corpus="tests/fuzz/corpus/${t%_fuzzer}"
  dir="$out/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  if [[ -d "$corpus" ]]; then cp "$corpus"/* "$dir/corpus/"; fi
  rc=0
  /usr/bin/time -f "%U %S" -o "$dir/time.txt" \
    "$bin/tests/fuzz/$t" -max_total_time="$seconds" -seed=1 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=1 \
    -artifact_prefix="$dir/" "$dir/corpus" "$corpus" >"$dir/log.txt" 2>&1 || rc=$?
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log.txt" | grep -o '[0-9]*$' || echo 0)"
  units="$(ls "$dir/corpus" | wc -l)"
  # time(1) puts "Command exited with non-zero status N" before the figures.
  cpu="$(tail -n 1 "$dir/time.txt" | awk '{printf "%.1f", $1 + $2}' 2>/dev/null || echo 0)"
  result=ok
  if [[ $rc -ne 0 ]] || ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* >/dev/null 2>&1; then
    result=crash
    failed=1
  fi
  rate="$(awk -v e="${execs:-0}" -v s="$seconds" 'BEGIN {printf "%.0f", e / s}')"
  printf '{"target": "%s", "seconds": %s, "execs": %s, "execs_per_second": %s, "corpus_units": %s, "cpu_seconds": %s, "result": "%s"}\n' \
    "$t" "$seconds" "${execs:-0}" "$rate" "$units" "$cpu" "$result"
done
exit $failed
