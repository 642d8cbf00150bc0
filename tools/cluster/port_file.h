#ifndef TAILOR_TOOLS_CLUSTER_PORT_FILE_H_
#define TAILOR_TOOLS_CLUSTER_PORT_FILE_H_

// Port files: a server started with --port=0 --port_file=F writes the port
// the OS chose to F as one decimal line, atomically (F.tmp then rename), once
// it accepts calls. These helpers read such a file and wait for it without
// sleeping: inotify on the file's directory, plus an optional file
// descriptor that becomes readable when waiting is pointless (the process
// exited).

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tailor {
namespace cluster {

// The port in `path`: NOT_FOUND if the file does not exist yet,
// INVALID_ARGUMENT if it holds anything but a port in 1..65535.
absl::StatusOr<int> ReadPortFile(const std::string& path);

// Waits until `path` holds a port, until `cancel_fd` (if >= 0) becomes
// readable (CANCELLED; the caller says why), or until `deadline`
// (DEADLINE_EXCEEDED naming the file). Never sleeps: it blocks in poll() on
// an inotify descriptor watching the directory of `path`.
absl::StatusOr<int> WaitForPortFile(const std::string& path, int cancel_fd,
                                    absl::Time deadline);

}  // namespace cluster
}  // namespace tailor

#endif  // TAILOR_TOOLS_CLUSTER_PORT_FILE_H_
