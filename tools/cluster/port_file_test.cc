#include "tools/cluster/port_file.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace cluster {
namespace {

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/" + name;
}

void WriteAtomically(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path + ".tmp");
    out << text;
  }
  ASSERT_EQ(std::rename((path + ".tmp").c_str(), path.c_str()), 0);
}

TEST(PortFileTest, ReadsAPort) {
  const std::string path = TempPath("read.port");
  WriteAtomically(path, "4242\n");
  TAILOR_ASSERT_OK_AND_ASSIGN(int port, ReadPortFile(path));
  EXPECT_EQ(port, 4242);
}

TEST(PortFileTest, MissingFileIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(ReadPortFile(TempPath("none.port")).status()));
}

TEST(PortFileTest, GarbageIsInvalid) {
  const std::string path = TempPath("garbage.port");
  WriteAtomically(path, "70000\n");
  EXPECT_TRUE(absl::IsInvalidArgument(ReadPortFile(path).status()));
}

TEST(PortFileTest, WaitWakesOnRename) {
  const std::string path = TempPath("later.port");
  std::remove(path.c_str());
  std::thread writer([&] { WriteAtomically(path, "1234\n"); });
  absl::StatusOr<int> port =
      WaitForPortFile(path, -1, absl::Now() + absl::Seconds(30));
  writer.join();
  TAILOR_ASSERT_OK(port.status());
  EXPECT_EQ(*port, 1234);
}

TEST(PortFileTest, WaitEndsAtDeadline) {
  const std::string path = TempPath("never.port");
  std::remove(path.c_str());
  const absl::Time start = absl::Now();
  absl::StatusOr<int> port =
      WaitForPortFile(path, -1, start + absl::Milliseconds(100));
  EXPECT_TRUE(absl::IsDeadlineExceeded(port.status())) << port.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(100));
}

TEST(PortFileTest, WaitEndsWhenCancelled) {
  const std::string path = TempPath("cancelled.port");
  std::remove(path.c_str());
  const int fd = eventfd(0, EFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::thread canceller([fd] {
    const uint64_t one = 1;
    ASSERT_EQ(write(fd, &one, sizeof(one)), 8);
  });
  absl::StatusOr<int> port =
      WaitForPortFile(path, fd, absl::Now() + absl::Seconds(30));
  canceller.join();
  close(fd);
  EXPECT_TRUE(absl::IsCancelled(port.status())) << port.status();
}

TEST(PortFileTest, MissingDirectoryIsAnError) {
  EXPECT_FALSE(WaitForPortFile("/nonexistent-dir/x.port", -1,
                               absl::Now() + absl::Seconds(5))
                   .ok());
}

}  // namespace
}  // namespace cluster
}  // namespace tailor
