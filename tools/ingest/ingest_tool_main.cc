// Private runner of `tailor ingest` until //tools/tailor:tailor lists the
// command: `ingest_tool --preset=movielens100k --input=DIR --output=DIR`.

#include "absl/flags/parse.h"
#include "tools/tailor/ingest_command.h"

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tailor::IngestCommand().run();
}
