#!/usr/bin/env python3
"""Checks Tailor's Kubernetes manifests without a cluster.

Usage:
  check_manifests.py --manifests=DIR --dockerfile=FILE --config_check=BIN \
      --binary=tailor=PATH --binary=tailor_ps=PATH ...

Every *.yaml under DIR must parse (PyYAML, safe loader) into known kinds with
the fields Kubernetes requires; selectors must match the labels of the pods
they select; Service target ports, probe ports and the --port /
--metrics_port flags must name container ports; every flag a container passes
must be listed by `BINARY --help` (`tailor SUBCOMMAND --help` for the tool);
$(VAR) references must be defined in the container's env; volumes, claims
and ConfigMap keys named by mounts and flags must exist; and the pieces of
the training job and the serving path must agree with each other (shard
count and addresses, state directory, worker count, coordinator address,
dataset and model paths, labels and experiments). ConfigMap files are
validated by config_check, which uses the binaries' own parsers.

Prints one line per problem and exits 1 if there is any; exits 0 otherwise.
The checks are functions of the parsed documents (check_all), so the
self-test can feed them broken copies.
"""

import argparse
import json
import os
import posixpath
import re
import subprocess
import sys
import tempfile

import yaml

NAMESPACE = "tailor"
CLUSTER_DOMAIN = "svc.cluster.local"
BINARIES = ("tailor", "tailor_ps", "tailor_coordinator", "tailor_worker",
            "tailor_ranker")

# The certificate role (tools/certs/make_certs.sh) each server runs as.
ROLES = {"tailor_ps": "ps", "tailor_coordinator": "coordinator",
         "tailor_worker": "worker", "tailor_ranker": "ranker"}

# (apiVersion, kind) pairs the manifests may use.
KNOWN_KINDS = {
    ("v1", "Namespace"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "Deployment"),
    ("batch/v1", "Job"),
    ("policy/v1", "PodDisruptionBudget"),
}
WORKLOAD_KINDS = ("StatefulSet", "Deployment", "Job")
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
FLAG_RE = re.compile(r"^--([A-Za-z0-9_]+)(=(.*))?$", re.S)
VAR_RE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


class HelpFlags:
    """Flags each binary (and each `tailor` subcommand) lists in --help."""

    def __init__(self, binaries):
        self._binaries = binaries
        self._cache = {}

    def flags(self, binary, subcommand=None):
        key = (binary, subcommand)
        if key not in self._cache:
            argv = [self._binaries[binary]]
            if subcommand:
                argv.append(subcommand)
            argv.append("--help")
            run = subprocess.run(argv, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True,
                                 timeout=60, check=False)
            if run.returncode != 0:
                self._cache[key] = None
            else:
                self._cache[key] = set(
                    re.findall(r"^\s*--([A-Za-z0-9_]+)", run.stdout, re.M))
        return self._cache[key]


def load_manifests(directory):
    """Returns [(path, document)] for every YAML document under directory."""
    docs = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml")):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                for doc in yaml.safe_load_all(f):
                    if doc is not None:
                        docs.append((os.path.relpath(path, directory), doc))
    return docs


def dockerfile_binaries(text):
    """Binaries the Dockerfile's final stage copies to /usr/local/bin."""
    stages = re.split(r"^FROM\s", text, flags=re.M)
    final = stages[-1]
    if not re.search(r"^COPY --from=build /out/ /usr/local/bin/", final, re.M):
        return set()
    first = stages[-2] if len(stages) >= 2 else ""
    return set(re.findall(r"bazel-bin/\S+/(tailor[a-z_]*)\b", first))


