#ifndef TAILOR_TOOLS_BENCH_ALS_LIBMF_READER_H_
#define TAILOR_TOOLS_BENCH_ALS_LIBMF_READER_H_

// Reads a LIBMF text file (`user item value` per line, 0-based ids, blank
// lines allowed) into a CSR matrix sized by the largest ids; duplicate
// pairs are summed. InvalidArgument names the file and line of a bad line.

#include <string>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"

namespace tailor {

absl::StatusOr<CsrMatrix> ReadLibmf(const std::string& path);

// $HOME/.cache/tailor-peers/data/synth-full/train.txt, the peers' data set.
std::string DefaultLibmfTrainPath();

}  // namespace tailor

#endif  // TAILOR_TOOLS_BENCH_ALS_LIBMF_READER_H_
