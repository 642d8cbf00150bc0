#!/usr/bin/env python3
"""Shows that check_manifests.py catches broken manifests.

Usage: same flags as check_manifests.py.

Loads the real manifests, checks them (no problems expected), then checks
copies broken in one way each (an unknown flag, a wrong port, a selector
that misses, a shard count that disagrees, an invalid ConfigMap file, ...)
and expects each to be reported with a message naming the problem. Exits 1
listing every case that was not caught as expected.
"""

import argparse
import copy
import os
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_manifests as cm  # pylint: disable=wrong-import-position


def find(docs, kind, name):
    for _, d in docs:
        if d.get("kind") == kind and d["metadata"]["name"] == name:
            return d
    raise KeyError("%s/%s not in the manifests" % (kind, name))


def container(docs, kind, name, index=0):
    return find(docs, kind, name)["spec"]["template"]["spec"]["containers"][
        index]


def set_arg(c, flag, value):
    args = [a for a in c["args"] if not str(a).startswith("--%s=" % flag)
            and str(a) != "--" + flag]
    if value is not None:
        args.append("--%s=%s" % (flag, value))
    c["args"] = args


def remove(docs, kind, name):
    docs[:] = [(p, d) for p, d in docs
               if not (d.get("kind") == kind and d["metadata"]["name"] == name)]


def ranker(docs):
    return container(docs, "Deployment", "tailor-ranker")


