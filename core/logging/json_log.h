#ifndef TAILOR_CORE_LOGGING_JSON_LOG_H_
#define TAILOR_CORE_LOGGING_JSON_LOG_H_

// Structured server logs (docs/observability.md): one line per event, either
// one JSON object
//   {"time":"2026-01-02T03:04:05.678Z","level":"INFO","component":
//    "tailor_ps","message":"listening","request_id":"r1","port":4242}
// or the same fields as text
//   2026-01-02T03:04:05.678Z INFO tailor_ps: listening request_id=r1 port=4242
// written to an injected LogSink (stderr by default). Thread-safe: each line
// reaches the sink in one Write call.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/clock.h"
#include "nlohmann/json.hpp"

namespace tailor::logging {

enum class LogFormat { kJson, kText };
enum class LogLevel { kInfo, kWarning, kError };

// "json" or "text"; anything else is INVALID_ARGUMENT naming `flag_name`.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view text,
                                         absl::string_view flag_name);

// Receives whole lines (ending in '\n'). Implementations must be
// thread-safe.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(absl::string_view line) = 0;
};

// Standard error, one fwrite per line. Never null; not owned.
LogSink* StderrSink();

// One key field of an event; values are JSON (strings, numbers, booleans).
using LogField = std::pair<std::string, nlohmann::json>;

struct LoggerOptions {
  std::string component;  // e.g. "tailor_ranker"
  LogFormat format = LogFormat::kJson;
  LogSink* sink = nullptr;  // null: StderrSink(); not owned
  Clock* clock = nullptr;   // null: RealClock(); not owned
};

class Logger {
 public:
  explicit Logger(LoggerOptions options);

  // `request_id` is omitted when empty. Fields keep their order; a field
  // named like a standard one (time, level, ...) is prefixed with "field_".
  void Log(LogLevel level, absl::string_view message,
           const std::vector<LogField>& fields = {},
           absl::string_view request_id = "");
  void Info(absl::string_view message,
            const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kInfo, message, fields);
  }
  void Warning(absl::string_view message,
               const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kWarning, message, fields);
  }
  void Error(absl::string_view message,
             const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kError, message, fields);
  }

  // The line Log would write, without writing it.
  std::string Format(LogLevel level, absl::string_view message,
                     const std::vector<LogField>& fields,
                     absl::string_view request_id);

  LogFormat format() const { return options_.format; }

 private:
  LoggerOptions options_;
};

}  // namespace tailor::logging

#endif  // TAILOR_CORE_LOGGING_JSON_LOG_H_
