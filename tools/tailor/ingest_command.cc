#include "tools/tailor/ingest_command.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_system.h"
#include "core/key_hash.h"
#include "nlohmann/json.hpp"
#include "tools/ingest/ingest.h"
#include "tools/ingest/presets.h"
#include "tools/ingest/summary.h"
#include "tools/tailor/common_flags.h"

ABSL_FLAG(std::string, delimiter, ",",
          "Generic mode: field delimiter, one character, or 'tab'.");
ABSL_FLAG(bool, has_header, true,
          "Generic mode: the first line of each input names the columns.");
ABSL_FLAG(std::string, user_col, "",
          "Generic mode: user id column (header name or 0-based index).");
ABSL_FLAG(std::string, item_col, "",
          "Generic mode: item id column (header name or 0-based index).");
ABSL_FLAG(std::string, value_col, "",
          "Generic mode: value column (rating, count...); empty: every "
          "value is 1.");
ABSL_FLAG(std::string, timestamp_col, "",
          "Generic mode: timestamp column; empty: no timestamps.");
ABSL_FLAG(std::string, timestamp_format, "auto",
          "unix (integer seconds), iso ('YYYY-MM-DD[ HH:MM[:SS]]', UTC) or "
          "auto (iso when the field has '-' after 4 digits).");
ABSL_FLAG(std::string, price_col, "",
          "Generic mode: unit price column; amount = price (x quantity).");
ABSL_FLAG(std::string, quantity_col, "",
          "Generic mode: quantity column, multiplies price into the amount.");
ABSL_FLAG(std::string, users_file, "",
          "Generic mode: CSV/TSV of user attributes (same dialect flags); "
          "its first column is the user id unless --attr_id_col says.");
ABSL_FLAG(std::string, items_file, "",
          "Generic mode: CSV/TSV of item attributes (title, category...).");
ABSL_FLAG(std::string, attr_id_col, "0",
          "Id column of --users_file / --items_file (name or index).");
ABSL_FLAG(std::string, on_error, "skip",
          "fail: stop at the first malformed line (naming file, line and "
          "reason); skip: count and skip malformed lines, failing at the end "
          "when they exceed --max_error_rate.");
ABSL_FLAG(double, max_error_rate, 0.01,
          "With --on_error=skip, the largest tolerated fraction of malformed "
          "lines (policy rejections such as retail cancellations and blank "
          "lines do not count).");
ABSL_FLAG(int64_t, ingest_max_line_bytes, 1 << 20,
          "Lines longer than this are rejected as line_too_long.");
ABSL_FLAG(int64_t, ingest_partition_entries, int64_t{1} << 21,
          "Target entries per sparse block partition.");
ABSL_FLAG(bool, ingest_overwrite, false,
          "Replace an existing dataset at --output (atomically).");
ABSL_FLAG(std::string, ingest_encoding, "utf8",
          "Generic mode: utf8 or latin1 (ISO-8859-1 converted to UTF-8).");
ABSL_FLAG(bool, ingest_quoting, true,
          "Generic mode: honour RFC 4180 double quotes within a line.");
ABSL_FLAG(std::string, user_key_secret_file, "",
          "File holding 32 hex digits: pseudonymize user ids with this "
          "secret SipHash key (docs/keys.md). Empty: public user keys.");

namespace tailor {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "tailor ingest: %s\n",
               std::string(status.message()).c_str());
  if (absl::GetFlag(FLAGS_json)) {
    nlohmann::json j = {{"command", "ingest"},
                        {"ok", false},
                        {"error", std::string(status.message())}};
    std::printf("%s\n", j.dump().c_str());
  }
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

absl::StatusOr<IngestSpec> GenericSpec(const std::string& input) {
  std::string delim = absl::GetFlag(FLAGS_delimiter);
  if (delim == "tab" || delim == "\\t") delim = "\t";
  if (delim.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--delimiter must be one character or 'tab', got '", delim, "'"));
  }
  TableFormat format;
  format.dialect = {delim[0], absl::GetFlag(FLAGS_ingest_quoting)};
  format.has_header = absl::GetFlag(FLAGS_has_header);
  const std::string enc = absl::GetFlag(FLAGS_ingest_encoding);
  if (enc != "utf8" && enc != "latin1") {
    return absl::InvalidArgumentError(
        "--ingest_encoding must be utf8 or latin1");
  }
  format.latin1 = enc == "latin1";
  TimestampFormat ts;
  const std::string tf = absl::GetFlag(FLAGS_timestamp_format);
  if (tf == "unix") {
    ts = TimestampFormat::kUnixSeconds;
  } else if (tf == "iso") {
    ts = TimestampFormat::kIso;
  } else if (tf == "auto") {
    ts = TimestampFormat::kAuto;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--timestamp_format must be unix, iso or auto, got '", tf, "'"));
  }
  if (absl::GetFlag(FLAGS_user_col).empty() ||
      absl::GetFlag(FLAGS_item_col).empty()) {
    return absl::InvalidArgumentError(
        "without --preset, --user_col and --item_col are required (header "
        "names or 0-based indices); see tailor ingest --help");
  }
  IngestSpec spec;
  for (absl::string_view path : absl::StrSplit(input, ',', absl::SkipEmpty())) {
    InteractionSource s;
    s.path = std::string(path);
    s.format = format;
    s.user_column = absl::GetFlag(FLAGS_user_col);
    s.item_column = absl::GetFlag(FLAGS_item_col);
    s.value_column = absl::GetFlag(FLAGS_value_col);
    s.timestamp_column = absl::GetFlag(FLAGS_timestamp_col);
    s.timestamp_format = ts;
    s.price_column = absl::GetFlag(FLAGS_price_col);
    s.quantity_column = absl::GetFlag(FLAGS_quantity_col);
    if (s.price_column.empty() && !s.quantity_column.empty()) {
      return absl::InvalidArgumentError("--quantity_col needs --price_col");
    }
    spec.interactions.push_back(s);
  }
  for (const auto& [flag, target] :
       {std::make_pair(absl::GetFlag(FLAGS_users_file), &spec.users),
        std::make_pair(absl::GetFlag(FLAGS_items_file), &spec.items)}) {
    if (flag.empty()) continue;
    AttributeSource a;
    a.path = flag;
    a.format = format;
    a.id_column = absl::GetFlag(FLAGS_attr_id_col);
    target->push_back(a);
  }
  spec.policy.push_back(
      "generic: every accepted line is kept as one entry; malformed lines are "
      "counted by reason");
  return spec;
}

