#!/usr/bin/env python3
"""Checks the Dockerfile against the built binaries, without a Docker engine.

Usage:
  check_image.py --dockerfile=FILE \
      --binary=tailor=PATH --binary=tailor_ps=PATH ...

The image cannot be built here, so this checks what would make it wrong:
- two stages: a `debian:bookworm` build stage and a `debian:bookworm-slim`
  final stage that copies the build stage's /out/ to /usr/local/bin;
- the build stage installs at least the packages the Bazel build needs, each
  installed on this bookworm machine (so the name exists in bookworm), and
  builds and copies the five binaries;
- the final stage's `apt-get install` list is exactly the set of Debian
  packages that provide the shared libraries `ldd` reports for the built
  binaries (found with `dpkg -S`): nothing missing (the binary would not
  start), nothing more (no compilers, no -dev packages);
- no binary needs a shared library built by Bazel (only the binary is
  copied).

Prints one line per problem and exits 1 if there is any.
"""

import argparse
import functools
import os
import re
import subprocess
import sys

BINARIES = {
    "tailor": "//tools/tailor:tailor",
    "tailor_ps": "//parameter_server:tailor_ps",
    "tailor_coordinator": "//trainer/distributed:tailor_coordinator",
    "tailor_worker": "//trainer/distributed:tailor_worker",
    "tailor_ranker": "//ranker:tailor_ranker",
}
# What the Bazel build of the binaries needs (third_party/system).
BUILD_NEEDS = {
    "bazel-bootstrap", "bazel-platforms", "g++", "pkg-config",
    "libgrpc++-dev", "protobuf-compiler-grpc", "libprotobuf-dev",
    "protobuf-compiler", "libabsl-dev", "libeigen3-dev", "libgtest-dev",
    "libgmock-dev", "libbenchmark-dev", "zlib1g-dev", "liblzma-dev",
    "nlohmann-json3-dev", "libcivetweb-dev",
}
FORBIDDEN_RUNTIME = re.compile(
    r"(-dev$|^g\+\+|^gcc|^clang|^cpp|^bazel|^binutils|^build-essential)")


def stages(text):
    """[(from_line, body)] of the Dockerfile's stages (continuations joined)."""
    joined = re.sub(r"\\\n", " ", text)
    lines = [l for l in joined.splitlines() if not l.lstrip().startswith("#")]
    out = []
    for line in lines:
        if re.match(r"^FROM\s", line):
            out.append([line.strip(), []])
        elif out:
            out[-1][1].append(line)
    return [(f, "\n".join(b)) for f, b in out]


def apt_packages(body):
    """Packages of the `apt-get install` commands in a stage."""
    packages = []
    for m in re.finditer(r"apt-get install ([^&\n]*)", body):
        packages += [w for w in m.group(1).split() if not w.startswith("-")]
    return packages


def installed(package):
    """Whether Debian package `package` is installed on this machine."""
    run = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, check=False)
    return run.returncode == 0 and run.stdout.endswith("installed") and \
        "not-installed" not in run.stdout


