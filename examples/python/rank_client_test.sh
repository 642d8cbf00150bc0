#!/bin/bash
# Runs examples/python/rank_client.py against a live ranker server: the
# server binary given as $1 (with its remaining arguments) is started on an
# OS-chosen port (--port_file), the client ranks through it, and the JSON
# answer is checked. Skips (exit 0 with a note) when python3-grpcio is not
# installed.
set -euo pipefail

SERVER="$1"
shift
CLIENT="examples/python/rank_client.py"
PROTO_DIR="proto"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
PORT_FILE="$TMP/ranker.port"

if ! /usr/bin/python3 -c "import grpc, google.protobuf" 2>/dev/null; then
  echo "SKIP: python3-grpcio / python3-protobuf are not installed"
  exit 0
fi

"$SERVER" --port_file="$PORT_FILE" "$@" &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT

# The port file appears (by rename) once the server accepts calls.
for _ in $(seq 1 600); do
  [[ -s "$PORT_FILE" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited early"; exit 1; }
  sleep 0.1
done
[[ -s "$PORT_FILE" ]] || { echo "no port file after 60 s"; exit 1; }
TARGET="127.0.0.1:$(cat "$PORT_FILE")"

OUT="$(/usr/bin/python3 "$CLIENT" --target="$TARGET" --model=m --user_id=u1 \
  --count=7 --country=GB --request_id=py-1 --proto_dir="$PROTO_DIR" --json)"
echo "client answered: $OUT"
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["model_name"] == "m", r
assert r["model_version"] == 3, r
assert r["request_id"] == "py-1", r
assert len(r["items"]) == 7, r
scores = [i["score"] for i in r["items"]]
assert scores == sorted(scores, reverse=True), scores
assert all(i["item_id"] for i in r["items"]), r
print("rank_client answer checked")
PY

# An unknown model is answered NOT_FOUND and the client exits 1.
set +e
ERR="$(/usr/bin/python3 "$CLIENT" --target="$TARGET" --model=nope --count=3 \
  --proto_dir="$PROTO_DIR" --wait_serving_s=0 2>&1 >/dev/null)"
RC=$?
set -e
echo "unknown model: rc=$RC $ERR"
[[ $RC -eq 1 && "$ERR" == *NOT_FOUND* ]] || { echo "expected NOT_FOUND"; exit 1; }
echo PASS
