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

evaluate() {  # dataset protocol algorithms [extra flags]
  echo >&2
  echo "demo: $1: protocol $2" >&2
  "$TAILOR" eval --dataset="$WORK/$1" --protocol="$2" --seed=42 \
    --algorithms="$3" "${@:4}"
}

for d in "${datasets[@]}"; do
  case "$d" in
    movielens100k)
      # Ratings: Surprise's 5-fold RMSE; top-k: Microsoft Recommenders' 75/25.
      evaluate "$d" surprise_cv \
        "biased_mf:learning_rate=0.01:regularization=0.1:iterations=40,user_knn:similarity=msd:rating_min=1:rating_max=5:max_neighbors=0,item_knn:similarity=msd:rating_min=1:rating_max=5:max_neighbors=0"
      evaluate "$d" ms_stratified \
        "popularity,item_knn,bpr:iterations=100:learning_rate=0.02:regularization=0.03,ials:alpha=3:regularization=30"
      ;;
    online_retail)
      # Purchases over time: train before 2011-11-01, test after; new
      # customers and new products are reported apart.
      evaluate "$d" temporal "popularity,item_knn,ials:alpha=3:regularization=30" \
        --cutoff=2011-11-01
      ;;
    *)
      evaluate "$d" ms_stratified "popularity,item_knn,ials:alpha=3:regularization=30"
      ;;
  esac
  echo >&2
  echo "demo: $d: training implicit ALS (10% per-user held-out split) and exporting" >&2
  "$TAILOR" train --dataset="$WORK/$d" --algorithm=ials --factors=64 --alpha=3 \
    --regularization=30 --iterations=15 --export_dir="$WORK/models" \
    --model_name="$d"
done
echo >&2
echo "demo: datasets and models are in $WORK" >&2
