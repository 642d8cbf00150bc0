#include "core/logging/json_log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace tailor::logging {
namespace {

class StderrLogSink : public LogSink {
 public:
  void Write(absl::string_view line) override {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

bool IsReserved(absl::string_view key) {
  return key == "time" || key == "level" || key == "component" ||
         key == "message" || key == "request_id";
}

// Text form of a value: strings bare unless they hold spaces, quotes or
// '=', then JSON-quoted.
std::string TextValue(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (!s.empty() && s.find_first_of(" \t\n\"=") == std::string::npos) {
      return s;
    }
  }
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view text,
                                         absl::string_view flag_name) {
  if (text == "json") return LogFormat::kJson;
  if (text == "text") return LogFormat::kText;
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag_name, "='", text, "' is not a log format (json or text)"));
}

LogSink* StderrSink() {
  static StderrLogSink* const sink = new StderrLogSink();
  return sink;
}

Logger::Logger(LoggerOptions options) : options_(std::move(options)) {
  if (options_.sink == nullptr) options_.sink = StderrSink();
  if (options_.clock == nullptr) options_.clock = RealClock();
}

std::string Logger::Format(LogLevel level, absl::string_view message,
                           const std::vector<LogField>& fields,
                           absl::string_view request_id) {
  const std::string time = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E3SZ", options_.clock->Now(), absl::UTCTimeZone());
  if (options_.format == LogFormat::kText) {
    std::string line = absl::StrCat(time, " ", LevelName(level), " ",
                                    options_.component, ": ", message);
    if (!request_id.empty()) absl::StrAppend(&line, " request_id=", request_id);
    for (const auto& [key, value] : fields) {
      absl::StrAppend(&line, " ", IsReserved(key) ? "field_" : "", key, "=",
                      TextValue(value));
    }
    line.push_back('\n');
    return line;
  }
  nlohmann::ordered_json object;
  object["time"] = time;
  object["level"] = LevelName(level);
  object["component"] = options_.component;
  object["message"] = std::string(message);
  if (!request_id.empty()) object["request_id"] = std::string(request_id);
  for (const auto& [key, value] : fields) {
    object[IsReserved(key) ? "field_" + key : key] = value;
  }
  std::string line =
      object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

void Logger::Log(LogLevel level, absl::string_view message,
                 const std::vector<LogField>& fields,
                 absl::string_view request_id) {
  options_.sink->Write(Format(level, message, fields, request_id));
}

}  // namespace tailor::logging
