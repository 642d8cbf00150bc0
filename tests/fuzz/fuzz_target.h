#ifndef TAILOR_TESTS_FUZZ_FUZZ_TARGET_H_
#define TAILOR_TESTS_FUZZ_FUZZ_TARGET_H_

// Every fuzz target defines this libFuzzer entry point. Under --config=fuzz
// (clang 14, -fsanitize=fuzzer,address,undefined) libFuzzer drives it; in
// the default build fuzz_main.cc replays the seed corpus and a fixed-seed
// stream of mutations of it (see docs/fuzzing.md). It must return 0 and
// never crash, whatever the bytes.

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#endif  // TAILOR_TESTS_FUZZ_FUZZ_TARGET_H_
