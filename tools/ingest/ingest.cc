#include "tools/ingest/ingest.h"

#include <time.h>

#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/dataset/dataset_writer.h"
#include "core/status_macros.h"
#include "tools/ingest/column_mapping.h"
#include "tools/ingest/csv_tokenizer.h"
#include "tools/ingest/field_parsers.h"
#include "tools/ingest/input_stream.h"
#include "tools/ingest/line_reader.h"

namespace tailor {
namespace {

// CPU time of the calling thread: phase timings stay meaningful on a
// loaded machine.
double ThreadCpuSeconds() {
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

absl::StatusOr<std::vector<AttributePlan>> ResolveAttributes(
    const std::vector<AttributeColumn>& columns,
    const std::vector<std::string>& header, int num_fields,
    absl::string_view file) {
  std::vector<AttributePlan> plans;
  for (const AttributeColumn& c : columns) {
    AttributePlan p;
    p.name = c.name;
    if (c.flag_columns.empty()) {
      TAILOR_ASSIGN_OR_RETURN(
          p.column, ResolveColumn(c.column, header, num_fields, file, c.name));
    } else {
      for (const std::string& f : c.flag_columns) {
        TAILOR_ASSIGN_OR_RETURN(
            int idx, ResolveColumn(f, header, num_fields, file, c.name));
        p.flags.push_back(idx);
      }
      p.flag_names = c.flag_names;
      p.flag_names.resize(p.flags.size());
    }
    plans.push_back(std::move(p));
  }
  return plans;
}

// The value of one attribute from a tokenized line (valid UTF-8: invalid
// bytes are read as ISO-8859-1).
std::string ExtractAttribute(const AttributePlan& plan,
                             absl::Span<const absl::string_view> fields) {
  std::string out;
  if (plan.flags.empty()) {
    if (plan.column >= 0 && plan.column < static_cast<int>(fields.size())) {
      const absl::string_view v = TrimSpaces(fields[plan.column]);
      out = IsValidUtf8(v) ? std::string(v) : Latin1ToUtf8(v);
    }
    return out;
  }
  for (size_t i = 0; i < plan.flags.size(); ++i) {
    const int c = plan.flags[i];
    if (c < static_cast<int>(fields.size()) && TrimSpaces(fields[c]) == "1") {
      if (!out.empty()) out.push_back('|');
      out.append(plan.flag_names[i]);
    }
  }
  return out;
}

int MaxColumn(std::initializer_list<int> cols) {
  int m = -1;
  for (int c : cols) m = std::max(m, c);
  return m;
}

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
  bool ParseLine(const InteractionSource& src, const Columns& cols,
                 absl::string_view line, int64_t line_no, Accepted* out,
                 absl::Status* status);
  absl::Status FlushBatch(const InteractionSource& src,
                          const std::vector<AttributePlan>& user_attrs,
                          const std::vector<AttributePlan>& item_attrs);
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
  std::vector<Accepted> batch_;
  std::deque<std::string> arena_;  // ids copied out of tokenizer scratch
  std::vector<uint64_t> user_keys_, item_keys_;
  std::vector<uint32_t> user_ords_, item_ords_;
  int64_t accepted_in_source_ = 0;
  absl::flat_hash_set<uint32_t> seen_;  // ordinals met in an attribute file
};

absl::Status Ingester::Reject(RejectLog* log, absl::string_view reason,
                              bool is_error, const std::string& file,
                              int64_t line_no, absl::string_view text,
                              absl::string_view detail) {
  log->Add(reason, is_error, file, line_no, text, detail);
  if (is_error && options_.on_error == OnError::kFail) {
    RejectExample ex{file, line_no, std::string(text.substr(0, 200)),
                     std::string(detail)};
    return absl::InvalidArgumentError(absl::StrCat(
        RejectLog::Describe(reason, ex),
        " [--on_error=fail; use --on_error=skip to count and skip such "
        "lines]"));
  }
  return absl::OkStatus();
}

void Ingester::MaybeReportProgress(const std::string& file) {
  if (!options_.progress) return;
  const absl::Time now = clock_->Now();
  if (now - last_progress_ < options_.progress_interval) return;
  last_progress_ = now;
  IngestProgress p;
  p.file = file;
  p.lines_read = total_lines_;
  p.seconds = absl::ToDoubleSeconds(now - start_);
  p.lines_per_second = p.seconds > 0 ? total_lines_ / p.seconds : 0;
  options_.progress(p);
}

bool Ingester::ParseLine(const InteractionSource& src, const Columns& cols,
                         absl::string_view line, int64_t line_no, Accepted* out,
                         absl::Status* status) {
  RejectLog* log = &result_->rejects;
  auto reject = [&](absl::string_view reason, bool is_error,
                    absl::string_view detail) {
    *status = Reject(log, reason, is_error, file_, line_no, line, detail);
    return false;
  };
  if (line.size() > options_.max_line_bytes) {
    return reject(
        "line_too_long", true,
        absl::StrCat("longer than ", options_.max_line_bytes, " bytes"));
  }
  if (line.empty()) return reject("blank_line", false, "");
  switch (tokenizer_.Split(line)) {
    case TokenizeResult::kOk:
      break;
    case TokenizeResult::kUnterminatedQuote:
      return reject("unterminated_quote", true, "a quoted field never closes");
    case TokenizeResult::kTextAfterQuote:
      return reject("bad_quote", true, "text after a closing quote");
  }
  const absl::Span<const absl::string_view> f = tokenizer_.fields();
  const int n = static_cast<int>(f.size());
  if (expected_fields_ < 0) expected_fields_ = n;
  if (n < expected_fields_) {
    return reject("missing_columns", true,
                  absl::StrCat(n, " fields, expected ", expected_fields_));
  }
  if (n > expected_fields_) {
    return reject("extra_columns", true,
                  absl::StrCat(n, " fields, expected ", expected_fields_));
  }
  if (cols.cancel >= 0 &&
      absl::StartsWith(TrimSpaces(f[cols.cancel]), src.cancel_prefix)) {
    return reject("cancellation", false, "");
  }
  absl::string_view user = TrimSpaces(f[cols.user]);
  absl::string_view item = TrimSpaces(f[cols.item]);
  if (src.normalize_numeric_ids) {
    user = NormalizeNumericId(user);
    item = NormalizeNumericId(item);
  }
  if (user.empty()) {
    return reject("missing_user_id", !src.missing_user_is_policy, "");
  }
  if (item.empty()) return reject("missing_item_id", true, "");
  if (!IsValidUtf8(user)) return reject("invalid_utf8", true, "user id");
  if (!IsValidUtf8(item)) return reject("invalid_utf8", true, "item id");
  out->value = src.default_value;
  if (cols.value >= 0) {
    switch (ParseFloatField(f[cols.value], &out->value)) {
      case NumberParse::kOk:
        break;
      case NumberParse::kNotANumber:
        return reject("bad_value", true, "value is not a number");
      case NumberParse::kNotFinite:
        return reject("non_finite_value", true, "value");
    }
  }
  out->timestamp = 0;
  if (cols.timestamp >= 0 &&
      !ParseTimestampField(f[cols.timestamp], src.timestamp_format,
                           &out->timestamp)) {
    return reject("bad_timestamp", true, "");
  }
  double quantity = 1, price = 0;
  if (cols.quantity >= 0) {
    switch (ParseDoubleField(f[cols.quantity], &quantity)) {
      case NumberParse::kOk:
        break;
      case NumberParse::kNotANumber:
        return reject("bad_quantity", true, "quantity is not a number");
      case NumberParse::kNotFinite:
        return reject("non_finite_value", true, "quantity");
    }
  }
  if (cols.price >= 0) {
    switch (ParseDoubleField(f[cols.price], &price)) {
      case NumberParse::kOk:
        break;
      case NumberParse::kNotANumber:
        return reject("bad_price", true, "price is not a number");
      case NumberParse::kNotFinite:
        return reject("non_finite_value", true, "price");
    }
  }
  if (src.reject_non_positive_quantity && quantity <= 0) {
    return reject("non_positive_quantity", false, "");
  }
  if (src.reject_non_positive_price && cols.price >= 0 && price <= 0) {
    return reject("non_positive_price", false, "");
  }
  const double amount = quantity * price;
  if (!std::isfinite(static_cast<float>(amount))) {
    return reject("non_finite_value", true, "amount overflows");
  }
  out->amount = static_cast<float>(amount);
  // Unescaped quoted fields live in the tokenizer's scratch space, which
  // the next line reuses: keep a copy until the batch is flushed.
  auto inside = [&](absl::string_view v) {
    return v.data() >= line.data() &&
           v.data() + v.size() <= line.data() + line.size();
  };
  if (!inside(user)) user = arena_.emplace_back(user);
  if (!inside(item)) item = arena_.emplace_back(item);
  out->user = user;
  out->item = item;
  out->line_no = line_no;
  out->line = line;
  return true;
}

absl::Status Ingester::FlushBatch(
    const InteractionSource& src, const std::vector<AttributePlan>& user_attrs,
    const std::vector<AttributePlan>& item_attrs) {
  const size_t n = batch_.size();
  if (n == 0) return absl::OkStatus();
  double t0 = ThreadCpuSeconds();
  user_keys_.resize(n);
  item_keys_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    user_keys_[i] = options_.hasher.UserKey(batch_[i].user);
    item_keys_[i] = options_.hasher.ItemKey(batch_[i].item);
  }
  double t1 = ThreadCpuSeconds();
  result_->phases.hash += t1 - t0;
  user_ords_.resize(n);
  item_ords_.resize(n);
  EntityTable& users = writer_->users();
  EntityTable& items = writer_->items();
  std::vector<std::string> values;
  auto set_attrs = [&](EntityTable& table, uint32_t ordinal,
                       const std::vector<AttributePlan>& plans,
                       absl::string_view line) {
    attr_tokenizer_.Split(line);  // tokenized fine before
    values.clear();
    for (const AttributePlan& p : plans) {
      values.push_back(ExtractAttribute(p, attr_tokenizer_.fields()));
    }
    table.SetAttributes(ordinal, values);
  };
  constexpr size_t kPrefetchAhead = 16;
  for (size_t i = 0; i < std::min(n, kPrefetchAhead); ++i) {
    users.Prefetch(user_keys_[i]);
    items.Prefetch(item_keys_[i]);
  }
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) {
      users.Prefetch(user_keys_[i + kPrefetchAhead]);
      items.Prefetch(item_keys_[i + kPrefetchAhead]);
    }
    const Accepted& a = batch_[i];
    bool inserted = false;
    absl::StatusOr<uint32_t> u = users.Intern(user_keys_[i], a.user, &inserted);
    if (!u.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(file_, ":", a.line_no, ": ", u.status().message()));
    }
    if (inserted && !user_attrs.empty()) {
      set_attrs(users, *u, user_attrs, a.line);
    }
    absl::StatusOr<uint32_t> it =
        items.Intern(item_keys_[i], a.item, &inserted);
    if (!it.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(file_, ":", a.line_no, ": ", it.status().message()));
    }
    if (inserted && !item_attrs.empty()) {
      set_attrs(items, *it, item_attrs, a.line);
    }
    user_ords_[i] = *u;
    item_ords_[i] = *it;
  }
  double t2 = ThreadCpuSeconds();
  result_->phases.intern += t2 - t1;
  for (size_t i = 0; i < n; ++i) {
    const Accepted& a = batch_[i];
    TAILOR_RETURN_IF_ERROR(writer_->Add(user_ords_[i], item_ords_[i], a.value,
                                        a.timestamp, a.amount));
  }
  result_->phases.spool += ThreadCpuSeconds() - t2;
  accepted_in_source_ += static_cast<int64_t>(n);
  batch_.clear();
  arena_.clear();
  return absl::OkStatus();
}

