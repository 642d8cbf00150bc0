// The `tailor` command-line tool: `tailor <subcommand> [--flags]`.
// Each subcommand lives in tools/tailor/<name>_command.cc; this file only
// dispatches, prints help and refuses flags that belong to other commands.

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/tailor/command.h"
#include "tools/tailor/command_list.h"

namespace tailor {
namespace {

bool IsHelpArg(const char* arg) {
  return std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0 ||
         std::strcmp(arg, "-help") == 0 || std::strcmp(arg, "--helpfull") == 0;
}

void PrintTopLevelHelp(const std::vector<Command>& commands) {
  std::printf(
      "tailor: personalized rankings from interaction logs.\n\n"
      "usage: tailor <subcommand> [--flag=value ...]\n"
      "       tailor <subcommand> --help\n\nsubcommands:\n");
  for (const Command& c : commands) {
    std::printf("  %-10s %s\n", c.name.c_str(), c.summary.c_str());
  }
}

bool FlagBelongsTo(const Command& command, const absl::CommandLineFlag& flag) {
  return absl::EndsWith(flag.Filename(), command.flags_file) ||
         absl::EndsWith(command.flags_file, flag.Filename()) ||
         absl::c_linear_search(command.shared_flags, flag.Name());
}

std::vector<const absl::CommandLineFlag*> FlagsOf(const Command& command) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (FlagBelongsTo(command, *flag)) flags.push_back(flag);
  }
  absl::c_sort(flags, [](const absl::CommandLineFlag* a,
                         const absl::CommandLineFlag* b) {
    return a->Name() < b->Name();
  });
  return flags;
}

void PrintCommandHelp(const Command& command) {
  std::printf("usage: tailor %s [--flag=value ...]\n\n%s\n\nflags:\n",
              command.name.c_str(), command.summary.c_str());
  for (const absl::CommandLineFlag* flag : FlagsOf(command)) {
    std::printf("  --%s (default: \"%s\")\n      %s\n",
                std::string(flag->Name()).c_str(), flag->DefaultValue().c_str(),
                flag->Help().c_str());
  }
}

// Name of the flag in "--name=value", "--name" or "--noname"; empty for
// positional arguments.
std::string FlagName(const char* arg) {
  if (arg[0] != '-') return "";
  std::string s = arg + (arg[1] == '-' ? 2 : 1);
  return s.substr(0, s.find('='));
}

int Main(int argc, char** argv) {
  const std::vector<Command> commands = AllCommands();
  if (argc < 2 || IsHelpArg(argv[1])) {
    PrintTopLevelHelp(commands);
    return argc < 2 ? 2 : 0;
  }
  const Command* command = nullptr;
  for (const Command& c : commands) {
    if (c.name == argv[1]) command = &c;
  }
  if (command == nullptr) {
    std::fprintf(stderr, "tailor: unknown subcommand '%s'; see tailor --help\n",
                 argv[1]);
    return 2;
  }
  std::vector<char*> args;
  std::string program = absl::StrCat("tailor ", command->name);
  args.push_back(program.data());
  for (int i = 2; i < argc; ++i) {
    if (IsHelpArg(argv[i])) {
      PrintCommandHelp(*command);
      return 0;
    }
    if (std::strcmp(argv[i], "--") == 0) break;
    const std::string name = FlagName(argv[i]);
    if (!name.empty()) {
      const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
      if (flag == nullptr && absl::StartsWith(name, "no")) {
        flag = absl::FindCommandLineFlag(name.substr(2));
      }
      if (flag == nullptr || !FlagBelongsTo(*command, *flag)) {
        std::fprintf(
            stderr, "tailor %s: unknown flag --%s; see tailor %s --help\n",
            command->name.c_str(), name.c_str(), command->name.c_str());
        return 2;
      }
    }
    args.push_back(argv[i]);
  }
  absl::SetProgramUsageMessage(
      absl::StrCat("tailor ", command->name, ": ", command->summary));
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (positional.size() > 1) {
    std::fprintf(stderr, "tailor %s: unexpected argument '%s'\n",
                 command->name.c_str(), positional[1]);
    return 2;
  }
  return command->run();
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) { return tailor::Main(argc, argv); }
