#ifndef TAILOR_TOOLS_TAILOR_RANK_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_RANK_COMMAND_H_

#include "tools/tailor/command.h"

namespace tailor {

// `tailor rank`: sends one Rank request to a running tailor_ranker and prints
// the ranked items (with their catalogue attributes when --dataset is given).
Command RankCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_RANK_COMMAND_H_