// Reads the header line (when the file has one) of `reader`; the rest of its
// chunk stays in *rest.
absl::StatusOr<std::vector<std::string>> ReadHeader(
    LineReader* reader, const TableFormat& format, const std::string& file,
    absl::string_view* rest, LineChunk* chunk, bool* eof) {
  std::vector<std::string> header;
  *eof = false;
  *rest = absl::string_view();
  TAILOR_ASSIGN_OR_RETURN(bool more, reader->Next(chunk));
  if (!more) {
    *eof = true;
    return header;
  }
  *rest = chunk->text;
  if (!format.has_header) return header;
  if (chunk->overlong) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":1: the header line is too long"));
  }
  const size_t nl = rest->find('\n');
  absl::string_view line = rest->substr(0, nl);
  *rest = nl == absl::string_view::npos ? absl::string_view()
                                        : rest->substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string converted;
  if (format.latin1) {
    converted = Latin1ToUtf8(line);
    line = converted;
  }
  CsvTokenizer tok(format.dialect);
  if (tok.Split(line) != TokenizeResult::kOk) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":1: malformed quotes in the header line"));
  }
  for (absl::string_view f : tok.fields()) {
    header.emplace_back(TrimSpaces(f));
  }
  return header;
}

absl::Status Ingester::RunInteractions(const InteractionSource& src,
                                       DatasetSource* out) {
  file_ = src.path;
  expected_fields_ = -1;
  accepted_in_source_ = 0;
  tokenizer_ = CsvTokenizer(src.format.dialect);
  attr_tokenizer_ = CsvTokenizer(src.format.dialect);
  double t = ThreadCpuSeconds();
  TAILOR_ASSIGN_OR_RETURN(OpenedInput in,
                          OpenInputStream(options_.fs, src.path));
  out->role = "interactions";
  out->path = src.path;
  out->compression = CompressionName(in.compression);
  LineReaderOptions lro;
  lro.max_line_bytes = options_.max_line_bytes;
  LineReader reader(std::move(in.stream), lro);
  LineChunk chunk;
  absl::string_view text;
  bool eof = false;
  TAILOR_ASSIGN_OR_RETURN(
      std::vector<std::string> header,
      ReadHeader(&reader, src.format, src.path, &text, &chunk, &eof));
  result_->phases.read += ThreadCpuSeconds() - t;
  if (src.format.has_header) {
    if (eof) {
      return absl::InvalidArgumentError(
          absl::StrCat(src.path, ": empty input (not even a header line)"));
    }
    expected_fields_ = static_cast<int>(header.size());
    for (const std::string& d : DuplicateNames(header)) {
      result_->warnings.push_back(absl::StrCat(src.path,
                                               ": duplicate header name \"", d,
                                               "\" (not usable by name)"));
    }
  }
  Columns cols;
  const int nf = -1;  // widths are checked per line
  TAILOR_ASSIGN_OR_RETURN(
      cols.user, ResolveColumn(src.user_column, header, nf, src.path, "user"));
  TAILOR_ASSIGN_OR_RETURN(
      cols.item, ResolveColumn(src.item_column, header, nf, src.path, "item"));
  if (cols.user < 0 || cols.item < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(src.path, ": the user and item columns must be given"));
  }
  TAILOR_ASSIGN_OR_RETURN(cols.value, ResolveColumn(src.value_column, header,
                                                    nf, src.path, "value"));
  TAILOR_ASSIGN_OR_RETURN(
      cols.timestamp,
      ResolveColumn(src.timestamp_column, header, nf, src.path, "timestamp"));
  TAILOR_ASSIGN_OR_RETURN(cols.price, ResolveColumn(src.price_column, header,
                                                    nf, src.path, "price"));
  TAILOR_ASSIGN_OR_RETURN(
      cols.quantity,
      ResolveColumn(src.quantity_column, header, nf, src.path, "quantity"));
  TAILOR_ASSIGN_OR_RETURN(cols.cancel, ResolveColumn(src.cancel_column, header,
                                                     nf, src.path, "cancel"));
  TAILOR_ASSIGN_OR_RETURN(
      std::vector<AttributePlan> user_attrs,
      ResolveAttributes(src.user_attributes, header, nf, src.path));
  TAILOR_ASSIGN_OR_RETURN(
      std::vector<AttributePlan> item_attrs,
      ResolveAttributes(src.item_attributes, header, nf, src.path));
  for (const auto& [plans, table] :
       {std::make_pair(&user_attrs, &writer_->users()),
        std::make_pair(&item_attrs, &writer_->items())}) {
    if (plans->empty()) continue;
    std::vector<std::string> names;
    for (const AttributePlan& p : *plans) names.push_back(p.name);
    if (!table->attribute_names().empty() &&
        table->attribute_names() != names) {
      return absl::InvalidArgumentError(absl::StrCat(
          src.path, ": attribute columns differ from another input's"));
    }
    table->SetAttributeNames(names);
  }
  int needed = MaxColumn({cols.user, cols.item, cols.value, cols.timestamp,
                          cols.price, cols.quantity, cols.cancel});
  for (const auto* plans : {&user_attrs, &item_attrs}) {
    for (const AttributePlan& p : *plans) {
      needed = std::max(needed, p.column);
      for (int c : p.flags) needed = std::max(needed, c);
    }
  }
  if (expected_fields_ >= 0 && needed >= expected_fields_) {
    return absl::InvalidArgumentError(
        absl::StrCat(src.path, ": column ", needed, " is beyond the header's ",
                     expected_fields_, " columns"));
  }

  int64_t line_no = src.format.has_header ? 1 : 0;
  int64_t lines = 0;
  absl::Status status;
  std::string converted;
  for (;;) {
    // Parse every line of the current chunk into batch_.
    double tp = ThreadCpuSeconds();
    if (chunk.overlong) {
      ++line_no;
      ++lines;
      TAILOR_RETURN_IF_ERROR(Reject(
          &result_->rejects, "line_too_long", true, src.path, line_no,
          chunk.text,
          absl::StrCat("longer than ", options_.max_line_bytes, " bytes")));
    } else {
      const char* p = text.data();
      const char* const end = p + text.size();
      while (p < end) {
        const char* nl = static_cast<const char*>(
            memchr(p, '\n', static_cast<size_t>(end - p)));
        const char* stop = nl == nullptr ? end : nl;
        absl::string_view line(p, static_cast<size_t>(stop - p));
        p = nl == nullptr ? end : nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        ++line_no;
        ++lines;
        if (src.format.latin1) {  // slow path: one line per batch
          converted = Latin1ToUtf8(line);
          line = converted;
        }
        if (needed >= 0 && expected_fields_ < 0 && !line.empty() &&
            tokenizer_.Split(line) == TokenizeResult::kOk &&
            static_cast<int>(tokenizer_.fields().size()) <= needed) {
          // Without a header the first line sets the width; it must at
          // least reach every mapped column.
          expected_fields_ = needed + 1;
        }
        Accepted a;
        if (ParseLine(src, cols, line, line_no, &a, &status)) {
          batch_.push_back(a);
        } else if (!status.ok()) {
          return status;
        }
        if (src.format.latin1) {
          TAILOR_RETURN_IF_ERROR(FlushBatch(src, user_attrs, item_attrs));
        }
      }
    }
    total_lines_ += lines;
    lines = 0;
    result_->phases.parse += ThreadCpuSeconds() - tp;
    TAILOR_RETURN_IF_ERROR(FlushBatch(src, user_attrs, item_attrs));
    MaybeReportProgress(src.path);
    double tr = ThreadCpuSeconds();
    absl::StatusOr<bool> more = reader.Next(&chunk);
    result_->phases.read += ThreadCpuSeconds() - tr;
    if (!more.ok()) {
      return absl::Status(more.status().code(),
                          absl::StrCat(more.status().message(), " (after line ",
                                       line_no, "; nothing was written)"));
    }
    if (!*more) break;
    text = chunk.text;
  }
  out->lines_read = line_no - (src.format.has_header ? 1 : 0);
  out->accepted = accepted_in_source_;
  return absl::OkStatus();
}

