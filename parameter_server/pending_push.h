#ifndef TAILOR_PARAMETER_SERVER_PENDING_PUSH_H_
#define TAILOR_PARAMETER_SERVER_PENDING_PUSH_H_

// A Push being received: its header, and the chunks validated and buffered
// so far. Nothing reaches a table until ShardState::CommitPush, so a Push is
// all-or-nothing. Not thread-safe (one stream feeds it).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "parameter_server/ps_types.h"
#include "parameter_server/update_rule.h"

namespace tailor {

struct PushHeaderInfo {
  std::string table;
  PushOp op = PushOp::kAssign;  // an out-of-range value is INVALID_ARGUMENT
  OptimizerConfig optimizer;
  uint64_t worker_id = 0;   // required, non-zero
  uint64_t request_id = 0;  // required, non-zero
  int64_t clock = 0;
};

class PendingPush {
 public:
  PendingPush(PushHeaderInfo header, int dim, std::unique_ptr<UpdateRule> rule,
              uint64_t max_bytes);

  // Validates one chunk (keys ascending within and across chunks, shape,
  // finite values, chunk size) and buffers it. INVALID_ARGUMENT, or
  // RESOURCE_EXHAUSTED (ERROR_REASON_PUSH_TOO_LARGE) over the buffer limit.
  absl::Status AddChunk(absl::Span<const uint64_t> keys, int dim,
                        absl::Span<const float> values);

  const PushHeaderInfo& header() const { return header_; }
  int dim() const { return dim_; }
  const UpdateRule& rule() const { return *rule_; }
  const std::vector<uint64_t>& keys() const { return keys_; }
  const std::vector<float>& values() const { return values_; }
  uint64_t payload_bytes() const {
    return 8 * keys_.size() + 4 * values_.size();
  }

 private:
  std::string Context() const;

  PushHeaderInfo header_;
  int dim_;
  std::unique_ptr<UpdateRule> rule_;
  uint64_t max_bytes_;
  std::vector<uint64_t> keys_;
  std::vector<float> values_;
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_PENDING_PUSH_H_
