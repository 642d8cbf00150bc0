#ifndef TAILOR_TOOLS_TAILOR_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_COMMAND_H_

// One subcommand of the `tailor` tool. Each lives in its own
// `<name>_command.cc`, defines its own flags there with ABSL_FLAG, and uses
// the shared flags of common_flags.h by name. `tailor <name> --help` lists
// exactly the flags defined in `flags_file` plus `shared_flags`; any other
// flag on the command line is refused.

#include <string>
#include <vector>

namespace tailor {

struct Command {
  std::string name;
  std::string summary;     // one line, shown by `tailor --help`
  std::string flags_file;  // __FILE__ of the file that defines its flags
  std::vector<std::string> shared_flags;  // names from common_flags.h
  // Runs after the flags are parsed. Returns the process exit code. With
  // --json the last line of stdout is one JSON object; progress goes to
  // stderr.
  int (*run)() = nullptr;
};

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_COMMAND_H_
