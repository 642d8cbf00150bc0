// Private runner of `tailor synth` until //tools/tailor:tailor lists the
// command: `synth_tool --preset=ml20m --output=DIR [--flags]`.

#include "absl/flags/parse.h"
#include "tools/tailor/synth_command.h"

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tailor::SynthCommand().run();
}
