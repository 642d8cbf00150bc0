#ifndef TAILOR_TOOLS_TAILOR_SYNTH_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_SYNTH_COMMAND_H_

// `tailor synth --preset=ml20m|retail1e8|small --output=DIR`: writes a
// deterministic synthetic interaction log (see docs/synth.md).

#include "tools/tailor/command.h"

namespace tailor {

Command SynthCommand();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_SYNTH_COMMAND_H_