# (case name, mutation, substring the report must contain)
CASES = [
    ("unknown ranker flag",
     lambda d: ranker(d)["args"].append("--no_such_flag=1"),
     "flag --no_such_flag is not a flag of tailor_ranker"),
    ("unknown tailor subcommand flag",
     lambda d: container(d, "Job", "tailor-publish")["args"].append(
         "--export_typo=1"),
     "flag --export_typo is not a flag of tailor export"),
    ("unknown subcommand",
     lambda d: container(d, "Job", "tailor-ingest")["args"].__setitem__(
         0, "ingestt"),
     "`tailor ingestt --help` failed"),
    ("binary not in the image",
     lambda d: ranker(d).__setitem__("command", ["tailor_rankr"]),
     "command must be one Tailor binary"),
    ("service targetPort",
     lambda d: find(d, "Service", "tailor-ranker")["spec"]["ports"][0]
     .__setitem__("targetPort", "grpcx"),
     "targetPort 'grpcx' is not a container port"),
    ("probe port",
     lambda d: ranker(d)["readinessProbe"]["grpc"].__setitem__("port", 7199),
     "readinessProbe grpc port 7199 is not a container port"),
    ("health port flag vs container port",
     lambda d: set_arg(ranker(d), "health_port", "7102"),
     "--health_port=7102 but the container port named health is 7101"),
    ("health port on loopback",
     lambda d: set_arg(ranker(d), "health_host", "127.0.0.1"),
     "only with --health_host=0.0.0.0"),
    ("probe on the TLS port",
     lambda d: ranker(d)["livenessProbe"]["grpc"].__setitem__("port", 7100),
     "livenessProbe checks port 7100"),
    ("port flag vs container port",
     lambda d: set_arg(ranker(d), "port", "7200"),
     "--port=7200 but the container port named grpc is 7100"),
    ("loopback host",
     lambda d: set_arg(container(d, "StatefulSet", "tailor-ps"), "host",
                       "127.0.0.1"),
     "must listen on --host=0.0.0.0"),
    ("no transport security mode",
     lambda d: set_arg(container(d, "Job", "tailor-worker"), "tls_key", None),
     "neither --insecure nor all of --tls_cert"),
    ("plaintext",
     lambda d: container(d, "Job", "tailor-worker")["args"].append(
         "--insecure"),
     "--insecure: the manifests run with mutual TLS"),
    ("certificate not from a Secret",
     lambda d: set_arg(ranker(d), "tls_ca", "/tmp/ca.crt"),
     "--tls_ca=/tmp/ca.crt is not on a mounted Secret volume"),
    ("another role's certificate",
     lambda d: [v for v in find(d, "Job", "tailor-worker")["spec"]["template"]
                ["spec"]["volumes"]
                if v["name"] == "tls"][0]["secret"].__setitem__(
                    "secretName", "tailor-tls-coordinator"),
     "the worker role's certificate is Secret 'tailor-tls-worker'"),
    ("TLS server without a health port",
     lambda d: set_arg(container(d, "Job", "tailor-coordinator"),
                       "health_port", None),
     "a TLS server needs --health_port"),
    ("liveness not gRPC",
     lambda d: ranker(d).__setitem__(
         "livenessProbe", {"tcpSocket": {"port": 7100}}),
     "no gRPC livenessProbe"),
    ("selector misses the pods",
     lambda d: find(d, "Deployment", "tailor-ranker")["spec"]["selector"]
     ["matchLabels"].__setitem__("app.kubernetes.io/component", "rankr"),
     "does not match the pod template labels"),
    ("service selects nothing",
     lambda d: find(d, "Service", "tailor-coordinator")["spec"]["selector"]
     .__setitem__("app.kubernetes.io/component", "coord"),
     "matches no workload's pods"),
    ("shard count",
     lambda d: find(d, "StatefulSet", "tailor-ps")["spec"].__setitem__(
         "replicas", 3),
     "--num_shards=2 but replicas is 3"),
    ("shard addresses",
     lambda d: set_arg(container(d, "Job", "tailor-coordinator"),
                       "ps_addresses", "tailor-ps-0.tailor-ps:7001"),
     "--ps_addresses=tailor-ps-0.tailor-ps:7001; the shards are"),
    ("shard index not from the ordinal",
     lambda d: set_arg(container(d, "StatefulSet", "tailor-ps"),
                       "shard_index", "0"),
     "--shard_index must be $(VAR)"),
    ("headless service",
     lambda d: find(d, "Service", "tailor-ps")["spec"].pop("clusterIP"),
     "is not a headless Service"),
    ("worker count",
     lambda d: find(d, "Job", "tailor-worker")["spec"].__setitem__(
         "completions", 3),
     "completions=3 but the coordinator has --num_workers=2"),
    ("worker Job not indexed",
     lambda d: find(d, "Job", "tailor-worker")["spec"].pop("completionMode"),
     "completionMode: Indexed"),
    ("coordinator address",
     lambda d: set_arg(container(d, "Job", "tailor-worker"), "coordinator",
                       "tailor-coordinator:7000"),
     "--coordinator=tailor-coordinator:7000; the coordinator's Service is"),
    ("state dir vs checkpoint dir",
     lambda d: set_arg(container(d, "Job", "tailor-coordinator"), "state_dir",
                       "/var/lib/tailor/state/other"),
     "differs from the shards' --checkpoint_dir"),
    ("undefined variable",
     lambda d: set_arg(ranker(d), "replica", "$(NO_SUCH_VAR)"),
     "env does not define"),
    ("threads above the CPU request",
     lambda d: set_arg(container(d, "Job", "tailor-worker"), "threads", "64"),
     "--threads=64 exceeds the CPU request"),
    ("missing PodDisruptionBudget",
     lambda d: remove(d, "PodDisruptionBudget", "tailor-ranker"),
     "no PodDisruptionBudget covers the ranker"),
    ("undefined claim",
     lambda d: [v for v in find(d, "Deployment", "tailor-ranker")["spec"]
                ["template"]["spec"]["volumes"]
                if "persistentVolumeClaim" in v][0]
     ["persistentVolumeClaim"].__setitem__("claimName", "nope"),
     "claim 'nope' is not defined"),
    ("missing ConfigMap key",
     lambda d: set_arg(ranker(d), "labels_config",
                       "/etc/tailor/ranker/labels.yaml"),
     "ConfigMap tailor-ranker-config has no key 'labels.yaml'"),
    ("invalid labels file",
     lambda d: find(d, "ConfigMap", "tailor-ranker-config")["data"]
     .__setitem__("labels.json", '{"models": {"shop": {"stable": 0}}}'),
     "ConfigMap: config_check: --labels:"),
    ("invalid experiments file",
     lambda d: find(d, "ConfigMap", "tailor-ranker-config")["data"]
     .__setitem__("experiments.json", '{"experiments": [{"name": "x"}]}'),
     "ConfigMap: config_check: --experiments:"),
    ("invalid job spec",
     lambda d: find(d, "ConfigMap", "tailor-job")["data"].__setitem__(
         "job.textproto", "algorithm: \"ials\"\nno_such_field: 1\n"),
     "ConfigMap: config_check: --job_spec:"),
    ("job spec workers",
     lambda d: find(d, "ConfigMap", "tailor-job")["data"].__setitem__(
         "job.textproto",
         find(d, "ConfigMap", "tailor-job")["data"]["job.textproto"].replace(
             "workers: 2", "workers: 3")),
     "job spec workers=3 but --num_workers=2"),
    ("trained version",
     lambda d: set_arg(container(d, "Job", "tailor-publish"), "export_from",
                       "/models/trained/shop_cf/2"),
     "--export_from=/models/trained/shop_cf/2 but the coordinator exports"),
    ("ranker model base",
     lambda d: set_arg(ranker(d), "model_base", "/models/other"),
     "--model_base=/models/other but the publish Job writes"),
    ("models volume not shared",
     lambda d: find(d, "Deployment", "tailor-ranker")["spec"]["template"]
     ["spec"]["volumes"][0].__setitem__("persistentVolumeClaim",
                                        {"claimName": "tailor-data"}),
     "are not on the same persistent volume claim"),
    ("experiment label undefined",
     lambda d: find(d, "ConfigMap", "tailor-ranker-config")["data"]
     .__setitem__("labels.json", '{"models": {"shop": {"stable": 1}}}'),
     "uses label 'candidate', which labels.json does not define"),
    ("wrong namespace",
     lambda d: find(d, "Service", "tailor-ranker")["metadata"].__setitem__(
         "namespace", "default"),
     "metadata.namespace must be 'tailor'"),
    ("unknown kind",
     lambda d: d.append(("x.yaml", {"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {"name": "p",
                                                 "namespace": "tailor"}})),
     "unknown apiVersion/kind v1/Pod"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifests", required=True)
    parser.add_argument("--dockerfile", required=True)
    parser.add_argument("--config_check", required=True)
    parser.add_argument("--binary", action="append", default=[])
    args = parser.parse_args()
    binaries = dict(b.split("=", 1) for b in args.binary)
    help_flags = cm.HelpFlags(binaries)
    with open(args.dockerfile, encoding="utf-8") as f:
        docker = cm.dockerfile_binaries(f.read())
    base = cm.load_manifests(args.manifests)
    failures = []
    errors = cm.Checker(copy.deepcopy(base), help_flags, args.config_check,
                        docker).check_all()
    if errors:
        failures.append("the real manifests: %s" % errors)
    for name, mutate, expected in CASES:
        docs = copy.deepcopy(base)
        mutate(docs)
        errors = cm.Checker(docs, help_flags, args.config_check,
                            docker).check_all()
        if not any(expected in e for e in errors):
            failures.append("%s: expected a report containing %r, got %s" %
                            (name, expected, errors))
        else:
            print("caught %-36s %s" % (name + ":",
                                       [e for e in errors if expected in e][0]))
    # A YAML syntax error is reported, not ignored.
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "bad.yaml"), "w", encoding="utf-8") as f:
            f.write("kind: Service\nmetadata: {name: [unclosed\n")
        try:
            cm.load_manifests(tmp)
            failures.append("a YAML syntax error was not raised")
        except yaml.YAMLError:
            print("caught YAML syntax error")
    # The Dockerfile must copy the binaries the manifests run.
    docs = copy.deepcopy(base)
    errors = cm.Checker(docs, help_flags, args.config_check,
                        docker - {"tailor_worker"}).check_all()
    if not any("tailor_worker is not built and copied by the Dockerfile" in e
               for e in errors):
        failures.append("a binary missing from the image was not reported: %s"
                        % errors)
    for f in failures:
        print("NOT CAUGHT: " + f)
    print("%d cases, %d not caught as expected" % (len(CASES) + 2,
                                                   len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
