#ifndef TAILOR_TOOLS_INGEST_REJECT_LOG_H_
#define TAILOR_TOOLS_INGEST_REJECT_LOG_H_

// Counts rejected input lines by reason and keeps the first few of each
// reason verbatim with file:line, for the summary and error messages.
//
// A reason is either an *error* (the line is malformed: it counts towards
// --max_error_rate and fails the run under --on_error=fail) or a *policy*
// rejection (the line is well-formed but a documented preset policy drops
// it, e.g. a cancelled retail invoice, or a blank line).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace tailor {

struct RejectExample {
  std::string file;
  int64_t line = 0;    // 1-based physical line number
  std::string text;    // the line, cut at kMaxExampleBytes
  std::string detail;  // e.g. which column and why
};

struct ReasonCount {
  bool is_error = true;
  int64_t count = 0;
  std::vector<RejectExample> examples;  // at most examples_per_reason
};

// Not thread-safe.
class RejectLog {
 public:
  static constexpr size_t kMaxExampleBytes = 200;

  explicit RejectLog(int examples_per_reason = 3)
      : examples_per_reason_(examples_per_reason) {}

  void Add(absl::string_view reason, bool is_error, absl::string_view file,
           int64_t line, absl::string_view text, absl::string_view detail);

  int64_t total() const { return total_; }
  int64_t errors() const { return errors_; }
  const std::map<std::string, ReasonCount>& reasons() const { return reasons_; }

  // "file:line: reason (detail): text" for one example.
  static std::string Describe(absl::string_view reason,
                              const RejectExample& example);

 private:
  int examples_per_reason_;
  int64_t total_ = 0;
  int64_t errors_ = 0;
  std::map<std::string, ReasonCount> reasons_;
};

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_REJECT_LOG_H_
