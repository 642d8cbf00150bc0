#ifndef TAILOR_TOOLS_INGEST_INGEST_H_
#define TAILOR_TOOLS_INGEST_INGEST_H_

// The ingest driver: reads the inputs of an IngestSpec, validates every
// line, maps ids to keys and streams the result into a dataset directory
// (core/dataset). docs/ingest.md describes the checks and policies.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/dataset/manifest.h"
#include "core/file_system.h"
#include "core/key_hash.h"
#include "tools/ingest/ingest_spec.h"
#include "tools/ingest/reject_log.h"

namespace tailor {

enum class OnError { kFail, kSkip };

struct IngestProgress {
  std::string file;
  int64_t lines_read = 0;  // all interaction files so far
  double seconds = 0;
  double lines_per_second = 0;
};

struct IngestOptions {
  FileSystem* fs = nullptr;  // required, not owned
  IngestSpec spec;
  std::string output_dir;
  bool overwrite = false;
  KeyHasher hasher = KeyHasher::Public();
  // kFail: the first malformed line fails the run. kSkip: malformed lines
  // are counted and skipped; the run fails at the end when errors exceed
  // max_error_rate of the lines read. Policy rejections never fail a run.
  OnError on_error = OnError::kSkip;
  double max_error_rate = 0.01;
  size_t max_line_bytes = 1 << 20;
  // Interaction files are read in chunks of this many bytes. Default 32 MiB.
  size_t chunk_bytes = size_t{32} << 20;
  // Lines of a chunk are parsed, hashed, interned and spooled in batches of
  // at most this many lines (small enough that the batch's arrays stay in
  // cache and are faulted in once). Default 65,536.
  size_t batch_lines = size_t{1} << 16;
  // 1: one thread. 2 or more: a second thread reads, parses and hashes the
  // next batch while the first interns and spools the current one (same
  // output; less wall time, slightly more CPU time). Default 1.
  int threads = 1;
  int64_t target_partition_entries = int64_t{1} << 21;
  // Spooled interactions stay in memory up to this many bytes (16 or 24 bytes
  // per interaction, about twice that while finishing), then spill to files in
  // the staging directory (DatasetWriterOptions::spool_memory_bytes).
  size_t spool_memory_bytes = size_t{1} << 30;
  int examples_per_reason = 3;
  Clock* clock = nullptr;  // default RealClock()
  absl::Duration progress_interval = absl::Seconds(2);
  std::function<void(const IngestProgress&)> progress;  // optional
};

// CPU seconds per phase, summed over the threads that ran it (on a loaded
// machine these stay meaningful where wall time does not), and the wall time
// of the run.
struct IngestPhases {
  double read = 0;    // file reads and decompression
  double parse = 0;   // line splitting, tokenizing, number/time parsing
  double hash = 0;    // SipHash of external ids
  double intern = 0;  // key -> ordinal maps, collision checks
  double spool = 0;   // appending records to the spool
  double finish = 0;  // sort, route, build and write blocks and tables
  // Parts of `finish`: dense key order and partition choice; routing the
  // spool to partitions; radix and row sorts and CSR arrays; file writes.
  double finish_sort = 0, finish_route = 0, finish_build = 0, finish_write = 0;
  double total = 0;  // CPU seconds of the whole run (all threads)
  double wall = 0;   // wall-clock seconds of the whole run
};

struct IngestResult {
  DatasetManifest manifest;           // as written to manifest.json
  RejectLog rejects;                  // interaction lines
  RejectLog attribute_rejects;        // users / items file lines
  std::vector<std::string> warnings;  // e.g. unused duplicate header names
  IngestPhases phases;
};

// Runs the whole ingest and publishes the dataset. Errors name the file,
// the line and the reason: INVALID_ARGUMENT for a malformed line under
// kFail or a bad column mapping, FAILED_PRECONDITION when errors exceed
// max_error_rate (with the counts by reason) or on a key collision,
// DATA_LOSS for a truncated or corrupt compressed file. Nothing is
// published on error.
absl::StatusOr<IngestResult> RunIngest(const IngestOptions& options);

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_INGEST_H_