absl::Status Ingester::RunAttributes(const AttributeSource& src, bool users,
                                     DatasetSource* out) {
  RejectLog* log = &result_->attribute_rejects;
  EntityTable& table = users ? writer_->users() : writer_->items();
  TAILOR_ASSIGN_OR_RETURN(OpenedInput in,
                          OpenInputStream(options_.fs, src.path));
  out->role = users ? "users" : "items";
  out->path = src.path;
  out->compression = CompressionName(in.compression);
  LineReaderOptions lro;
  lro.max_line_bytes = options_.max_line_bytes;
  LineReader reader(std::move(in.stream), lro);
  LineChunk chunk;
  absl::string_view text;
  bool eof = false;
  TAILOR_ASSIGN_OR_RETURN(
      std::vector<std::string> header,
      ReadHeader(&reader, src.format, src.path, &text, &chunk, &eof));
  if (eof) {
    return absl::InvalidArgumentError(absl::StrCat(src.path, ": empty input"));
  }
  TAILOR_ASSIGN_OR_RETURN(
      int id_col, ResolveColumn(src.id_column, header, -1, src.path, "id"));
  if (id_col < 0) id_col = 0;
  std::vector<AttributeColumn> columns = src.columns;
  if (columns.empty()) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (static_cast<int>(i) != id_col) {
        columns.push_back({header[i], std::to_string(i), {}, {}});
      }
    }
  }
  TAILOR_ASSIGN_OR_RETURN(std::vector<AttributePlan> plans,
                          ResolveAttributes(columns, header, -1, src.path));
  std::vector<std::string> names;
  for (const AttributePlan& p : plans) names.push_back(p.name);
  if (!table.attribute_names().empty() && table.attribute_names() != names) {
    return absl::InvalidArgumentError(absl::StrCat(
        src.path, ": attribute columns differ from those already set"));
  }
  table.SetAttributeNames(names);
  int needed = id_col;
  for (const AttributePlan& p : plans) {
    needed = std::max(needed, p.column);
    for (int c : p.flags) needed = std::max(needed, c);
  }
  const int expected =
      src.format.has_header ? static_cast<int>(header.size()) : needed + 1;
  CsvTokenizer tok(src.format.dialect);
  int64_t line_no = src.format.has_header ? 1 : 0;
  int64_t accepted = 0;
  std::string converted;
  std::vector<std::string> values;
  for (;;) {
    auto handle = [&](absl::string_view line) -> absl::Status {
      ++line_no;
      auto reject = [&](absl::string_view reason, bool is_error,
                        absl::string_view detail) {
        return Reject(log, absl::StrCat(out->role, "_file:", reason), is_error,
                      src.path, line_no, line, detail);
      };
      if (chunk.overlong || line.size() > options_.max_line_bytes) {
        return reject("line_too_long", true, "");
      }
      if (line.empty()) return reject("blank_line", false, "");
      if (src.format.latin1) {
        converted = Latin1ToUtf8(line);
        line = converted;
      }
      if (tok.Split(line) != TokenizeResult::kOk) {
        return reject("bad_quote", true, "");
      }
      const auto f = tok.fields();
      if (static_cast<int>(f.size()) < expected) {
        return reject("missing_columns", true, "");
      }
      if (src.format.has_header && static_cast<int>(f.size()) > expected) {
        return reject("extra_columns", true, "");
      }
      absl::string_view id = TrimSpaces(f[id_col]);
      if (src.normalize_numeric_ids) id = NormalizeNumericId(id);
      if (id.empty()) return reject("missing_id", true, "");
      if (!IsValidUtf8(id)) return reject("invalid_utf8", true, "id");
      const uint64_t key =
          users ? options_.hasher.UserKey(id) : options_.hasher.ItemKey(id);
      absl::StatusOr<uint32_t> ord = table.Intern(key, id);
      if (!ord.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat(src.path, ":", line_no, ": ", ord.status().message()));
      }
      if (!seen_.insert(*ord).second) {
        return reject("duplicate_id", true, "");
      }
      values.clear();
      for (const AttributePlan& p : plans) {
        values.push_back(ExtractAttribute(p, f));
      }
      table.SetAttributes(*ord, values);
      ++accepted;
      return absl::OkStatus();
    };
    if (chunk.overlong) {
      TAILOR_RETURN_IF_ERROR(handle(chunk.text.substr(0, 200)));
    } else {
      absl::Status s;
      ForEachLine(text, [&](absl::string_view line) {
        if (s.ok()) s = handle(line);
      });
      TAILOR_RETURN_IF_ERROR(s);
    }
    TAILOR_ASSIGN_OR_RETURN(bool more, reader.Next(&chunk));
    if (!more) break;
    text = chunk.text;
  }
  seen_.clear();
  out->lines_read = line_no - (src.format.has_header ? 1 : 0);
  out->accepted = accepted;
  return absl::OkStatus();
}

