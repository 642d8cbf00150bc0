#include "tools/ingest/ingester.h"

#include <cmath>
#include <cstring>
#include <thread>  // NOLINT(build/c++11)
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "tools/ingest/column_mapping.h"
#include "tools/ingest/field_parsers.h"
#include "tools/ingest/input_stream.h"

namespace tailor {
namespace ingest_internal {

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
                         absl::string_view line, int64_t line_no,
                         const absl::Span<const absl::string_view>* scanned,
                         Accepted* out, absl::Status* status) {
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
  if (scanned == nullptr) {
    switch (tokenizer_.Split(line)) {
      case TokenizeResult::kOk:
        break;
      case TokenizeResult::kUnterminatedQuote:
        return reject("unterminated_quote", true,
                      "a quoted field never closes");
      case TokenizeResult::kTextAfterQuote:
        return reject("bad_quote", true, "text after a closing quote");
    }
  }
  const absl::Span<const absl::string_view> f =
      scanned != nullptr ? *scanned : tokenizer_.fields();
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
  if (!inside(user)) user = arena_->emplace_back(user);
  if (!inside(item)) item = arena_->emplace_back(item);
  out->user = user;
  out->item = item;
  out->line_no = line_no;
  out->line = line;
  return true;
}

void Ingester::HashBatch(ParsedBatch* batch) {
  const double t0 = ThreadCpuSeconds();
  const size_t n = batch->lines.size();
  batch->user_keys.resize(n);
  batch->item_keys.resize(n);
  batch->user_ids.resize(n);
  batch->item_ids.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Accepted& a = batch->lines[i];
    batch->user_ids[i] = a.user;
    batch->item_ids[i] = a.item;
  }
  options_.hasher.UserKeys(batch->user_ids.data(), n, batch->user_keys.data());
  options_.hasher.ItemKeys(batch->item_ids.data(), n, batch->item_keys.data());
  batch->hash_seconds += ThreadCpuSeconds() - t0;
}

absl::Status Ingester::FlushBatch(const InteractionSource& src,
                                  const std::vector<AttributePlan>& user_attrs,
                                  const std::vector<AttributePlan>& item_attrs,
                                  ParsedBatch* batch) {
  result_->phases.read += batch->read_seconds;
  result_->phases.parse += batch->parse_seconds;
  result_->phases.hash += batch->hash_seconds;
  batch->read_seconds = batch->parse_seconds = batch->hash_seconds = 0;
  const std::vector<Accepted>& lines = batch->lines;
  const size_t n = lines.size();
  if (n == 0) return absl::OkStatus();
  if (batch->user_keys.size() != n) HashBatch(batch);
  result_->phases.hash += batch->hash_seconds;
  batch->hash_seconds = 0;
  double t1 = ThreadCpuSeconds();
  user_ords_.resize(n);
  item_ords_.resize(n);
  std::vector<std::string> values;
  for (const bool users : {true, false}) {
    EntityTable& table = users ? writer_->users() : writer_->items();
    std::vector<uint32_t>& ords = users ? user_ords_ : item_ords_;
    first_seen_.clear();
    size_t failed = 0;
    absl::Status s =
        table.InternBatch(users ? batch->user_keys : batch->item_keys,
                          users ? batch->user_ids : batch->item_ids,
                          ords.data(), &first_seen_, &failed);
    if (!s.ok()) {
      return absl::Status(
          s.code(),
          absl::StrCat(file_, ":", lines[failed].line_no, ": ", s.message()));
    }
    const std::vector<AttributePlan>& plans = users ? user_attrs : item_attrs;
    if (plans.empty()) continue;
    for (uint32_t i : first_seen_) {
      attr_tokenizer_.Split(lines[i].line);  // tokenized fine before
      values.clear();
      for (const AttributePlan& p : plans) {
        values.push_back(ExtractAttribute(p, attr_tokenizer_.fields()));
      }
      table.SetAttributes(ords[i], values);
    }
  }
  double t2 = ThreadCpuSeconds();
  result_->phases.intern += t2 - t1;
  records_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Accepted& a = lines[i];
    records_[i] = SpoolRecord{user_ords_[i], item_ords_[i], a.value, a.amount,
                              a.timestamp};
  }
  TAILOR_RETURN_IF_ERROR(writer_->AddCounted(records_));
  result_->phases.spool += ThreadCpuSeconds() - t2;
  accepted_in_source_ += static_cast<int64_t>(n);
  batch->lines.clear();
  batch->arena.clear();
  batch->user_keys.clear();
  batch->item_keys.clear();
  batch->user_ids.clear();
  batch->item_ids.clear();
  return absl::OkStatus();
}

