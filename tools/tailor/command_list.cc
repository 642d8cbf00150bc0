#include "tools/tailor/command_list.h"

namespace tailor {

std::vector<Command> AllCommands() {
  return {};
}

}  // namespace tailor
