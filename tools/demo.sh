#!/usr/bin/env bash
# The main job, end to end, on an embedded default: installs what is missing,
# builds, and then
#  1. ingests UCI Online Retail from ../shared/data when present (otherwise a
#     generated `tailor synth` shop) and prints its summary;
#  2. builds customer profiles, segments and product content vectors;
#  3. trains implicit ALS with `tailor cluster` (2 parameter-server shards,
#     2 workers, a coordinator: separate processes on loopback);
#  4. exports a servable model version (factors + catalogue, content,
#     segments, popularity, blend weights);
#  5. starts tailor_ranker on it and sends Rank requests for a known customer,
#     a new customer with a few recent purchases and an anonymous visitor with
#     only a country, printing the products with descriptions and reasons;
#  6. prints the evaluation table (hybrid vs pure CF on the temporal split,
#     cold-start rows) and, with MovieLens 100K present, the rating and top-k
#     protocols; then shuts everything down.
# Usage: tools/demo.sh [WORK_DIR]   (default: a fresh temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA="${TAILOR_DEMO_DATA:-$ROOT/../shared/data}"
WORK="${1:-$(mktemp -d -t tailor-demo.XXXXXX)}"
mkdir -p "$WORK"
say() { echo; echo "demo: $*"; } >&2

tools/setup.sh
say "building the tailor tool, the servers and the quality table"
bazel build //tools/tailor:tailor //parameter_server:tailor_ps \
  //trainer/distributed:tailor_coordinator //trainer/distributed:tailor_worker \
  //ranker:tailor_ranker //tests/ranker_quality:quality_table
# The output directory of this build (the bazel-bin symlink follows whichever
# output base built last).
BIN=$(bazel info bazel-bin 2>/dev/null)
TAILOR="$BIN/tools/tailor/tailor"

# 1. The shop's log.
if [[ -d "$DATA/online-retail" ]]; then
  say "ingesting UCI Online Retail from $DATA/online-retail"
  "$TAILOR" ingest --preset=online_retail --input="$DATA/online-retail" \
    --output="$WORK/shop"
  REAL_RETAIL=1
else
  say "$DATA/online-retail not found; generating a synthetic shop log"
  "$TAILOR" synth --preset=small --output="$WORK/shop_log"
  "$TAILOR" ingest --preset=synth --input="$WORK/shop_log" --output="$WORK/shop"
  REAL_RETAIL=0
fi

# 2. Marketing artifacts.
say "customer profiles, segments and product content"
"$TAILOR" profile --dataset="$WORK/shop" --output="$WORK/profiles" \
  --html="$WORK/profiles.html"
"$TAILOR" segment --dataset="$WORK/shop" --output="$WORK/segments" \
  --html="$WORK/segments.html"
"$TAILOR" content --dataset="$WORK/shop" --output="$WORK/content"

# 3. Distributed training. Every process here talks plaintext on loopback
# (--insecure); docs/security.md runs the same job with mutual TLS.
say "training implicit ALS with tailor cluster (2 shards, 2 workers)"
TRAINED=$("$TAILOR" cluster --insecure --dataset="$WORK/shop" --shards=2 --workers=2 \
  --algorithm=ials --factors=32 --iterations=10 --alpha=3 --regularization=30 \
  --seed=42 --output="$WORK/trained" --cluster_model_name=shop_cf \
  --cluster_dir="$WORK/cluster" | tail -n 1)
echo "trained model: $TRAINED" >&2

# 4. The servable version.
say "exporting the servable model version"
"$TAILOR" export --export_from="$TRAINED" --export_profiles="$WORK/profiles" \
  --export_segments="$WORK/segments" --export_content="$WORK/content" \
  --export_model_base="$WORK/serving" --export_model_name=shop

# 5. Serve and rank.
say "starting tailor_ranker"
rm -f "$WORK/ranker.port"
"$BIN/ranker/tailor_ranker" --insecure --model_base="$WORK/serving" --model_names=shop \
  --port=0 --port_file="$WORK/ranker.port" --metrics_port=0 \
  --metrics_port_file="$WORK/ranker.metrics_port" \
  --exposure_log="$WORK/exposures.jsonl" 2>"$WORK/ranker.log" &
RANKER=$!
trap 'kill -TERM $RANKER 2>/dev/null || true; wait $RANKER 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do  # up to 60 s for the model to load
  [[ -s "$WORK/ranker.port" ]] && break
  kill -0 $RANKER 2>/dev/null || { cat "$WORK/ranker.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$WORK/ranker.port" ]] || { echo "demo: tailor_ranker did not start" >&2; exit 1; }
ADDR="127.0.0.1:$(cat "$WORK/ranker.port")"

# Users and items to ask about: the most active customer, three products
# bought by someone else, and a country.
USERS_TSV="$WORK/shop/users.tsv"
ITEMS_TSV="$WORK/shop/items.tsv"
if [[ $REAL_RETAIL -eq 1 ]]; then
  KNOWN=14911 RECENT=85123A,22423,47566 COUNTRY="Germany"
else
  KNOWN=$(awk -F'\t' 'NR == 2 { print $2 }' "$USERS_TSV")
  RECENT=$(awk -F'\t' 'NR >= 2 && NR <= 4 { printf "%s%s", sep, $2; sep = "," }' "$ITEMS_TSV")
  COUNTRY=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == "country") c = i }
                        NR == 2 && c { print $c }' "$USERS_TSV")
fi
rank() { "$TAILOR" rank --insecure --rank_server="$ADDR" --rank_model=shop \
  --dataset="$WORK/shop" --rank_count=10 "$@"; }
say "Rank for a known customer ($KNOWN)"
rank --rank_user_id="$KNOWN"
say "Rank for a new customer who just bought $RECENT"
rank --rank_recent="$RECENT" --rank_country="$COUNTRY"
say "Rank for an anonymous visitor from $COUNTRY"
rank --rank_country="$COUNTRY"
kill -TERM $RANKER
wait $RANKER || true
trap - EXIT
echo "exposure log: $(cat "$WORK"/exposures.jsonl* | wc -l) lines in $WORK/exposures.jsonl*" >&2

# 6. Evaluation.
if [[ $REAL_RETAIL -eq 1 ]]; then
  say "evaluation: hybrid ranking vs pure CF, trained before 2011-11-01, tested after"
  "$BIN/tests/ranker_quality/quality_table" --dataset="$WORK/shop"
else
  say "evaluation: per-user 75/25 split"
  "$TAILOR" eval --dataset="$WORK/shop" --protocol=ms_stratified --seed=42 \
    --algorithms="popularity,item_knn,ials:alpha=3:regularization=30"
fi
if [[ -d "$DATA/movielens-100k" ]]; then
  say "MovieLens 100K: Surprise 5-fold RMSE and Microsoft Recommenders top-k"
  "$TAILOR" ingest --preset=movielens100k --input="$DATA/movielens-100k" \
    --output="$WORK/movielens100k"
  "$TAILOR" eval --dataset="$WORK/movielens100k" --protocol=surprise_cv --seed=42 \
    --algorithms="biased_mf:learning_rate=0.01:regularization=0.1:iterations=40,item_knn:similarity=msd:rating_min=1:rating_max=5:max_neighbors=0"
  "$TAILOR" eval --dataset="$WORK/movielens100k" --protocol=ms_stratified --seed=42 \
    --algorithms="popularity,item_knn,bpr:iterations=100:learning_rate=0.02:regularization=0.03,ials:alpha=3:regularization=30"
fi
say "done; everything is in $WORK"
