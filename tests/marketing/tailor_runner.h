#ifndef TAILOR_TESTS_MARKETING_TAILOR_RUNNER_H_
#define TAILOR_TESTS_MARKETING_TAILOR_RUNNER_H_

// Test helpers: run the `tailor` binary (a data dependency) and write a
// small generated retail-like log. Test-only.

#include <string>

#include "nlohmann/json.hpp"

namespace tailor {

struct TailorRun {
  int exit_code = -1;
  std::string out;      // stdout
  std::string err;      // stderr
  nlohmann::json json;  // last stdout line when it parses; else null
};

// Runs "tools/tailor/tailor ARGS" from the runfiles directory.
TailorRun RunTailor(const std::string& args);

// Writes interactions.csv (user,item,quantity,ts,price), users.csv
// (user,country,age; some users without attributes) and items.csv
// (item,description,category; some items without text, some with an empty
// category) under `dir`: `users` users, 30 items, three behaviour groups.
void WriteSmallRetailLog(const std::string& dir, int users);

// The `tailor ingest` arguments for WriteSmallRetailLog's files.
std::string SmallRetailIngestArgs(const std::string& dir,
                                  const std::string& output);

// ../shared/data beside the checkout when present, else "" (found through
// the runfiles symlink of `source`, a data dependency of the test).
std::string SharedDataDir(const std::string& source);

}  // namespace tailor

#endif  // TAILOR_TESTS_MARKETING_TAILOR_RUNNER_H_
