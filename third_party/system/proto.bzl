"""Generates C++ Protobuf and gRPC code with the system protoc and plugin."""

def tailor_proto_library(name, srcs, grpc_srcs = [], deps = [], visibility = None):
    """Runs /usr/bin/protoc on `srcs` (paths below this package) into a cc_library.

    Files in `grpc_srcs` (a subset of `srcs`) also get gRPC service stubs from
    /usr/bin/grpc_cpp_plugin. Generated headers are included as
    "tailor/v1/foo.pb.h".
    """
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if src in grpc_srcs:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    native.genrule(
        name = name + "_gen",
        srcs = srcs,
        outs = outs,
        cmd = " ".join([
            "/usr/bin/protoc",
            "-I$$(dirname $(location BUILD))",
            "--cpp_out=$(RULEDIR)",
            "$(SRCS)",
        ]) + (" && /usr/bin/protoc -I$$(dirname $(location BUILD))" +
              " --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin" +
              " --grpc_out=$(RULEDIR) " +
              " ".join(["$(location %s)" % s for s in grpc_srcs]) if grpc_srcs else ""),
        tools = ["BUILD"],
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        includes = ["."],
        copts = ["-w"],
        deps = deps + ["@system//:grpc"],
        visibility = visibility,
    )