class Checker:
    def __init__(self, docs, help_flags, config_check, docker_binaries):
        self.docs = docs
        self.help = help_flags
        self.config_check = config_check
        self.docker_binaries = docker_binaries
        self.errors = []

    def error(self, where, message):
        self.errors.append("%s: %s" % (where, message))

    # ---- helpers -------------------------------------------------------

    def objects(self, kind):
        return [(p, d) for p, d in self.docs if d.get("kind") == kind]

    def find(self, kind, name):
        for _, d in self.objects(kind):
            if d["metadata"].get("name") == name:
                return d
        return None

    @staticmethod
    def where(path, doc):
        return "%s %s/%s" % (path, doc.get("kind"),
                             (doc.get("metadata") or {}).get("name"))

    @staticmethod
    def pod_spec(doc):
        return doc["spec"]["template"]["spec"]

    @staticmethod
    def pod_labels(doc):
        return doc["spec"]["template"].get("metadata", {}).get("labels", {})

    @staticmethod
    def containers(doc, init=True):
        spec = doc["spec"]["template"]["spec"]
        out = list(spec.get("containers") or [])
        if init:
            out += list(spec.get("initContainers") or [])
        return out

    @staticmethod
    def args(container):
        """{flag: value} of the container's --flag[=value] arguments."""
        out = {}
        for a in container.get("args") or []:
            m = FLAG_RE.match(str(a))
            if m:
                out[m.group(1)] = m.group(3) if m.group(2) else "true"
        return out

    def workloads(self):
        return [(p, d) for p, d in self.docs if d.get("kind") in WORKLOAD_KINDS]

    def workload_running(self, binary, subcommand=None):
        """[(path, doc, container)] of containers running binary."""
        out = []
        for p, d in self.workloads():
            for c in self.containers(d):
                cmd = c.get("command") or []
                if cmd and cmd[0] == binary and (
                        subcommand is None or
                        (c.get("args") or [None])[0] == subcommand):
                    out.append((p, d, c))
        return out

    def one(self, binary, what, subcommand=None):
        found = self.workload_running(binary, subcommand)
        if len(found) != 1:
            self.error("manifests", "expected exactly one %s running %s%s, "
                       "found %d" % (what, binary,
                                     " " + subcommand if subcommand else "",
                                     len(found)))
            return None
        return found[0]

    def mounts(self, doc, container):
        """[(mountPath, volume dict or claim template, readOnly)]."""
        spec = self.pod_spec(doc)
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for t in doc["spec"].get("volumeClaimTemplates") or []:
            volumes[t["metadata"]["name"]] = {"claimTemplate": t}
        out = []
        for m in container.get("volumeMounts") or []:
            out.append((m["mountPath"], volumes.get(m["name"]),
                        bool(m.get("readOnly"))))
        return out

    def volume_of(self, doc, container, path):
        """(mountPath, volume, readOnly) of the mount holding path."""
        best = None
        for mount_path, volume, read_only in self.mounts(doc, container):
            if path == mount_path or path.startswith(mount_path.rstrip("/") + "/"):
                if best is None or len(mount_path) > len(best[0]):
                    best = (mount_path, volume, read_only)
        return best

    @staticmethod
    def volume_identity(volume):
        if volume is None:
            return None
        if "persistentVolumeClaim" in volume:
            return ("pvc", volume["persistentVolumeClaim"]["claimName"])
        if "claimTemplate" in volume:
            return ("template", volume["claimTemplate"]["metadata"]["name"])
        if "configMap" in volume:
            return ("configMap", volume["configMap"]["name"])
        return ("other", json.dumps(volume, sort_keys=True))

    def same_storage(self, where, a, b, path_a, path_b):
        """Path path_a in (doc, container) a and path_b in b are one PVC file."""
        va = self.volume_of(a[0], a[1], path_a)
        vb = self.volume_of(b[0], b[1], path_b)
        if va is None or vb is None:
            self.error(where, "%s or %s is on no mounted volume" %
                       (path_a, path_b))
            return
        ia, ib = self.volume_identity(va[1]), self.volume_identity(vb[1])
        if ia is None or ib is None or ia[0] != "pvc" or ia != ib:
            self.error(where, "%s and %s are not on the same persistent volume "
                       "claim (%s vs %s)" % (path_a, path_b, ia, ib))
            return
        if posixpath.relpath(path_a, va[0]) != posixpath.relpath(path_b, vb[0]):
            self.error(where, "%s and %s are different places on claim %s" %
                       (path_a, path_b, ia[1]))

    @staticmethod
    def cpu(quantity):
        q = str(quantity)
        return float(q[:-1]) / 1000 if q.endswith("m") else float(q)

    # ---- generic structure ---------------------------------------------

    def check_structure(self):
        seen = set()
        for path, doc in self.docs:
            if not isinstance(doc, dict):
                self.error(path, "a YAML document that is not a mapping")
                continue
            where = self.where(path, doc)
            if (doc.get("apiVersion"), doc.get("kind")) not in KNOWN_KINDS:
                self.error(where, "unknown apiVersion/kind %s/%s" %
                           (doc.get("apiVersion"), doc.get("kind")))
                continue
            meta = doc.get("metadata") or {}
            name = meta.get("name", "")
            if not NAME_RE.match(str(name)) or len(name) > 63:
                self.error(where, "metadata.name %r is not a DNS label" % name)
            if doc["kind"] != "Namespace" and meta.get("namespace") != NAMESPACE:
                self.error(where, "metadata.namespace must be %r, got %r" %
                           (NAMESPACE, meta.get("namespace")))
            key = (doc["kind"], name)
            if key in seen:
                self.error(where, "defined twice")
            seen.add(key)
        if self.find("Namespace", NAMESPACE) is None:
            self.error("manifests", "no Namespace %r" % NAMESPACE)

    def check_workloads(self):
        for path, doc in self.workloads():
            where = self.where(path, doc)
            spec = doc.get("spec") or {}
            template = spec.get("template") or {}
            labels = (template.get("metadata") or {}).get("labels") or {}
            pod = template.get("spec") or {}
            if not pod.get("containers"):
                self.error(where, "spec.template.spec.containers is empty")
                continue
            if doc["kind"] != "Job":
                match = (spec.get("selector") or {}).get("matchLabels") or {}
                if not match:
                    self.error(where, "spec.selector.matchLabels is missing")
                for k, v in match.items():
                    if labels.get(k) != v:
                        self.error(where, "selector %s=%s does not match the pod "
                                   "template labels %s" % (k, v, labels))
            if doc["kind"] == "StatefulSet":
                svc = self.find("Service", spec.get("serviceName"))
                if svc is None:
                    self.error(where, "serviceName %r names no Service" %
                               spec.get("serviceName"))
                elif svc["spec"].get("clusterIP") != "None":
                    self.error(where, "serviceName %r is not a headless Service "
                               "(clusterIP: None)" % spec.get("serviceName"))
            if doc["kind"] == "Job":
                policy = pod.get("restartPolicy")
                if policy not in ("Never", "OnFailure"):
                    self.error(where, "a Job's restartPolicy must be Never or "
                               "OnFailure, got %r" % policy)
            self.check_pod_volumes(where, doc)
            images = set()
            for c in self.containers(doc):
                self.check_container(where, doc, c)
                images.add(c.get("image"))
            self.images = getattr(self, "images", set()) | images
        if len(getattr(self, "images", set())) > 1:
            self.error("manifests", "containers use different images: %s" %
                       sorted(self.images))

    def check_pod_volumes(self, where, doc):
        pod = self.pod_spec(doc)
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        names = [v["name"] for v in pod.get("volumes") or []]
        names += [t["metadata"]["name"]
                  for t in doc["spec"].get("volumeClaimTemplates") or []]
        if len(names) != len(set(names)):
            self.error(where, "volume names repeat: %s" % names)
        for v in pod.get("volumes") or []:
            if "persistentVolumeClaim" in v:
                claim = v["persistentVolumeClaim"].get("claimName")
                if self.find("PersistentVolumeClaim", claim) is None:
                    self.error(where, "volume %s: claim %r is not defined" %
                               (v["name"], claim))
            if "configMap" in v:
                if self.find("ConfigMap", v["configMap"].get("name")) is None:
                    self.error(where, "volume %s: ConfigMap %r is not defined" %
                               (v["name"], v["configMap"].get("name")))
        for c in self.containers(doc):
            for m in c.get("volumeMounts") or []:
                if m.get("name") not in names:
                    self.error(where, "container %s mounts undefined volume %r" %
                               (c.get("name"), m.get("name")))
                volume = volumes.get(m.get("name")) or {}
                if m.get("subPath") and "configMap" in volume:
                    self.error(where, "ConfigMap mounted with subPath at %s: "
                               "edits would never reach the pod" %
                               m["mountPath"])

    def check_container(self, where, doc, c):
        cwhere = "%s container %s" % (where, c.get("name"))
        cmd = c.get("command") or []
        if len(cmd) != 1 or cmd[0] not in BINARIES:
            self.error(cwhere, "command must be one Tailor binary (%s), got %s" %
                       (", ".join(BINARIES), cmd))
            return
        binary = cmd[0]
        if binary not in self.docker_binaries:
            self.error(cwhere, "%s is not built and copied by the Dockerfile" %
                       binary)
        args = [str(a) for a in c.get("args") or []]
        subcommand = None
        if binary == "tailor":
            if not args or args[0].startswith("-"):
                self.error(cwhere, "tailor needs a subcommand as its first arg")
                return
            subcommand, args = args[0], args[1:]
        known = self.help.flags(binary, subcommand)
        if known is None:
            self.error(cwhere, "`%s%s --help` failed" %
                       (binary, " " + subcommand if subcommand else ""))
            return
        env = {e["name"] for e in c.get("env") or []}
        for a in args:
            m = FLAG_RE.match(a)
            if not m:
                self.error(cwhere, "argument %r is not --flag or --flag=value" %
                           a)
                continue
            if m.group(1) not in known:
                self.error(cwhere, "flag --%s is not a flag of %s%s" %
                           (m.group(1), binary,
                            " " + subcommand if subcommand else ""))
            for var in VAR_RE.findall(a):
                if var not in env:
                    self.error(cwhere, "%s uses $(%s), which the container's "
                               "env does not define" % (a, var))
        self.check_security(cwhere, doc, c, binary, known)
        self.check_ports(cwhere, c)
        self.check_config_paths(cwhere, doc, c)
        self.check_resources(cwhere, c)

    def check_security(self, where, doc, c, binary, known):
        """Servers and their clients run with mutual TLS: --tls_cert,
        --tls_key and --tls_ca (never --insecure) from a read-only Secret
        volume tailor-tls-<role> of the binary's role; a TLS server's probes
        need the plaintext health-only port (check_ports)."""
        if "insecure" not in known:
            return
        flags = self.args(c)
        tls = [f for f in ("tls_cert", "tls_key", "tls_ca") if flags.get(f)]
        if flags.get("insecure") == "true":
            self.error(where, "--insecure: the manifests run with mutual TLS "
                       "(docs/deploy.md, \"Transport security\")")
            return
        if len(tls) != 3:
            self.error(where, "neither --insecure nor all of --tls_cert, "
                       "--tls_key, --tls_ca: the binary refuses to start")
            return
        role = ROLES.get(binary)
        for f in tls:
            found = self.volume_of(doc, c, flags[f])
            secret = (found[1] or {}).get("secret") if found else None
            if secret is None:
                self.error(where, "--%s=%s is not on a mounted Secret volume" %
                           (f, flags[f]))
                continue
            if role and secret.get("secretName") != "tailor-tls-" + role:
                self.error(where, "--%s=%s comes from Secret %r; the %s role's "
                           "certificate is Secret 'tailor-tls-%s'" %
                           (f, flags[f], secret.get("secretName"), role, role))
            if not found[2]:
                self.error(where, "the TLS Secret at %s is not mounted "
                           "readOnly" % found[0])
        if "health_port" in known and "port" in flags and \
                int(flags.get("health_port", -1)) < 0:
            self.error(where, "a TLS server needs --health_port: the kubelet's "
                       "gRPC probes cannot speak TLS")

    def check_ports(self, where, c):
        ports = {p.get("name"): p.get("containerPort")
                 for p in c.get("ports") or []}
        numbers = set(ports.values())
        flags = self.args(c)
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            p = c.get(probe)
            if not p:
                continue
            for kind in ("grpc", "httpGet", "tcpSocket"):
                if kind in p:
                    port = p[kind].get("port")
                    if port not in numbers and port not in ports:
                        self.error(where, "%s %s port %r is not a container "
                                   "port %s" % (probe, kind, port, ports))
        if "port" in flags:
            if int(flags["port"]) != ports.get("grpc"):
                self.error(where, "--port=%s but the container port named grpc "
                           "is %s" % (flags["port"], ports.get("grpc")))
            if flags.get("host") != "0.0.0.0":
                self.error(where, "a server reached from other pods must listen "
                           "on --host=0.0.0.0, got %r" % flags.get("host"))
            # Probes go to the gRPC port, or to the plaintext health-only
            # port when the server opens one (--health_port).
            probe_ports = (ports.get("grpc"), "grpc")
            if int(flags.get("health_port", -1)) >= 0:
                if int(flags["health_port"]) != ports.get("health"):
                    self.error(where, "--health_port=%s but the container port "
                               "named health is %s" % (flags["health_port"],
                                                       ports.get("health")))
                if flags.get("health_host") != "0.0.0.0":
                    self.error(where, "the kubelet reaches the health port "
                               "only with --health_host=0.0.0.0, got %r" %
                               flags.get("health_host"))
                probe_ports = (ports.get("health"), "health")
            for probe in ("readinessProbe", "livenessProbe"):
                grpc = (c.get(probe) or {}).get("grpc")
                if grpc is None:
                    self.error(where, "no gRPC %s (grpc.health.v1)" % probe)
                elif grpc.get("port") not in probe_ports:
                    self.error(where, "%s checks port %r, not the gRPC port %s" %
                               (probe, grpc.get("port"), ports.get("grpc")))
        if "metrics_port" in flags:
            if int(flags["metrics_port"]) != ports.get("metrics"):
                self.error(where, "--metrics_port=%s but the container port "
                           "named metrics is %s" %
                           (flags["metrics_port"], ports.get("metrics")))
            if flags.get("metrics_host") != "0.0.0.0":
                self.error(where, "--metrics_host must be 0.0.0.0 for scraping")

    def check_config_paths(self, where, doc, c):
        """Flags naming files on ConfigMap mounts name existing keys."""
        for flag, value in self.args(c).items():
            if not value.startswith("/"):
                continue
            found = self.volume_of(doc, c, value)
            if found is None or found[1] is None or "configMap" not in found[1]:
                continue
            cm = self.find("ConfigMap", found[1]["configMap"]["name"])
            key = posixpath.relpath(value, found[0])
            if cm is not None and key not in (cm.get("data") or {}):
                self.error(where, "--%s=%s: ConfigMap %s has no key %r" %
                           (flag, value, cm["metadata"]["name"], key))

    def check_resources(self, where, c):
        flags = self.args(c)
        requests = (c.get("resources") or {}).get("requests") or {}
        if "cpu" not in requests or "memory" not in requests:
            self.error(where, "resources.requests needs cpu and memory")
            return
        if "threads" in flags and re.match(r"^\d+$", flags["threads"]):
            if int(flags["threads"]) > self.cpu(requests["cpu"]):
                self.error(where, "--threads=%s exceeds the CPU request %s" %
                           (flags["threads"], requests["cpu"]))

    def check_services(self):
        for path, svc in self.objects("Service"):
            where = self.where(path, svc)
            selector = svc["spec"].get("selector") or {}
            if not selector:
                self.error(where, "spec.selector is empty")
                continue
            selected = [(p, d) for p, d in self.workloads()
                        if all(self.pod_labels(d).get(k) == v
                               for k, v in selector.items())]
            if not selected:
                self.error(where, "selector %s matches no workload's pods" %
                           selector)
                continue
            for port in svc["spec"].get("ports") or []:
                target = port.get("targetPort", port.get("port"))
                for p, d in selected:
                    names = {}
                    for c in self.containers(d, init=False):
                        for cp in c.get("ports") or []:
                            names[cp.get("name")] = cp.get("containerPort")
                    if target not in names and target not in names.values():
                        self.error(where, "port %s: targetPort %r is not a "
                                   "container port of %s" %
                                   (port.get("name"), target,
                                    d["metadata"]["name"]))
        for path, pdb in self.objects("PodDisruptionBudget"):
            where = self.where(path, pdb)
            match = (pdb["spec"].get("selector") or {}).get("matchLabels") or {}
            selected = [d for _, d in self.workloads()
                        if match and all(self.pod_labels(d).get(k) == v
                                         for k, v in match.items())]
            if not selected:
                self.error(where, "selector %s matches no workload's pods" %
                           match)
            for d in selected:
                if d["kind"] != "Deployment":
                    continue
                replicas = d["spec"].get("replicas", 1)
                if int(pdb["spec"].get("minAvailable", 0)) >= replicas:
                    self.error(where, "minAvailable %s >= replicas %s of %s: "
                               "no pod could ever be evicted" %
                               (pdb["spec"].get("minAvailable"), replicas,
                                d["metadata"]["name"]))

    # ---- the training job ----------------------------------------------

    def service_address(self, doc, port_name="grpc"):
        """host:port of the Service selecting doc's pods."""
        for _, svc in self.objects("Service"):
            selector = svc["spec"].get("selector") or {}
            if selector and all(self.pod_labels(doc).get(k) == v
                                for k, v in selector.items()):
                for port in svc["spec"].get("ports") or []:
                    if port.get("name") == port_name:
                        return svc, port["port"]
        return None, None

    def check_training(self, configs):
        ps = self.one("tailor_ps", "StatefulSet")
        coord = self.one("tailor_coordinator", "coordinator")
        worker = self.one("tailor_worker", "worker Job")
        if not (ps and coord and worker):
            return
        ps_path, ps_doc, ps_c = ps
        co_path, co_doc, co_c = coord
        wk_path, wk_doc, wk_c = worker
        ps_where, co_where, wk_where = (self.where(ps_path, ps_doc),
                                        self.where(co_path, co_doc),
                                        self.where(wk_path, wk_doc))
        ps_flags, co_flags, wk_flags = (self.args(ps_c), self.args(co_c),
                                        self.args(wk_c))
        # Shards: a StatefulSet whose ordinal is the shard index.
        if ps_doc["kind"] != "StatefulSet":
            self.error(ps_where, "tailor_ps must run in a StatefulSet")
            return
        replicas = int(ps_doc["spec"].get("replicas", 1))
        if ps_flags.get("num_shards") != str(replicas):
            self.error(ps_where, "--num_shards=%s but replicas is %d" %
                       (ps_flags.get("num_shards"), replicas))
        index = VAR_RE.fullmatch(ps_flags.get("shard_index", ""))
        env = {e["name"]: e for e in ps_c.get("env") or []}
        field = ((env.get(index.group(1)) or {}).get("valueFrom") or {}).get(
            "fieldRef", {}).get("fieldPath") if index else None
        if field != "metadata.labels['apps.kubernetes.io/pod-index']":
            self.error(ps_where, "--shard_index must be $(VAR) with VAR from "
                       "the pod-index label, got %r (fieldPath %r)" %
                       (ps_flags.get("shard_index"), field))
        if not ps_doc["spec"].get("volumeClaimTemplates"):
            self.error(ps_where, "no volumeClaimTemplates for checkpoints")
        ckpt = ps_flags.get("checkpoint_dir", "")
        mount = self.volume_of(ps_doc, ps_c, ckpt)
        if mount is None or mount[1] is None or "claimTemplate" not in mount[1]:
            self.error(ps_where, "--checkpoint_dir=%s is not on the "
                       "volumeClaimTemplate's volume" % ckpt)
        headless = self.find("Service", ps_doc["spec"].get("serviceName"))
        ps_port = None
        if headless is not None:
            if not headless["spec"].get("publishNotReadyAddresses"):
                self.error(self.where("", headless), "the shards' headless "
                           "Service needs publishNotReadyAddresses: true so a "
                           "restarting shard keeps its DNS name")
            ports = [p for p in headless["spec"].get("ports") or []
                     if p.get("name") == "grpc"]
            ps_port = ports[0]["port"] if ports else None
            expected = ",".join(
                "%s-%d.%s.%s.%s:%s" % (ps_doc["metadata"]["name"], i,
                                       headless["metadata"]["name"],
                                       NAMESPACE, CLUSTER_DOMAIN, ps_port)
                for i in range(replicas))
            if co_flags.get("ps_addresses") != expected:
                self.error(co_where, "--ps_addresses=%s; the shards are %s" %
                           (co_flags.get("ps_addresses"), expected))
            if str(ps_port) != ps_flags.get("port"):
                self.error(ps_where, "headless Service port %s != --port=%s "
                           "(the DNS names carry no port mapping)" %
                           (ps_port, ps_flags.get("port")))
        # Coordinator: state on a claim, at the shards' checkpoint path.
        state = co_flags.get("state_dir", "")
        if state != ckpt:
            self.error(co_where, "--state_dir=%s differs from the shards' "
                       "--checkpoint_dir=%s" % (state, ckpt))
        mount = self.volume_of(co_doc, co_c, state)
        if (mount is None or mount[1] is None or
                "persistentVolumeClaim" not in mount[1] or mount[2]):
            self.error(co_where, "--state_dir=%s is not on a writable "
                       "persistent volume claim" % state)
        # Workers: an indexed Job with one completion per worker slot.
        spec = wk_doc["spec"]
        if wk_doc["kind"] != "Job" or spec.get("completionMode") != "Indexed":
            self.error(wk_where, "workers must be a Job with completionMode: "
                       "Indexed")
        workers = co_flags.get("num_workers", "1")
        for field_name in ("completions", "parallelism"):
            if str(spec.get(field_name)) != workers:
                self.error(wk_where, "%s=%s but the coordinator has "
                           "--num_workers=%s" %
                           (field_name, spec.get(field_name), workers))
        index = VAR_RE.fullmatch(wk_flags.get("worker_index", ""))
        env = {e["name"]: e for e in wk_c.get("env") or []}
        field = ((env.get(index.group(1)) or {}).get("valueFrom") or {}).get(
            "fieldRef", {}).get("fieldPath") if index else None
        if field != ("metadata.annotations['batch.kubernetes.io/"
                     "job-completion-index']"):
            self.error(wk_where, "--worker_index must be $(VAR) with VAR from "
                       "the job-completion-index annotation, got %r" %
                       wk_flags.get("worker_index"))
        svc, port = self.service_address(co_doc)
        if svc is None:
            self.error(co_where, "no Service with a grpc port selects the "
                       "coordinator")
        else:
            expected = "%s.%s.%s:%s" % (svc["metadata"]["name"], NAMESPACE,
                                        CLUSTER_DOMAIN, port)
            if wk_flags.get("coordinator") != expected:
                self.error(wk_where, "--coordinator=%s; the coordinator's "
                           "Service is %s" % (wk_flags.get("coordinator"),
                                              expected))
        # The job spec.
        job = configs.get("job_spec")
        if job is None:
            return
        if str(job.get("workers", 0) or 1) != workers:
            self.error(co_where, "job spec workers=%s but --num_workers=%s" %
                       (job.get("workers"), workers))
        dataset = co_flags.get("dataset") or job.get("dataset_dir", "")
        self.same_storage(wk_where, (co_doc, co_c), (wk_doc, wk_c), dataset,
                          dataset)
        export = job.get("model_export") or {}
        base = co_flags.get("export_base") or export.get("base_dir", "")
        name = co_flags.get("export_name") or export.get("model_name", "")
        mount = self.volume_of(co_doc, co_c, base)
        if not base or mount is None or mount[2]:
            self.error(co_where, "the model export base %r is not on a "
                       "writable volume" % base)
        self.trained = (co_doc, co_c, base, name, int(export.get("version", 0)))
        self.dataset = (co_doc, co_c, dataset)

    # ---- ingest, publish and serving -----------------------------------

    def check_pipeline(self, configs):
        ingest = self.one("tailor", "ingest Job", "ingest")
        export = self.one("tailor", "export container", "export")
        ranker = self.one("tailor_ranker", "Deployment")
        dataset = getattr(self, "dataset", None)
        trained = getattr(self, "trained", None)
        if ingest and dataset:
            flags = self.args(ingest[2])
            if flags.get("output") != dataset[2]:
                self.error(self.where(ingest[0], ingest[1]), "--output=%s but "
                           "the job spec trains on %s" %
                           (flags.get("output"), dataset[2]))
            self.same_storage(self.where(ingest[0], ingest[1]),
                              (ingest[1], ingest[2]), dataset[:2],
                              flags.get("output", ""), dataset[2])
        if not (export and ranker):
            return
        ex_where = self.where(export[0], export[1])
        ex_flags = self.args(export[2])
        if trained:
            co_doc, co_c, base, name, version = trained
            expected = posixpath.join(base, name, str(version))
            if version < 1:
                self.error(ex_where, "the job spec's model_export.version must "
                           "be fixed (>= 1) for --export_from to name it")
            elif ex_flags.get("export_from") != expected:
                self.error(ex_where, "--export_from=%s but the coordinator "
                           "exports %s" % (ex_flags.get("export_from"),
                                           expected))
            self.same_storage(ex_where, (co_doc, co_c),
                              (export[1], export[2]), expected,
                              ex_flags.get("export_from", ""))
        # The inputs of export come from the init containers of its pod.
        produced = {}
        for c in self.containers(export[1]):
            sub = (c.get("args") or [None])[0]
            if sub in ("profile", "segment", "content"):
                produced[sub] = self.args(c).get("output")
                if dataset and self.args(c).get("dataset") != dataset[2]:
                    self.error(ex_where, "%s --dataset=%s, not the trained "
                               "dataset %s" % (sub, self.args(c).get("dataset"),
                                               dataset[2]))
        for sub, flag in (("profile", "export_profiles"),
                          ("segment", "export_segments"),
                          ("content", "export_content")):
            if ex_flags.get(flag) != produced.get(sub):
                self.error(ex_where, "--%s=%s but `tailor %s` writes %s" %
                           (flag, ex_flags.get(flag), sub, produced.get(sub)))
        ra_where = self.where(ranker[0], ranker[1])
        ra_flags = self.args(ranker[2])
        if ranker[1]["kind"] != "Deployment":
            self.error(ra_where, "tailor_ranker must run in a Deployment")
        base = ex_flags.get("export_model_base", "")
        if ra_flags.get("model_base") != base:
            self.error(ra_where, "--model_base=%s but the publish Job writes "
                       "to %s" % (ra_flags.get("model_base"), base))
        self.same_storage(ra_where, (export[1], export[2]),
                          (ranker[1], ranker[2]), base,
                          ra_flags.get("model_base", ""))
        models = [m for m in ra_flags.get("model_names", "").split(",") if m]
        if ex_flags.get("export_model_name") not in models:
            self.error(ra_where, "--model_names=%s does not serve the "
                       "published model %r" % (ra_flags.get("model_names"),
                                               ex_flags.get("export_model_name")))
        labels = configs.get("labels") or {}
        for model in labels:
            if model not in models:
                self.error(ra_where, "labels.json names model %r, which "
                           "--model_names does not serve" % model)
        for e in configs.get("experiments") or []:
            if e["model"] not in models:
                self.error(ra_where, "experiment %s splits model %r, which "
                           "--model_names does not serve" %
                           (e["name"], e["model"]))
            for arm in e["arms"]:
                if arm["label"] and arm["label"] not in labels.get(e["model"],
                                                                   {}):
                    self.error(ra_where, "experiment %s arm %s uses label %r, "
                               "which labels.json does not define" %
                               (e["name"], arm["name"], arm["label"]))
        for probe in ("readinessProbe", "livenessProbe"):
            if "grpc" not in (ranker[2].get(probe) or {}):
                self.error(ra_where, "the ranker's %s must use the gRPC health "
                           "service" % probe)
        if not any(d["kind"] == "PodDisruptionBudget" and all(
                self.pod_labels(ranker[1]).get(k) == v
                for k, v in d["spec"]["selector"]["matchLabels"].items())
                   for _, d in self.objects("PodDisruptionBudget")):
            self.error(ra_where, "no PodDisruptionBudget covers the ranker")
        svc, _ = self.service_address(ranker[1])
        if svc is None:
            self.error(ra_where, "no Service with a grpc port selects the "
                       "ranker")

    # ---- ConfigMap files -----------------------------------------------

    def config_files(self):
        """Runs config_check on the job spec, labels and experiments files."""
        wanted = {}
        coord = self.workload_running("tailor_coordinator")
        ranker = self.workload_running("tailor_ranker")
        for found, flag, key in ((coord, "job_spec", "job_spec"),
                                 (ranker, "labels_config", "labels"),
                                 (ranker, "experiments_config", "experiments")):
            for _, doc, c in found[:1]:
                value = self.args(c).get(flag)
                if not value:
                    self.error("manifests", "%s has no --%s" %
                               (c.get("command"), flag))
                    continue
                mount = self.volume_of(doc, c, value)
                if mount is None or not mount[1] or "configMap" not in mount[1]:
                    self.error("manifests", "--%s=%s is not on a ConfigMap "
                               "volume" % (flag, value))
                    continue
                cm = self.find("ConfigMap", mount[1]["configMap"]["name"])
                rel = posixpath.relpath(value, mount[0])
                if cm is not None and rel in (cm.get("data") or {}):
                    wanted[key] = cm["data"][rel]
        results = {}
        with tempfile.TemporaryDirectory() as tmp:
            argv = [self.config_check]
            for key, text in sorted(wanted.items()):
                path = os.path.join(tmp, key)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                argv.append("--%s=%s" % (key, path))
            if len(argv) == 1:
                return results
            run = subprocess.run(argv, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True,
                                 timeout=60, check=False)
            for line in run.stdout.splitlines():
                results.update(json.loads(line))
            if run.returncode != 0:
                for line in run.stderr.splitlines():
                    self.error("ConfigMap", line.replace(tmp + "/", ""))
        return results

    def check_all(self):
        self.check_structure()
        if self.errors:
            return self.errors  # later checks assume well-formed objects
        self.check_workloads()
        self.check_services()
        configs = self.config_files()
        self.check_training(configs)
        self.check_pipeline(configs)
        return self.errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifests", required=True)
    parser.add_argument("--dockerfile", required=True)
    parser.add_argument("--config_check", required=True)
    parser.add_argument("--binary", action="append", default=[],
                        help="NAME=PATH of a built binary")
    args = parser.parse_args()
    binaries = dict(b.split("=", 1) for b in args.binary)
    missing = [b for b in BINARIES if b not in binaries]
    if missing:
        parser.error("--binary missing for %s" % ", ".join(missing))
    with open(args.dockerfile, encoding="utf-8") as f:
        docker = dockerfile_binaries(f.read())
    try:
        docs = load_manifests(args.manifests)
    except yaml.YAMLError as e:
        print("YAML does not parse: %s" % e)
        return 1
    checker = Checker(docs, HelpFlags(binaries), args.config_check, docker)
    errors = checker.check_all()
    for e in errors:
        print(e)
    print("%d manifest documents in %s; %d problems" %
          (len(docs), args.manifests, len(errors)), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
