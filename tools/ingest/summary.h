#ifndef TAILOR_TOOLS_INGEST_SUMMARY_H_
#define TAILOR_TOOLS_INGEST_SUMMARY_H_

// The human-readable and JSON summaries of an ingest run.

#include <string>

#include "tools/ingest/ingest.h"

namespace tailor {

// Several lines: counts, rejected by reason with the first examples, policy
// notes, partitions, seconds, lines/s.
std::string IngestSummaryText(const IngestResult& result,
                              const std::string& output_dir);

// One line of JSON (no newline) with the same figures.
std::string IngestSummaryJson(const IngestResult& result,
                              const std::string& output_dir);

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_SUMMARY_H_
