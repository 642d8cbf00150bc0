#ifndef TAILOR_TOOLS_TAILOR_CLUSTER_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_CLUSTER_COMMAND_H_

// `tailor cluster --dataset=DIR --shards=S --workers=W --algorithm=NAME`:
// trains one job with S parameter-server shards, a coordinator and W
// workers as separate supervised processes on loopback (docs/cluster.md).

#include "tools/tailor/command.h"

namespace tailor {

Command ClusterCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_CLUSTER_COMMAND_H_
