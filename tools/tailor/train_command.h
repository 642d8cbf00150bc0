#ifndef TAILOR_TOOLS_TAILOR_TRAIN_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_TRAIN_COMMAND_H_

#include "tools/tailor/command.h"

namespace tailor {

// `tailor train`: trains one algorithm on a dataset in this process.
Command TrainCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_TRAIN_COMMAND_H_
