#ifndef TAILOR_TOOLS_TAILOR_EXPORT_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_EXPORT_COMMAND_H_

// `tailor export`: bundles a trained model version with the artifacts of
// `tailor profile`, `segment` and `content` (profiles/, segments/,
// content/) and the ranker's files from the training dataset (catalogue,
// popularity by context, history, default blend) into a new model version,
// or with --inspect prints what a model version holds. docs/marketing.md,
// docs/ranker_model.md.

#include "tools/tailor/command.h"

namespace tailor {

Command ExportCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_EXPORT_COMMAND_H_
