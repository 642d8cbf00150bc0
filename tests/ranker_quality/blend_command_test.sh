#!/usr/bin/env bash
# `tailor blend` end to end, as docs/ranker_model.md describes it: a shop log
# cut at a day, a version trained (tailor train) and exported (tailor export)
# from the events before that day, and the blend learned on the events after
# it through the full dataset. Checks the new version's blend.json: learned
# weights, the window, and a validation NDCG after that is not below the one
# before (coordinate ascent starts from the exported weights).
set -euo pipefail
TAILOR="$1"
T="${TEST_TMPDIR:-$(mktemp -d)}/blend"
rm -rf "$T" && mkdir -p "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$TAILOR" synth --preset=small --seed=7 --output="$T/log" > /dev/null
# The day holding the 80% quantile of the timestamps is the cut.
QUANTILE=$(tail -n +2 "$T/log/interactions.csv" | cut -d, -f4 | sort -n |
  awk '{ t[NR] = $1 } END { print t[int(NR * 0.8)] }')
DAY=$(date -u -d "@$QUANTILE" +%F)
CUT=$(date -u -d "$DAY" +%s)
mkdir -p "$T/train_log"
cp "$T/log/items.csv" "$T/log/users.csv" "$T/train_log/"
awk -F, -v cut="$CUT" 'NR == 1 || $4 < cut' "$T/log/interactions.csv" \
  > "$T/train_log/interactions.csv"
"$TAILOR" ingest --preset=synth --input="$T/log" --output="$T/full" > /dev/null
"$TAILOR" ingest --preset=synth --input="$T/train_log" --output="$T/train" > /dev/null

"$TAILOR" train --dataset="$T/train" --algorithm=ials --factors=16 \
  --iterations=5 --holdout=0 --seed=1 --export_dir="$T/trained" \
  --model_name=cf > /dev/null 2> "$T/train.log" || { cat "$T/train.log"; fail "train"; }
TRAINED=$(ls -d "$T"/trained/cf/* | tail -n 1)
"$TAILOR" export --export_from="$TRAINED" --export_model_base="$T/serving" \
  --export_model_name=shop > /dev/null 2> "$T/export.log" || { cat "$T/export.log"; fail "export"; }
[[ -f "$T/serving/shop/1/blend.json" ]] || fail "export wrote no blend.json"

OUT=$("$TAILOR" blend --blend_from="$T/serving/shop/1" --dataset="$T/full" \
  --blend_validation_start="$DAY" --json 2> "$T/blend.log") ||
  { cat "$T/blend.log"; fail "blend"; }
echo "$OUT"
LAST=$(echo "$OUT" | tail -n 1)
python3 - "$LAST" "$T/serving/shop" "$DAY" <<'PY'
import json, os, sys
result = json.loads(sys.argv[1])
base, day = sys.argv[2], sys.argv[3]
versions = sorted(int(v) for v in os.listdir(base) if v.isdigit())
assert versions == [1, 2], f"expected versions 1 and 2, got {versions}"
with open(os.path.join(base, "2", "blend.json")) as f:
    blend = json.load(f)
text = json.dumps(blend)
v = blend["validation"]
assert v["from"] == day, f"window start {v['from']} != {day}"
assert v["queries"] > 0, text
assert v["ndcg"] >= v["ndcg_start"] - 1e-9, f"validation NDCG fell: {text}"
assert abs(v["ndcg_start"] - result["ndcg_before"]) < 1e-9, text
w = blend["weights"]
assert set(w) == {"cf", "content", "segment", "context", "popularity"}, text
assert all(x == x and abs(x) < 1e6 for x in w.values()), text
assert result["version_dir"] == os.path.join(base, "2"), result
print("blend.json:", text)
print("result:", json.dumps(result))
PY
echo PASS
