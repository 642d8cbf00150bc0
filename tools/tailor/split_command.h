#ifndef TAILOR_TOOLS_TAILOR_SPLIT_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_SPLIT_COMMAND_H_

// `tailor split`: materializes a protocol split of a dataset
// (docs/formats/split.md) so experiments are reproducible; `tailor eval
// --split=DIR` evaluates on it.

#include "tools/tailor/command.h"

namespace tailor {

Command SplitCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_SPLIT_COMMAND_H_
