#ifndef TAILOR_PARAMETER_SERVER_PS_TYPES_H_
#define TAILOR_PARAMETER_SERVER_PS_TYPES_H_

// Plain C++ value types of the parameter server, shared by the shard's logic
// and the client library, so neither needs protobuf or gRPC headers. They
// mirror the messages of proto/tailor/v1/parameter_server.proto one to one.

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace tailor {

// How never-written rows are initialized (docs/protocols.md,
// "Deterministic initialization").
struct InitializerSpec {
  enum class Kind { kZeros = 1, kNormal = 2, kUniform = 3 };
  Kind kind = Kind::kZeros;
  uint64_t seed = 0;
  float mean = 0.0f;
  float stddev = 0.0f;  // kNormal: > 0
  float low = 0.0f;     // kUniform: low < high
  float high = 0.0f;
  bool operator==(const InitializerSpec& o) const;
  bool operator!=(const InitializerSpec& o) const { return !(*this == o); }
};

struct TableSpec {
  std::string name;  // 1..64 bytes of [a-z0-9_]
  int dim = 0;       // 1..kMaxTableDim
  InitializerSpec init;
};

enum class PushOp { kAssign = 1, kAdd = 2, kOptimizerStep = 3 };

struct OptimizerConfig {
  enum class Kind { kUnspecified = 0, kSgd = 1, kAdaGrad = 2 };
  Kind kind = Kind::kUnspecified;
  float learning_rate = 0.0f;        // > 0, finite
  float l2 = 0.0f;                   // >= 0
  float epsilon = 0.0f;              // AdaGrad; 0 means 1e-8
  float initial_accumulator = 0.0f;  // AdaGrad; 0 means 0.1
};

inline constexpr int kMaxTableDim = 4096;
inline constexpr int kMaxTableNameBytes = 64;
// Wire limits (common.proto WireLimit), repeated as constants for code that
// does not include the generated headers; ps_types_test checks they agree.
inline constexpr int64_t kMaxChunkPayloadBytes = 1048576;
inline constexpr int64_t kMaxChunkDoubles = 131072;
inline constexpr int64_t kMaxRequestKeys = 131072;

// Largest number of rows of width `dim` in one chunk:
// floor(kMaxChunkPayloadBytes / (8 + 4 * dim)).
inline int64_t MaxRowsPerChunk(int dim) {
  return kMaxChunkPayloadBytes / (8 + 4 * int64_t{dim});
}

// INVALID_ARGUMENT (with ErrorInfo) naming the field that is wrong.
absl::Status ValidateTableSpec(const TableSpec& spec);
absl::Status ValidateOptimizer(const OptimizerConfig& config);

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_PS_TYPES_H_
