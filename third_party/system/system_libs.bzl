"""A local repository that wraps Debian bookworm's system C++ libraries.

Nothing is downloaded: the rule asks `pkg-config` on the build machine for the
link lines of gRPC, Protobuf and Abseil, and links Eigen's headers from
/usr/include/eigen3. Run tools/setup.sh first to install the packages.
"""

_ABSL_MODULES = [
    "absl_flags",
    "absl_flags_parse",
    "absl_flags_usage",
    "absl_flags_reflection",
    "absl_flat_hash_map",
    "absl_flat_hash_set",
    "absl_hash",
    "absl_random_random",
    "absl_status",
    "absl_statusor",
    "absl_str_format",
    "absl_strings",
    "absl_synchronization",
    "absl_time",
    "absl_cord",
]

def _pkg_config_libs(ctx, modules):
    result = ctx.execute(["pkg-config", "--libs"] + modules)
    if result.return_code != 0:
        fail("pkg-config --libs %s failed (run tools/setup.sh): %s" %
             (" ".join(modules), result.stderr))
    return [flag for flag in result.stdout.strip().split(" ") if flag]

def _quote(flags):
    return "[" + ", ".join(['"%s"' % f for f in flags]) + "]"

def _system_libs_impl(ctx):
    if not ctx.path("/usr/include/eigen3/Eigen").exists:
        fail("Eigen headers are missing: install libeigen3-dev (tools/setup.sh)")
    ctx.symlink("/usr/include/eigen3/Eigen", "eigen3/Eigen")
    ctx.symlink("/usr/include/eigen3/unsupported", "eigen3/unsupported")
    grpc = _pkg_config_libs(ctx, ["grpc++", "protobuf"]) + ["-lgrpc++_reflection"]
    absl = _pkg_config_libs(ctx, _ABSL_MODULES)
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])

cc_library(name = "absl", linkopts = {absl})

cc_library(name = "protobuf", linkopts = ["-lprotobuf"], deps = [":absl"])

cc_library(name = "grpc", linkopts = {grpc}, deps = [":absl", ":protobuf"])

cc_library(
    name = "eigen",
    hdrs = glob(["eigen3/**"]),
    includes = ["eigen3"],
    defines = ["EIGEN_MPL2_ONLY"],
)

cc_library(name = "gtest", linkopts = ["-lgmock", "-lgtest", "-pthread"])

cc_library(name = "gtest_main", linkopts = ["-lgmock_main"], deps = [":gtest"])

cc_library(name = "benchmark", linkopts = ["-lbenchmark", "-pthread"])

cc_library(name = "zlib", linkopts = ["-lz"])

cc_library(name = "lzma", linkopts = ["-llzma"])

cc_library(name = "openmp", copts = ["-fopenmp"], linkopts = ["-fopenmp"])

cc_library(name = "civetweb", linkopts = ["-lcivetweb"])
""".format(absl = _quote(absl), grpc = _quote(grpc)))

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    environ = ["PKG_CONFIG_PATH"],
)
