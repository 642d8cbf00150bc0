#!/usr/bin/python3
"""Calls Tailor's Rank RPC from Python (Debian's python3-grpcio).

The tailor.v1 stubs are generated when the script starts, from the project's
proto/ directory, with Debian's protoc (python output) and grpc_python_plugin
(protobuf-compiler-grpc) into a temporary directory. Debian's
python3-grpc-tools is version 1.14: its bundled protoc writes Python code that
the python3-protobuf 4.21 runtime refuses, so it is not used.

  /usr/bin/python3 examples/python/rank_client.py --target=127.0.0.1:50051 \
      --model=retail --user_id=17850 --count=5

Prints the ranked items, or with --json one JSON object with the response.
Exit status: 0 on success, 1 when the RPC failed (code and message on stderr),
2 for bad arguments or missing tools.
"""

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

PROTOC = "/usr/bin/protoc"
GRPC_PYTHON_PLUGIN = "/usr/bin/grpc_python_plugin"
DEFAULT_PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "..", "..", "proto")


def generate_stubs(proto_dir, out_dir):
  """Writes tailor/v1/ranker_pb2.py and ranker_pb2_grpc.py under out_dir."""
  for tool in (PROTOC, GRPC_PYTHON_PLUGIN):
    if not os.access(tool, os.X_OK):
      raise RuntimeError(
          f"{tool} is missing: install protobuf-compiler and "
          "protobuf-compiler-grpc")
  proto = os.path.join(proto_dir, "tailor", "v1", "ranker.proto")
  if not os.path.exists(proto):
    raise RuntimeError(f"{proto} does not exist (see --proto_dir)")
  subprocess.run([
      PROTOC, f"-I{proto_dir}", f"--python_out={out_dir}",
      f"--grpc_python_out={out_dir}",
      f"--plugin=protoc-gen-grpc_python={GRPC_PYTHON_PLUGIN}", proto
  ], check=True)
  sys.path.insert(0, out_dir)
  pb2 = importlib.import_module("tailor.v1.ranker_pb2")
  pb2_grpc = importlib.import_module("tailor.v1.ranker_pb2_grpc")
  return pb2, pb2_grpc


def wait_for_serving(channel, timeout_s):
  """Polls grpc.health.v1.Health/Check until SERVING or the timeout.

  Debian has no generated health stubs for Python, so the two tiny messages
  are encoded by hand: the request is empty (the whole server) and the
  response is {status = 1 (SERVING)}.
  """
  check = channel.unary_unary("/grpc.health.v1.Health/Check",
                              request_serializer=lambda b: b,
                              response_deserializer=lambda b: b)
  deadline = time.monotonic() + timeout_s
  while True:
    try:
      if check(b"", timeout=2) == b"\x08\x01":
        return True
    except Exception:  # not up yet: connection refused, UNAVAILABLE, ...
      pass
    if time.monotonic() >= deadline:
      return False
    time.sleep(0.1)


def build_request(pb2, args):
  request = pb2.RankRequest(model_name=args.model, count=args.count,
                            explain=args.explain, request_id=args.request_id)
  if args.user_id:
    request.user_id = args.user_id
  for item_id in args.recent:
    request.recent_interactions.add(item_id=item_id, weight=1.0)
  if args.country:
    request.context.country = args.country
  if args.version:
    request.version = args.version
  elif args.label:
    request.version_label = args.label
  return request


def response_to_dict(pb2, response):
  return {
      "model_name": response.model_name,
      "model_version": response.model_version,
      "version_label": response.version_label,
      "experiment_arm": response.experiment_arm,
      "user_segment": response.user_segment,
      "cold_start": response.cold_start,
      "request_id": response.request_id,
      "server_latency_us": response.served_by.server_latency_us,
      "items": [{
          "item_id": item.item_id,
          "item_key": item.item_key,
          "score": item.score,
          "reason": pb2.ReasonCode.Name(item.reason),
      } for item in response.items],
  }


def main(argv):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--target", required=True, help="host:port of the ranker")
  parser.add_argument("--model", required=True)
  parser.add_argument("--user_id", default="")
  parser.add_argument("--recent", default="",
                      help="comma-separated item ids of recent interactions")
  parser.add_argument("--country", default="")
  parser.add_argument("--count", type=int, default=10)
  parser.add_argument("--version", type=int, default=0)
  parser.add_argument("--label", default="")
  parser.add_argument("--explain", action="store_true")
  parser.add_argument("--request_id", default="python-example")
  parser.add_argument("--timeout_s", type=float, default=5.0)
  parser.add_argument("--wait_serving_s", type=float, default=30.0)
  parser.add_argument("--proto_dir", default=DEFAULT_PROTO_DIR)
  parser.add_argument("--json", action="store_true")
  args = parser.parse_args(argv)
  args.recent = [r for r in args.recent.split(",") if r]

  import grpc  # python3-grpcio

  out_dir = tempfile.mkdtemp(prefix="tailor_stubs_")
  try:
    try:
      pb2, pb2_grpc = generate_stubs(os.path.abspath(args.proto_dir), out_dir)
    except (RuntimeError, subprocess.CalledProcessError) as e:
      print(f"rank_client: {e}", file=sys.stderr)
      return 2
    with grpc.insecure_channel(args.target) as channel:
      if args.wait_serving_s > 0 and not wait_for_serving(
          channel, args.wait_serving_s):
        print(f"rank_client: {args.target} not SERVING after "
              f"{args.wait_serving_s} s", file=sys.stderr)
        return 1
      stub = pb2_grpc.RankerStub(channel)
      try:
        response = stub.Rank(build_request(pb2, args), timeout=args.timeout_s)
      except grpc.RpcError as e:
        print(f"rank_client: Rank failed: {e.code().name}: {e.details()}",
              file=sys.stderr)
        return 1
  finally:
    shutil.rmtree(out_dir, ignore_errors=True)
  result = response_to_dict(pb2, response)
  if args.json:
    print(json.dumps(result))
  else:
    print(f"model {result['model_name']} version {result['model_version']}"
          f" label '{result['version_label']}' arm "
          f"'{result['experiment_arm']}' segment '{result['user_segment']}'"
          f" cold_start {result['cold_start']}")
    for rank, item in enumerate(result["items"], 1):
      print(f"{rank:3d}. {item['item_id']:<24} {item['score']:10.4f} "
            f"{item['reason']}")
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