@functools.lru_cache(maxsize=None)
def ldd_libraries(path):
    run = subprocess.run(["ldd", path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError("ldd %s failed: %s" % (path, run.stderr.strip()))
    libs = []
    for line in run.stdout.splitlines():
        line = line.strip()
        if "not found" in line:
            libs.append(("NOT FOUND", line.split()[0]))
            continue
        m = re.match(r"^(\S+) => (\S+) \(0x", line)
        if m:
            libs.append((m.group(1), m.group(2)))
            continue
        m = re.match(r"^(/\S+) \(0x", line)  # the dynamic loader
        if m:
            libs.append((os.path.basename(m.group(1)), m.group(1)))
    return libs


@functools.lru_cache(maxsize=None)
def dpkg_owner(path):
    """The Debian package owning path (trying the /usr-merged variants)."""
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        if p.startswith("/usr/lib/"):
            candidates.append(p[len("/usr"):])
        elif p.startswith("/lib/") or p.startswith("/lib64/"):
            candidates.append("/usr" + p)
    for p in candidates:
        run = subprocess.run(["dpkg", "-S", p], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, check=False)
        if run.returncode == 0:
            for line in run.stdout.splitlines():
                owners, _, owned = line.partition(": ")
                if owned.strip() == p and not owners.startswith("diversion"):
                    return owners.split(",")[0].strip().split(":")[0]
    return None


def describe(sonames):
    """'libfoo.so.1 (tailor, tailor_ps), ...' for {soname: binaries}."""
    items = ["%s (%s)" % (so, ", ".join(sorted(b)))
             for so, b in sorted(sonames.items())]
    more = " and %d more" % (len(items) - 3) if len(items) > 3 else ""
    return ", ".join(items[:3]) + more


def check(dockerfile_text, binaries):
    errors = []
    st = stages(dockerfile_text)
    if len(st) != 2:
        return ["Dockerfile: expected 2 stages (build, runtime), found %d" %
                len(st)], {}
    (build_from, build), (final_from, final) = st
    if not re.match(r"^FROM debian:bookworm AS build$", build_from):
        errors.append("Dockerfile: the build stage must be "
                      "`FROM debian:bookworm AS build`, got %r" % build_from)
    if final_from != "FROM debian:bookworm-slim":
        errors.append("Dockerfile: the final stage must be "
                      "`FROM debian:bookworm-slim`, got %r" % final_from)
    # Build stage.
    build_packages = set(apt_packages(build))
    for p in sorted(build_packages):
        if not installed(p):
            errors.append("Dockerfile build stage: %s is not installed on "
                          "this bookworm machine (a typo, or not a package "
                          "tools/setup.sh installs)" % p)
    for p in sorted(BUILD_NEEDS - build_packages):
        errors.append("Dockerfile build stage: %s is missing (the Bazel build "
                      "needs it)" % p)
    for name, label in sorted(BINARIES.items()):
        if label not in build:
            errors.append("Dockerfile build stage: does not build %s" % label)
        out = "bazel-bin/%s/%s" % (label[2:].split(":")[0], name)
        if out not in build:
            errors.append("Dockerfile build stage: does not copy %s to /out"
                          % out)
    # Final stage.
    if not re.search(r"^COPY --from=build /out/ /usr/local/bin/$", final,
                     re.M):
        errors.append("Dockerfile final stage: no `COPY --from=build /out/ "
                      "/usr/local/bin/`")
    runtime = apt_packages(final)
    if len(runtime) != len(set(runtime)):
        errors.append("Dockerfile final stage: a package is listed twice")
    runtime = set(runtime)
    for p in sorted(runtime):
        if FORBIDDEN_RUNTIME.search(p):
            errors.append("Dockerfile final stage: %s is a build package" % p)
    needed = {}
    for name, path in sorted(binaries.items()):
        for soname, lib in ldd_libraries(path):
            if soname == "NOT FOUND":
                errors.append("%s: shared library %s is not found on this "
                              "machine" % (name, lib))
                continue
            if "bazel-out" in lib or "_solib" in lib or ".runfiles" in lib:
                errors.append("%s: needs %s, built by Bazel; the image copies "
                              "only the binary" % (name, lib))
                continue
            owner = dpkg_owner(lib)
            if owner is None:
                errors.append("%s: no Debian package owns %s (%s)" %
                              (name, lib, soname))
                continue
            needed.setdefault(owner, {}).setdefault(soname, set()).add(name)
    for p in sorted(set(needed) - runtime):
        errors.append("Dockerfile final stage: %s is missing; it provides %s" %
                      (p, describe(needed[p])))
    for p in sorted(runtime - set(needed)):
        errors.append("Dockerfile final stage: %s provides no library the "
                      "binaries load" % p)
    return errors, needed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dockerfile", required=True)
    parser.add_argument("--binary", action="append", default=[])
    parser.add_argument("--print_packages", action="store_true",
                        help="print the runtime packages the binaries need")
    parser.add_argument("--self_test", action="store_true",
                        help="also check broken copies of the Dockerfile and "
                        "expect each to be reported")
    args = parser.parse_args()
    binaries = dict(b.split("=", 1) for b in args.binary)
    missing = sorted(set(BINARIES) - set(binaries))
    if missing:
        parser.error("--binary missing for %s" % ", ".join(missing))
    with open(args.dockerfile, encoding="utf-8") as f:
        dockerfile = f.read()
    errors, needed = check(dockerfile, binaries)
    if args.print_packages:
        for p in sorted(needed):
            print("%s\t%s" % (p, describe(needed[p])))
    for e in errors:
        print(e)
    print("%d runtime packages needed by %d binaries; %d problems" %
          (len(needed), len(binaries), len(errors)), file=sys.stderr)
    if args.self_test and not errors:
        errors = self_test(dockerfile, binaries, needed)
        for e in errors:
            print("NOT CAUGHT: " + e)
    return 1 if errors else 0


def self_test(dockerfile, binaries, needed):
    """Checks broken copies of a good Dockerfile; returns what was missed."""
    final_at = dockerfile.rindex("\nFROM ")
    first = sorted(needed)[0]

    def in_final(old, new):
        return dockerfile[:final_at] + dockerfile[final_at:].replace(
            old, new, 1)

    cases = [
        ("a runtime package dropped",
         re.sub(r"^\s*%s \\\n" % re.escape(first), "",
                dockerfile[final_at:], count=1, flags=re.M),
         "%s is missing; it provides" % first),
        ("a compiler in the final stage",
         in_final("--no-install-recommends", "--no-install-recommends g++"),
         "g++ is a build package"),
        ("an unneeded runtime package",
         in_final("--no-install-recommends", "--no-install-recommends curl"),
         "curl provides no library the binaries load"),
        ("a fat final stage",
         in_final("FROM debian:bookworm-slim", "FROM debian:bookworm"),
         "the final stage must be `FROM debian:bookworm-slim`"),
        ("a binary not built",
         dockerfile.replace("//trainer/distributed:tailor_worker", "", 1),
         "does not build //trainer/distributed:tailor_worker"),
        ("a build package that does not exist",
         dockerfile.replace("pkg-config", "pkg-config libfoo-dev", 1),
         "libfoo-dev is not installed on this bookworm machine"),
        ("a build package missing",
         dockerfile.replace(" libcivetweb-dev", "", 1),
         "libcivetweb-dev is missing (the Bazel build needs it)"),
        ("binaries not copied",
         in_final("COPY --from=build /out/ /usr/local/bin/",
                  "COPY --from=build /out/tailor /usr/local/bin/"),
         "no `COPY --from=build /out/ /usr/local/bin/`"),
    ]
    missed = []
    for name, text, expected in cases:
        if name == "a runtime package dropped":
            text = dockerfile[:final_at] + text
        if text == dockerfile:
            missed.append("%s: the mutation did not change the Dockerfile" %
                          name)
            continue
        errors, _ = check(text, binaries)
        if any(expected in e for e in errors):
            print("caught %-34s %s" % (name + ":", [e for e in errors
                                                    if expected in e][0]))
        else:
            missed.append("%s: expected %r, got %s" % (name, expected, errors))
    return missed


if __name__ == "__main__":
    sys.exit(main())
