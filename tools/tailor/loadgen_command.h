#ifndef TAILOR_TOOLS_TAILOR_LOADGEN_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_LOADGEN_COMMAND_H_

// `tailor loadgen`: open-loop (fixed rate) or closed-loop (C callers) Rank
// load against a running tailor_ranker with a mix of known, folded-in and
// anonymous users; prints QPS, errors by code and latency percentiles
// (docs/ranker_server.md).

#include "tools/tailor/command.h"

namespace tailor {

Command LoadgenCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_LOADGEN_COMMAND_H_
