// fake_ranker: a ranker server whose engine is FakeRankEngine, for tests of
// clients (the Python example) without a model. Test-only.
//
//   fake_ranker --port_file=/tmp/port --model_name=m --version=3
//
// Serves until SIGTERM or SIGINT.

#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "ranker/server/fake_rank_engine.h"
#include "ranker/server/ranker_server.h"

ABSL_FLAG(std::string, port_file, "", "Where the chosen port is written.");
ABSL_FLAG(std::string, model_name, "m", "The fake model's name.");
ABSL_FLAG(int64_t, version, 1, "The fake model's version.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  tailor::ranker::FakeRankEngine engine(absl::GetFlag(FLAGS_model_name));
  engine.SetVersion(absl::GetFlag(FLAGS_version));
  tailor::ranker::RankerServerOptions options;
  options.metrics_port = -1;
  auto server = tailor::ranker::RankerServer::Start(options, &engine);
  if (!server.ok()) {
    std::fprintf(stderr, "fake_ranker: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    tailor::FileSystem* fs = tailor::PosixFileSystem();
    absl::Status written = tailor::WriteStringToFile(
        fs, port_file + ".tmp", absl::StrCat((*server)->port(), "\n"));
    if (written.ok()) written = fs->Rename(port_file + ".tmp", port_file);
    if (!written.ok()) {
      std::fprintf(stderr, "fake_ranker: %s\n", written.ToString().c_str());
      return 1;
    }
  }
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Shutdown(absl::Seconds(2));
  return 0;
}
