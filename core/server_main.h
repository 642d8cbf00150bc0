#ifndef TAILOR_CORE_SERVER_MAIN_H_
#define TAILOR_CORE_SERVER_MAIN_H_

// Pieces the main() of every Tailor server binary (tailor_ps,
// tailor_coordinator, tailor_worker, tailor_ranker) shares: recognizing a
// help request, the help text listing the binary's own flags and the
// transport-security flags, and publishing a bound port to a file.
// Thread-compatible (plain functions; BinaryHelp reads the flag registry).

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/file_system.h"

namespace tailor {

// True for --help, -h, -help and --helpfull.
bool IsHelpArg(const char* arg);

// `intro`, then "flags:" and every flag defined in a source file whose name
// ends with `main_file` (for example "ps_main.cc") or that is a
// transport-security flag, sorted by name, each with its default and help.
std::string BinaryHelp(absl::string_view intro, absl::string_view main_file);

// Writes "PORT\n" to `path` through a temporary file and a rename, so a
// reader never sees a partial number.
absl::Status WritePortFile(FileSystem* fs, const std::string& path, int port);

}  // namespace tailor

#endif  // TAILOR_CORE_SERVER_MAIN_H_
