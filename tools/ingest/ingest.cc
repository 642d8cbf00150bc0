#include "tools/ingest/ingest.h"

#include <time.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/dataset/dataset_writer.h"
#include "core/status_macros.h"
#include "tools/ingest/ingester.h"

namespace tailor {
namespace {

using ingest_internal::Ingester;
using ingest_internal::ThreadCpuSeconds;

// CPU time of the whole process (every thread of a pipelined ingest).
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
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
  const double cpu_start = ProcessCpuSeconds();
  IngestResult result;
  result.rejects = RejectLog(options.examples_per_reason);
  result.attribute_rejects = RejectLog(options.examples_per_reason);
  DatasetWriterOptions wo;
  wo.fs = options.fs;
  wo.output_dir = options.output_dir;
  wo.overwrite = options.overwrite;
  wo.target_partition_entries = options.target_partition_entries;
  wo.spool_memory_bytes = options.spool_memory_bytes;
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
  result.phases.finish = ThreadCpuSeconds() - cpu_finish_start;
  const double cpu_end = ProcessCpuSeconds();
  const DatasetWriterTimings& wt = writer->timings();
  result.phases.finish_sort = wt.sort_seconds;
  result.phases.finish_route = wt.route_seconds;
  result.phases.finish_build = wt.build_seconds;
  result.phases.finish_write = wt.write_seconds;
  result.phases.total = cpu_end - cpu_start;
  result.phases.wall = absl::ToDoubleSeconds(end - start);
  return result;
}

}  // namespace tailor