absl::StatusOr<KeyHasher> Hasher(FileSystem* fs) {
  const std::string path = absl::GetFlag(FLAGS_user_key_secret_file);
  if (path.empty()) return KeyHasher::Public();
  absl::StatusOr<std::string> secret = ReadFileToString(fs, path);
  if (!secret.ok()) return secret.status();
  absl::StatusOr<KeyHasher> h =
      KeyHasher::WithUserSecret(absl::StripAsciiWhitespace(*secret));
  if (!h.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--user_key_secret_file ", path, ": ", h.status().message()));
  }
  return h;
}

int RunIngestCommand() {
  FileSystem* fs = PosixFileSystem();
  const std::string input = absl::GetFlag(FLAGS_input);
  const std::string output = absl::GetFlag(FLAGS_output);
  const std::string preset = absl::GetFlag(FLAGS_preset);
  if (input.empty()) {
    return Fail(absl::InvalidArgumentError(
        "--input is required (a file, a comma-separated list of files, or a "
        "preset's directory)"));
  }
  if (output.empty()) {
    return Fail(absl::InvalidArgumentError(
        "--output is required: the dataset directory to write"));
  }
  IngestOptions options;
  options.fs = fs;
  options.output_dir = output;
  absl::StatusOr<IngestSpec> spec =
      preset.empty() ? GenericSpec(input) : PresetSpec(fs, preset, input);
  if (!spec.ok()) return Fail(spec.status());
  options.spec = *std::move(spec);
  absl::StatusOr<KeyHasher> hasher = Hasher(fs);
  if (!hasher.ok()) return Fail(hasher.status());
  options.hasher = *hasher;
  const std::string on_error = absl::GetFlag(FLAGS_on_error);
  if (on_error != "fail" && on_error != "skip") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--on_error must be fail or skip, got '", on_error, "'")));
  }
  options.on_error = on_error == "fail" ? OnError::kFail : OnError::kSkip;
  options.max_error_rate = absl::GetFlag(FLAGS_max_error_rate);
  const int64_t max_line = absl::GetFlag(FLAGS_ingest_max_line_bytes);
  const int64_t part = absl::GetFlag(FLAGS_ingest_partition_entries);
  if (max_line < 16 || part < 1) {
    return Fail(
        absl::InvalidArgumentError("--ingest_max_line_bytes must be >= 16 and "
                                   "--ingest_partition_entries >= 1"));
  }
  options.max_line_bytes = static_cast<size_t>(max_line);
  options.target_partition_entries = part;
  options.overwrite = absl::GetFlag(FLAGS_ingest_overwrite);
  // --threads: 0 (the default) means all cores. The ingest uses at most two
  // (read + parse + hash beside intern + spool; docs/ingest.md), so any value
  // of 2 or more, and 0 on a machine with 2 or more cores, turns that
  // pipeline on; 1 keeps everything on one thread. The output is the same.
  const int32_t threads_flag = absl::GetFlag(FLAGS_threads);
  if (threads_flag < 0) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "--threads must be >= 0 (0: all cores), got ", threads_flag)));
  }
  options.threads =
      threads_flag > 0
          ? threads_flag
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  options.progress = [](const IngestProgress& p) {
    std::fprintf(stderr, "ingest: %s: %lld lines in %.1f s (%.0f lines/s)\n",
                 p.file.c_str(), static_cast<long long>(p.lines_read),
                 p.seconds, p.lines_per_second);
  };
  absl::StatusOr<IngestResult> result = RunIngest(options);
  if (!result.ok()) return Fail(result.status());
  std::fputs(IngestSummaryText(*result, output).c_str(), stdout);
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", IngestSummaryJson(*result, output).c_str());
  }
  return 0;
}

}  // namespace

Command IngestCommand() {
  Command c;
  c.name = "ingest";
  c.summary =
      "Validate CSV/TSV interaction logs (plain, gzip or xz) and write a "
      "dataset directory (presets movielens100k, online_retail, synth, or "
      "generic column flags). --threads=1 runs on one thread; 0 (all cores) "
      "or 2 or more overlaps reading and parsing with id interning.";
  c.flags_file = __FILE__;
  c.shared_flags = {"input", "output", "preset", "json", "threads"};
  c.run = &RunIngestCommand;
  return c;
}

}  // namespace tailor
