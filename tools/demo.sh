#!/usr/bin/env bash
# The main job, end to end, on an embedded default: installs what is missing,
# builds, ingests the real datasets beside the checkout (../shared/data) when
# present, otherwise a generated `tailor synth` log, prints each dataset
# summary, evaluates the algorithms with the fitting protocol, trains and
# exports a model per dataset and prints its path.
# Usage: tools/demo.sh [WORK_DIR]   (default: a fresh temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA="${TAILOR_DEMO_DATA:-$ROOT/../shared/data}"
WORK="${1:-$(mktemp -d -t tailor-demo.XXXXXX)}"
mkdir -p "$WORK"

tools/setup.sh
echo "demo: building //tools/tailor:tailor" >&2
bazel build //tools/tailor:tailor
TAILOR="$ROOT/bazel-bin/tools/tailor/tailor"

datasets=()
if [[ -d "$DATA/movielens-100k" ]]; then
  echo "demo: ingesting MovieLens 100K from $DATA/movielens-100k" >&2
  "$TAILOR" ingest --preset=movielens100k --input="$DATA/movielens-100k" \
    --output="$WORK/movielens100k"
  datasets+=(movielens100k)
fi
if [[ -d "$DATA/online-retail" ]]; then
  echo "demo: ingesting UCI Online Retail from $DATA/online-retail" >&2
  "$TAILOR" ingest --preset=online_retail --input="$DATA/online-retail" \
    --output="$WORK/online_retail"
  datasets+=(online_retail)
fi
if [[ ${#datasets[@]} -eq 0 ]]; then
  echo "demo: $DATA not found; generating a synthetic retail log" >&2
  "$TAILOR" synth --preset=small --output="$WORK/synth_log"
  "$TAILOR" ingest --preset=synth --input="$WORK/synth_log" \
    --output="$WORK/synth"
  datasets+=(synth)
fi

for d in "${datasets[@]}"; do
  echo >&2
  echo "demo: $d: training implicit ALS with a 10% per-user held-out split" >&2
  "$TAILOR" train --dataset="$WORK/$d" --algorithm=ials --factors=64 \
    --iterations=10 --export_dir="$WORK/models" --model_name="$d"
done
echo >&2
echo "demo: datasets and models are in $WORK" >&2
