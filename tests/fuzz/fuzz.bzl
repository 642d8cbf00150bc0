"""tailor_fuzzer: a fuzz target binary and the test that runs it.

In the default build the target links tests/fuzz/fuzz_main.cc, which replays
the seed corpus and a fixed-seed stream of mutations (fast, deterministic).
Under --config=fuzz (clang 14, libFuzzer, ASan, UBSan) it is a libFuzzer
binary and the test fuzzes for FUZZ_SECONDS (10) from the corpus.
"""

def tailor_fuzzer(name, srcs, deps, corpus):
    native.cc_binary(
        name = name,
        testonly = True,
        srcs = srcs,
        linkopts = select({
            "//tests/fuzz:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps + [":fuzz_target"] + select({
            "//tests/fuzz:libfuzzer": [],
            "//conditions:default": [":fuzz_main"],
        }),
    )
    native.sh_test(
        name = name + "_test",
        size = "medium",
        srcs = ["run_fuzzer.sh"],
        args = [
            "$(rootpath :%s)" % name,
            "tests/fuzz/corpus/" + corpus,
        ] + select({
            "//tests/fuzz:libfuzzer": ["libfuzzer"],
            "//conditions:default": ["replay"],
        }),
        data = [":" + name] + native.glob(["corpus/%s/**" % corpus]),
    )
