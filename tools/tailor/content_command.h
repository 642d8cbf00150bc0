#ifndef TAILOR_TOOLS_TAILOR_CONTENT_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_CONTENT_COMMAND_H_

// `tailor content`: TF-IDF item vectors, user content profiles and nearest
// items by cosine (docs/marketing.md, docs/formats/content.md).

#include "tools/tailor/command.h"

namespace tailor {

Command ContentCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_CONTENT_COMMAND_H_
