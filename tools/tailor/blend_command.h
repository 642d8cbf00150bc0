#ifndef TAILOR_TOOLS_TAILOR_BLEND_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_BLEND_COMMAND_H_

// `tailor blend`: learns the hybrid ranker's blend weights on a validation
// split (coordinate ascent on NDCG@k over the component features) and
// writes them, with the rest of the version unchanged, into a new model
// version. docs/ranker_model.md.

#include "tools/tailor/command.h"

namespace tailor {

Command BlendCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_BLEND_COMMAND_H_