absl::Status Ingester::ParseChunk(const FileContext& ctx,
                                  const LineChunk& chunk,
                                  absl::string_view* rest, LineScanner* scanner,
                                  int64_t* line_no, ParsedBatch* batch) {
  const absl::string_view text = *rest;
  *rest = absl::string_view();
  const InteractionSource& src = *ctx.src;
  const double tp = ThreadCpuSeconds();
  arena_ = &batch->arena;
  absl::Status status;
  int64_t lines = 0;
  // Without a header the first line sets the width; it must at least reach
  // every mapped column.
  auto set_width = [&](absl::string_view line) {
    if (ctx.needed >= 0 && expected_fields_ < 0 && !line.empty() &&
        tokenizer_.Split(line) == TokenizeResult::kOk &&
        static_cast<int>(tokenizer_.fields().size()) <= ctx.needed) {
      expected_fields_ = ctx.needed + 1;
    }
  };
  if (chunk.overlong) {
    ++*line_no;
    ++lines;
    status =
        Reject(&result_->rejects, "line_too_long", true, src.path, *line_no,
               chunk.text,
               absl::StrCat("longer than ", options_.max_line_bytes, " bytes"));
  } else if (!src.format.latin1) {
    // One pass over the text finds lines and fields (LineScanner), until
    // the batch is full.
    const size_t max_lines = std::max<size_t>(1, options_.batch_lines);
    const char* const end = text.data() + text.size();
    scanner->Scan(text, [&](const ScannedLine& sl) {
      ++*line_no;
      ++lines;
      set_width(sl.line);
      Accepted a;
      if (ParseLine(src, *ctx.cols, sl.line, *line_no,
                    sl.split ? &sl.fields : nullptr, &a, &status)) {
        batch->lines.push_back(a);
        if (batch->lines.size() >= max_lines) {
          // The rest starts after this line's "\n" (or "\r\n").
          const char* next = sl.line.data() + sl.line.size();
          if (next < end && *next == '\r') ++next;
          if (next < end) ++next;
          *rest = absl::string_view(next, static_cast<size_t>(end - next));
          return false;
        }
      } else if (!status.ok()) {
        return false;
      }
      return true;
    });
  } else {  // ISO-8859-1: each line converted, one line per batch
    ForEachLine(text, [&](absl::string_view raw) {
      if (!status.ok()) return;
      ++*line_no;
      ++lines;
      converted_ = Latin1ToUtf8(raw);
      const absl::string_view line = converted_;
      set_width(line);
      Accepted a;
      if (ParseLine(src, *ctx.cols, line, *line_no, nullptr, &a, &status)) {
        batch->lines.push_back(a);
      } else if (!status.ok()) {
        return;
      }
      status = FlushBatch(src, *ctx.user_attrs, *ctx.item_attrs, batch);
    });
  }
  batch->lines_read += lines;
  batch->parse_seconds += ThreadCpuSeconds() - tp;
  if (status.ok()) HashBatch(batch);
  return status;
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
  // Chunks of about a million lines: each is one batch of id lookups, large
  // enough that EntityTable::InternBatch sweeps a big table in order.
  lro.buffer_bytes = options_.chunk_bytes;
  // threads >= 2: a pipeline of two stages, so that a second thread reads,
  // parses and hashes chunk k + 1 while this one interns and spools chunk k
  // (ISO-8859-1 input is flushed line by line and stays on one thread). The
  // stages run in the same order either way: the output is identical.
  const bool pipelined = options_.threads >= 2 && !src.format.latin1;
  lro.double_buffer = pipelined;
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
  LineScanner scanner(src.format.dialect.delimiter, src.format.dialect.quoting);
  const FileContext ctx{&src, &cols, needed, &user_attrs, &item_attrs};
  // Pipelined: two batches, one per stage; else one. Reserving (untouched
  // address space) for a chunk of short lines spares the doubling chain of
  // copies into freshly faulted memory.
  ParsedBatch batches[2];
  for (int b = 0; b < (pipelined ? 2 : 1); ++b) {
    const size_t lines_estimate = std::max<size_t>(1, options_.batch_lines);
    ParsedBatch& pb = batches[b];
    pb.lines.reserve(lines_estimate);
    pb.user_keys.reserve(lines_estimate);
    pb.item_keys.reserve(lines_estimate);
    pb.user_ids.reserve(lines_estimate);
    pb.item_ids.reserve(lines_estimate);
  }
  int current = 0;
  // The unparsed lines of the current chunk: a chunk is parsed in batches,
  // and the next chunk is read once this is empty.
  absl::string_view rest = text;
  TAILOR_RETURN_IF_ERROR(
      ParseChunk(ctx, chunk, &rest, &scanner, &line_no, &batches[current]));
  for (;;) {
    ParsedBatch& batch = batches[current];
    ParsedBatch& next = batches[pipelined ? current ^ 1 : current];
    absl::StatusOr<bool> more = false;
    absl::Status parsed;
    auto read_and_parse = [&] {
      if (rest.empty()) {
        const double tr = ThreadCpuSeconds();
        more = reader.Next(&chunk);
        next.read_seconds += ThreadCpuSeconds() - tr;
        if (!more.ok() || !*more) return;
        rest = chunk.text;
      } else {
        more = true;
      }
      parsed = ParseChunk(ctx, chunk, &rest, &scanner, &line_no, &next);
    };
    total_lines_ += batch.lines_read;
    batch.lines_read = 0;
    absl::Status flushed;
    if (pipelined) {
      std::thread stage(read_and_parse);
      flushed = FlushBatch(src, user_attrs, item_attrs, &batch);
      stage.join();
    } else {
      flushed = FlushBatch(src, user_attrs, item_attrs, &batch);
      if (flushed.ok()) read_and_parse();
    }
    TAILOR_RETURN_IF_ERROR(flushed);
    MaybeReportProgress(src.path);
    if (!more.ok()) {
      return absl::Status(more.status().code(),
                          absl::StrCat(more.status().message(), " (after line ",
                                       line_no, "; nothing was written)"));
    }
    TAILOR_RETURN_IF_ERROR(parsed);
    if (!*more) break;
    if (pipelined) current ^= 1;
  }
  // The last batch is empty; its read time still counts.
  TAILOR_RETURN_IF_ERROR(
      FlushBatch(src, user_attrs, item_attrs,
                 &batches[pipelined ? current ^ 1 : current]));
  out->lines_read = line_no - (src.format.has_header ? 1 : 0);
  out->accepted = accepted_in_source_;
  return absl::OkStatus();
}

}  // namespace ingest_internal
}  // namespace tailor
