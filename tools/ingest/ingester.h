#ifndef TAILOR_TOOLS_INGEST_INGESTER_H_
#define TAILOR_TOOLS_INGEST_INGESTER_H_

// Internal to //tools/ingest:ingest (RunIngest in ingest.h is the API): the
// per-run state of an ingest and the helpers its parts share. ingester.cc
// reads interaction files, attribute_ingest.cc attribute files,
// ingest_columns.cc resolves columns and reads header lines.

#include <time.h>

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "core/clock.h"
#include "core/dataset/dataset_writer.h"
#include "core/dataset/record_spool.h"
#include "tools/ingest/csv_tokenizer.h"
#include "tools/ingest/ingest.h"
#include "tools/ingest/ingest_spec.h"
#include "tools/ingest/line_reader.h"
#include "tools/ingest/line_scanner.h"
#include "tools/ingest/reject_log.h"

namespace tailor {
namespace ingest_internal {

// CPU time of the calling thread: phase timings stay meaningful on a
// loaded machine.
inline double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

// An accepted interaction line; views point into the current chunk.
struct Accepted {
  absl::string_view user;
  absl::string_view item;
  float value;
  float amount;
  int64_t timestamp;
  int64_t line_no;
  absl::string_view line;
};

struct Columns {
  int user = -1, item = -1, value = -1, timestamp = -1, price = -1,
      quantity = -1, cancel = -1;
};

// An attribute column resolved to indices.
struct AttributePlan {
  std::string name;
  int column = -1;
  std::vector<int> flags;
  std::vector<std::string> flag_names;
};

// Resolves attribute columns against a header (or indices).
absl::StatusOr<std::vector<AttributePlan>> ResolveAttributes(
    const std::vector<AttributeColumn>& columns,
    const std::vector<std::string>& header, int num_fields,
    absl::string_view file);

// The value of one attribute from a tokenized line (valid UTF-8: invalid
// bytes are read as ISO-8859-1).
std::string ExtractAttribute(const AttributePlan& plan,
                             absl::Span<const absl::string_view> fields);

int MaxColumn(std::initializer_list<int> cols);

// Reads the header line (when the file has one) of `reader`; the rest of its
// chunk stays in *rest.
absl::StatusOr<std::vector<std::string>> ReadHeader(
    LineReader* reader, const TableFormat& format, const std::string& file,
    absl::string_view* rest, LineChunk* chunk, bool* eof);

// Reads the inputs of one run into a DatasetWriter. Not thread-safe.
class Ingester {
 public:
  Ingester(const IngestOptions& options, DatasetWriter* writer,
           IngestResult* result)
      : options_(options),
        writer_(writer),
        result_(result),
        clock_(options.clock != nullptr ? options.clock : RealClock()),
        start_(clock_->Now()),
        last_progress_(start_) {}

  absl::Status RunInteractions(const InteractionSource& src,
                               DatasetSource* out);
  absl::Status RunAttributes(const AttributeSource& src, bool users,
                             DatasetSource* out);
  int64_t lines_read() const { return total_lines_; }

 private:
  // Records a rejection; under kFail an error reason returns the failure.
  absl::Status Reject(RejectLog* log, absl::string_view reason, bool is_error,
                      const std::string& file, int64_t line_no,
                      absl::string_view text, absl::string_view detail);
  // Validates one data line of an interaction file; returns false when the
  // line was rejected (*status set when the run must stop).
  // `scanned` (optional): the line's fields when LineScanner split it
  // (then the tokenizer is not run).
  bool ParseLine(const InteractionSource& src, const Columns& cols,
                 absl::string_view line, int64_t line_no,
                 const absl::Span<const absl::string_view>* scanned,
                 Accepted* out, absl::Status* status);
  // The accepted lines of one chunk (views into the chunk) and their keys.
  struct ParsedBatch {
    std::vector<Accepted> lines;
    std::deque<std::string> arena;  // ids copied out of tokenizer scratch
    std::vector<uint64_t> user_keys, item_keys;
    std::vector<absl::string_view> user_ids, item_ids;
    int64_t lines_read = 0;  // lines of the chunk, accepted or not
    double read_seconds = 0, parse_seconds = 0, hash_seconds = 0;  // CPU
  };
  // What ParseChunk needs besides the chunk.
  struct FileContext {
    const InteractionSource* src;
    const Columns* cols;
    int needed;  // the largest mapped column
    const std::vector<AttributePlan>* user_attrs;
    const std::vector<AttributePlan>* item_attrs;
  };
  // Parses lines of `chunk` (whose unread part is *text) into *batch, up to
  // IngestOptions::batch_lines accepted lines, and hashes the ids; *text
  // keeps the lines not parsed yet; line numbers continue from *line_no.
  // Touches no state that FlushBatch uses, so the two may run at the same
  // time (except for ISO-8859-1 input, which is flushed line by line here).
  absl::Status ParseChunk(const FileContext& ctx, const LineChunk& chunk,
                          absl::string_view* text, LineScanner* scanner,
                          int64_t* line_no, ParsedBatch* batch);
  void HashBatch(ParsedBatch* batch);
  // Interns and spools the batch, then clears it.
  absl::Status FlushBatch(const InteractionSource& src,
                          const std::vector<AttributePlan>& user_attrs,
                          const std::vector<AttributePlan>& item_attrs,
                          ParsedBatch* batch);
  void MaybeReportProgress(const std::string& file);

  const IngestOptions& options_;
  DatasetWriter* writer_;
  IngestResult* result_;
  Clock* clock_;
  absl::Time start_;
  absl::Time last_progress_;
  int64_t total_lines_ = 0;
  int expected_fields_ = -1;
  std::string file_;
  CsvTokenizer tokenizer_{CsvDialect{}};
  CsvTokenizer attr_tokenizer_{CsvDialect{}};
  std::string converted_;                     // an ISO-8859-1 line as UTF-8
  std::deque<std::string>* arena_ = nullptr;  // of the batch being parsed
  std::vector<uint32_t> user_ords_, item_ords_, first_seen_;
  std::vector<SpoolRecord> records_;
  int64_t accepted_in_source_ = 0;
  absl::flat_hash_set<uint32_t> seen_;  // ordinals met in an attribute file
};

}  // namespace ingest_internal
}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_INGESTER_H_