std::string CountsByReason(const RejectLog& log) {
  std::vector<std::string> parts;
  for (const auto& [reason, rc] : log.reasons()) {
    parts.push_back(absl::StrCat(reason, "=", rc.count));
  }
  return absl::StrJoin(parts, ", ");
}

std::string FirstExamples(const RejectLog& log) {
  std::string out;
  for (const auto& [reason, rc] : log.reasons()) {
    if (!rc.is_error) continue;
    for (const RejectExample& ex : rc.examples) {
      absl::StrAppend(&out, "\n  ", RejectLog::Describe(reason, ex));
    }
  }
  return out;
}

absl::Status CheckErrorRate(const RejectLog& log, int64_t lines,
                            double max_rate, absl::string_view what) {
  if (lines <= 0 || log.errors() == 0) return absl::OkStatus();
  const double rate = static_cast<double>(log.errors()) / lines;
  if (rate <= max_rate) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      what, ": ", log.errors(), " malformed lines of ", lines, " (",
      absl::SixDigits(100.0 * rate), "%) exceed --max_error_rate=", max_rate,
      "; rejected by reason: ", CountsByReason(log),
      "; first examples:", FirstExamples(log)));
}

}  // namespace

absl::StatusOr<IngestResult> RunIngest(const IngestOptions& options) {
  if (options.fs == nullptr) {
    return absl::InvalidArgumentError("RunIngest needs a file system");
  }
  const IngestSpec& spec = options.spec;
  if (spec.interactions.empty()) {
    return absl::InvalidArgumentError("no interaction input given (--input)");
  }
  if (!(options.max_error_rate >= 0 && options.max_error_rate <= 1)) {
    return absl::InvalidArgumentError("--max_error_rate must be in [0, 1]");
  }
  Clock* clock = options.clock != nullptr ? options.clock : RealClock();
  const absl::Time start = clock->Now();
  const double cpu_start = ThreadCpuSeconds();
  IngestResult result;
  result.rejects = RejectLog(options.examples_per_reason);
  result.attribute_rejects = RejectLog(options.examples_per_reason);
  DatasetWriterOptions wo;
  wo.fs = options.fs;
  wo.output_dir = options.output_dir;
  wo.overwrite = options.overwrite;
  wo.target_partition_entries = options.target_partition_entries;
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<DatasetWriter> writer,
                          DatasetWriter::Create(wo));
  DatasetManifest m;
  m.preset = spec.preset;
  m.value_name = spec.value_name;
  m.policy = spec.policy;
  m.user_key_hashing =
      options.hasher.user_ids_pseudonymized() ? "pseudonymized" : "public";
  m.item_key_hashing = "public";
  Ingester ingester(options, writer.get(), &result);
  std::vector<std::string> inputs;
  for (const InteractionSource& src : spec.interactions) {
    DatasetSource ds;
    TAILOR_RETURN_IF_ERROR(ingester.RunInteractions(src, &ds));
    m.has_timestamps |= !src.timestamp_column.empty();
    m.has_amounts |= !src.price_column.empty();
    m.lines_read += ds.lines_read;
    m.accepted += ds.accepted;
    m.sources.push_back(ds);
    inputs.push_back(src.path);
  }
  const std::string what = absl::StrJoin(inputs, ", ");
  TAILOR_RETURN_IF_ERROR(CheckErrorRate(result.rejects, m.lines_read,
                                        options.max_error_rate, what));
  if (m.accepted == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": no interaction accepted (", m.lines_read, " data lines read",
        m.lines_read == 0 ? ": empty input" : "; rejected by reason: ",
        CountsByReason(result.rejects), ")", FirstExamples(result.rejects)));
  }
  for (const auto& [reason, rc] : result.rejects.reasons()) {
    m.rejected[reason] = rc.count;
  }
  for (const auto* group : {&spec.users, &spec.items}) {
    for (const AttributeSource& src : *group) {
      DatasetSource ds;
      TAILOR_RETURN_IF_ERROR(
          ingester.RunAttributes(src, group == &spec.users, &ds));
      TAILOR_RETURN_IF_ERROR(CheckErrorRate(result.attribute_rejects,
                                            ds.lines_read,
                                            options.max_error_rate, src.path));
      m.sources.push_back(ds);
    }
  }
  const absl::Time finish_start = clock->Now();
  const double cpu_finish_start = ThreadCpuSeconds();
  m.ingest_seconds = absl::ToDoubleSeconds(finish_start - start);
  TAILOR_ASSIGN_OR_RETURN(result.manifest, writer->Finish(m));
  const absl::Time end = clock->Now();
  const double cpu_end = ThreadCpuSeconds();
  result.phases.finish = cpu_end - cpu_finish_start;
  result.phases.total = cpu_end - cpu_start;
  result.phases.wall = absl::ToDoubleSeconds(end - start);
  return result;
}

}  // namespace tailor
