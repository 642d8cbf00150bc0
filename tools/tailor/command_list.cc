#include "tools/tailor/command_list.h"

#include "tools/tailor/blend_command.h"
#include "tools/tailor/cluster_command.h"
#include "tools/tailor/content_command.h"
#include "tools/tailor/eval_command.h"
#include "tools/tailor/export_command.h"
#include "tools/tailor/ingest_command.h"
#include "tools/tailor/loadgen_command.h"
#include "tools/tailor/profile_command.h"
#include "tools/tailor/rank_command.h"
#include "tools/tailor/segment_command.h"
#include "tools/tailor/split_command.h"
#include "tools/tailor/synth_command.h"
#include "tools/tailor/train_command.h"

namespace tailor {

std::vector<Command> AllCommands() {
  return {
      IngestCommand(),  EvalCommand(),    SplitCommand(),   SynthCommand(),
      TrainCommand(),   ProfileCommand(), SegmentCommand(), ContentCommand(),
      ExportCommand(),  BlendCommand(),   ClusterCommand(), RankCommand(),
      LoadgenCommand(),
  };
}

}  // namespace tailor
