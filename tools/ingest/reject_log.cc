#include "tools/ingest/reject_log.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace tailor {

void RejectLog::Add(absl::string_view reason, bool is_error,
                    absl::string_view file, int64_t line,
                    absl::string_view text, absl::string_view detail) {
  ReasonCount& rc = reasons_[std::string(reason)];
  rc.is_error = is_error;
  ++rc.count;
  ++total_;
  if (is_error) ++errors_;
  if (static_cast<int>(rc.examples.size()) < examples_per_reason_) {
    RejectExample ex;
    ex.file = std::string(file);
    ex.line = line;
    ex.text = std::string(text.substr(0, kMaxExampleBytes));
    ex.detail = std::string(detail);
    rc.examples.push_back(std::move(ex));
  }
}

std::string RejectLog::Describe(absl::string_view reason,
                                const RejectExample& example) {
  return absl::StrCat(example.file, ":", example.line, ": ", reason,
                      example.detail.empty() ? "" : " (", example.detail,
                      example.detail.empty() ? "" : ")", ": \"",
                      absl::CHexEscape(example.text), "\"");
}

}  // namespace tailor
