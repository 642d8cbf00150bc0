// cluster_test_child: a tiny server-like process for the supervisor tests.
//
//   cluster_test_child [--port=N --port_file=F] [--argv_file=F]
//       [--crash_once_file=F] [--exit_code=N] [--print_lines=N]
//       [--grandchild_pid_file=F] [--ignore_sigterm] [--restore]
//
// Appends its arguments (one line) to --argv_file, listens on
// 127.0.0.1:--port (0: the OS chooses) and writes the port to --port_file by
// rename, prints --print_lines lines "line <i>" on stdout, then: with
// --crash_once_file, if that file does not exist it creates it and kills
// itself with SIGKILL; with --exit_code it exits with that code; otherwise it
// waits for SIGTERM (exit 0) unless --ignore_sigterm. With
// --grandchild_pid_file it first forks a child that waits forever and writes
// that child's pid there.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

bool Flag(const char* arg, const char* name, std::string* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *value = arg + n + 1;
  return true;
}

bool WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp);
    out << text;
    if (!out) return false;
  }
  return std::rename(temp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string port = "0", port_file, argv_file, crash_once_file, exit_code,
              print_lines = "0", grandchild_pid_file;
  bool ignore_sigterm = false;
  std::string all_args;
  for (int i = 1; i < argc; ++i) {
    all_args += (i > 1 ? " " : "") + std::string(argv[i]);
    std::string ignored;
    if (Flag(argv[i], "--port", &port) ||
        Flag(argv[i], "--port_file", &port_file) ||
        Flag(argv[i], "--argv_file", &argv_file) ||
        Flag(argv[i], "--crash_once_file", &crash_once_file) ||
        Flag(argv[i], "--exit_code", &exit_code) ||
        Flag(argv[i], "--print_lines", &print_lines) ||
        Flag(argv[i], "--grandchild_pid_file", &grandchild_pid_file) ||
        std::strcmp(argv[i], "--restore") == 0) {
      continue;
    }
    if (std::strcmp(argv[i], "--ignore_sigterm") == 0) {
      ignore_sigterm = true;
      continue;
    }
    std::fprintf(stderr, "cluster_test_child: unknown argument %s\n", argv[i]);
    return 2;
  }
  if (!argv_file.empty()) {
    std::ofstream out(argv_file, std::ios::app);
    out << all_args << "\n";
  }
  if (ignore_sigterm) signal(SIGTERM, SIG_IGN);
  if (!grandchild_pid_file.empty()) {
    const pid_t child = fork();
    if (child == 0) {
      while (true) pause();
    }
    WriteFileAtomically(grandchild_pid_file, std::to_string(child) + "\n");
  }
  int listener = -1;
  if (!port_file.empty()) {
    listener = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address;
    std::memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::atoi(port.c_str())));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0 ||
        listen(listener, 16) != 0) {
      std::fprintf(stderr, "cluster_test_child: cannot listen on port %s\n",
                   port.c_str());
      return 1;
    }
    socklen_t length = sizeof(address);
    getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    if (!WriteFileAtomically(port_file,
                             std::to_string(ntohs(address.sin_port)) + "\n")) {
      return 1;
    }
  }
  for (int i = 0; i < std::atoi(print_lines.c_str()); ++i) {
    std::printf("line %d\n", i);
  }
  std::fflush(stdout);
  if (!crash_once_file.empty() && access(crash_once_file.c_str(), F_OK) != 0) {
    std::ofstream(crash_once_file) << "crashed\n";
    raise(SIGKILL);
  }
  if (!exit_code.empty()) return std::atoi(exit_code.c_str());
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  if (ignore_sigterm) {
    while (true) pause();
  }
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}
