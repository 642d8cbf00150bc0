#include "core/server_main.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/security/security_flags.h"
#include "core/status_macros.h"

namespace tailor {

bool IsHelpArg(const char* arg) {
  return std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0 ||
         std::strcmp(arg, "-help") == 0 || std::strcmp(arg, "--helpfull") == 0;
}

std::string BinaryHelp(absl::string_view intro, absl::string_view main_file) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::EndsWith(flag->Filename(), main_file) ||
        security::IsSecurityFlag(*flag)) {
      flags.push_back(flag);
    }
  }
  std::sort(flags.begin(), flags.end(),
            [](auto* a, auto* b) { return a->Name() < b->Name(); });
  std::string out = absl::StrCat(intro, "\n\nflags:\n");
  for (const absl::CommandLineFlag* f : flags) {
    absl::StrAppend(&out, "  --", f->Name(), " (default: \"", f->DefaultValue(),
                    "\")\n      ", f->Help(), "\n");
  }
  return out;
}

absl::Status WritePortFile(FileSystem* fs, const std::string& path, int port) {
  const std::string temp = absl::StrCat(path, ".tmp");
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(fs, temp, absl::StrCat(port, "\n")));
  return fs->Rename(temp, path);
}

}  // namespace tailor
