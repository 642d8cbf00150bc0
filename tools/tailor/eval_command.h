#ifndef TAILOR_TOOLS_TAILOR_EVAL_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_EVAL_COMMAND_H_

// `tailor eval`: runs an evaluation protocol (docs/evaluation_protocols.md)
// for one or more algorithms, a grid search, or an exported model version.
// The protocol flags are defined here and shared with `tailor split`.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/tailor/command.h"
#include "trainer/protocol/protocol_split.h"

namespace tailor {

Command EvalCommand();

// Names of the protocol flags (--protocol, --folds, --eval_k, ...), for
// Command::shared_flags of `tailor split`.
std::vector<std::string> ProtocolFlagNames();

// ProtocolOptions from the protocol flags and `seed`. Errors name the flag.
absl::StatusOr<ProtocolOptions> ProtocolOptionsFromFlags(uint64_t seed);

// "2024-01-31" (UTC midnight) or unix seconds. Errors name the value.
absl::StatusOr<int64_t> ParseCutoff(const std::string& text);

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_EVAL_COMMAND_H_
