#ifndef TAILOR_TOOLS_TAILOR_COMMAND_LIST_H_
#define TAILOR_TOOLS_TAILOR_COMMAND_LIST_H_

#include <vector>

#include "tools/tailor/command.h"

namespace tailor {

// Every subcommand of the `tailor` tool, in the order `tailor --help` lists
// them.
std::vector<Command> AllCommands();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_COMMAND_LIST_H_
