#include "tools/tailor/command_list.h"

#include "tools/tailor/synth_command.h"
#include "tools/tailor/train_command.h"

namespace tailor {

std::vector<Command> AllCommands() {
  return {
      SynthCommand(),
      TrainCommand(),
  };
}

}  // namespace tailor
