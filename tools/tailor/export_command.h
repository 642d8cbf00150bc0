#ifndef TAILOR_TOOLS_TAILOR_EXPORT_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_EXPORT_COMMAND_H_

// `tailor export`: bundles a trained model version with the artifacts of
// `tailor profile`, `segment` and `content` into a new model version
// (profiles/, segments/, content/), or with --inspect prints what a model
// version holds. docs/marketing.md.

#include "tools/tailor/command.h"

namespace tailor {

Command ExportCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_EXPORT_COMMAND_H_
