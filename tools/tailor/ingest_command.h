#ifndef TAILOR_TOOLS_TAILOR_INGEST_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_INGEST_COMMAND_H_

// `tailor ingest --preset=movielens100k|online_retail|synth --input=PATH
// --output=DIR`, or generic CSV/TSV by column flags: validates every line
// and writes a dataset directory (docs/ingest.md, docs/formats/dataset.md).

#include "tools/tailor/command.h"

namespace tailor {

Command IngestCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_INGEST_COMMAND_H_
