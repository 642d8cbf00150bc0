#ifndef TAILOR_TOOLS_TAILOR_SEGMENT_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_SEGMENT_COMMAND_H_

// `tailor segment`: K-means and RFM segments of a dataset's users, their
// descriptions and per-segment item affinity (docs/marketing.md).

#include "tools/tailor/command.h"

namespace tailor {

Command SegmentCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_SEGMENT_COMMAND_H_
