#include "tools/netfault/fault_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <list>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/netfault/h2_frame_scanner.h"

namespace tailor {
namespace netfault {
namespace {

constexpr size_t kReadBytes = 64 * 1024;

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::StatusOr<sockaddr_in> Address(const std::string& host, int port,
                                    const std::string& role) {
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (port < 0 || port > 65535 ||
      inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("FaultProxy: bad ", role, " address '", host, ":", port,
                     "' (want an IPv4 address and a port in 0..65535)"));
  }
  return a;
}

// Closes with a reset (SO_LINGER 0), as a crashed peer or a cut link does.
void Reset(int fd) {
  if (fd < 0) return;
  linger l = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  close(fd);
}

struct Chunk {
  absl::Time due;
  std::string data;
  size_t offset = 0;
};

// One direction of a connection: bytes read from `src`, held until due,
// written to `dst`.
struct Pipe {
  std::deque<Chunk> chunks;
  int64_t bytes = 0;      // held
  bool src_eof = false;   // the source closed its side
  bool dst_shut = false;  // EOF passed on to the destination
  bool blocked = false;   // the destination's send buffer is full
};

struct Conn {
  int client = -1;
  int target = -1;
  bool connecting = false;  // non-blocking connect in progress
  bool connected = false;
  Pipe up;                 // client -> target
  Pipe down;               // target -> client
  H2FrameScanner scanner;  // of `down`
  bool dead = false;
  uint32_t client_events = 0, target_events = 0;  // registered with epoll
};

}  // namespace

absl::StatusOr<std::unique_ptr<FaultProxy>> FaultProxy::Create(
    const FaultProxyOptions& options) {
  if (options.target_port <= 0) {
    return absl::InvalidArgumentError(
        "FaultProxy: target_port must be in 1..65535");
  }
  if (options.max_connections < 1 || options.max_buffered_bytes < 1) {
    return absl::InvalidArgumentError(
        "FaultProxy: max_connections and max_buffered_bytes must be >= 1");
  }
  absl::StatusOr<sockaddr_in> listen =
      Address(options.listen_host, options.listen_port, "listen");
  if (!listen.ok()) return listen.status();
  absl::StatusOr<sockaddr_in> target =
      Address(options.target_host, options.target_port, "target");
  if (!target.ok()) return target.status();

  const std::string where =
      absl::StrCat(options.listen_host, ":", options.listen_port);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("FaultProxy: socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&*listen), sizeof(*listen)) !=
          0 ||
      ::listen(fd, 128) != 0) {
    const absl::Status s = Errno(absl::StrCat("FaultProxy: listen on ", where));
    close(fd);
    return s;
  }
  sockaddr_in bound = {};
  socklen_t len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  const int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (wake < 0 || ep < 0) {
    const absl::Status s = Errno("FaultProxy: eventfd/epoll");
    close(fd);
    if (wake >= 0) close(wake);
    if (ep >= 0) close(ep);
    return s;
  }
  epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listener
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  ev.data.ptr = &ev;  // any non-null marker other than a Conn: see Run()
  ev.data.u64 = 1;
  epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev);
  return std::unique_ptr<FaultProxy>(
      new FaultProxy(options, fd, wake, ep, ntohs(bound.sin_port)));
}

FaultProxy::FaultProxy(const FaultProxyOptions& options, int listen_fd,
                       int wake_fd, int epoll_fd, int port)
    : options_(options),
      listen_fd_(listen_fd),
      wake_fd_(wake_fd),
      epoll_fd_(epoll_fd),
      port_(port) {
  thread_ = std::thread([this] { Run(); });
}

FaultProxy::~FaultProxy() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  thread_.join();
  close(listen_fd_);
  close(wake_fd_);
  close(epoll_fd_);
}

std::string FaultProxy::address() const {
  return absl::StrCat(options_.listen_host, ":", port_);
}

void FaultProxy::Change(const std::function<void(Control&)>& change) {
  int64_t version = 0;
  {
    absl::MutexLock lock(&mu_);
    change(control_);
    version = ++control_version_;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  absl::MutexLock lock(&mu_);
  auto applied = [this, version]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return applied_version_ >= version || stop_;
  };
  mu_.Await(absl::Condition(&applied));
}

void FaultProxy::SetLatency(Direction direction, absl::Duration latency) {
  Change([&](Control& c) {
    (direction == Direction::kToTarget ? c.latency_to_target
                                       : c.latency_to_client) =
        std::max(latency, absl::ZeroDuration());
  });
}

void FaultProxy::DropConnections() {
  Change([](Control& c) { ++c.drop_generation; });
}

void FaultProxy::SetRefuseNew(bool refuse) {
  Change([&](Control& c) { c.refuse_new = refuse; });
}

void FaultProxy::SetPartitioned(bool partitioned) {
  Change([&](Control& c) { c.partitioned = partitioned; });
}

void FaultProxy::DropOnNextResponse() {
  Change([](Control& c) { ++c.cuts_armed; });
}

FaultProxyStats FaultProxy::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

// The event loop. Connections live in a list (stable addresses: epoll's
// data.ptr points at them); data.u64 == 1 marks the wake eventfd and a null
// pointer the listener.
void FaultProxy::Run() {
  std::list<Conn> conns;
  Control control;
  int64_t seen_drop_generation = 0;
  int64_t cuts_armed = 0, cuts_seen = 0;
  FaultProxyStats local;
  sockaddr_in target_addr =
      *Address(options_.target_host, options_.target_port, "target");

  auto kill_conn = [&](Conn& c) {
    if (c.dead) return;
    c.dead = true;
    Reset(c.client);  // close() also removes the fds from the epoll set
    Reset(c.target);
    c.client = c.target = -1;
  };
  auto start_connect = [&](Conn& c) {
    c.target = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.target < 0) {
      kill_conn(c);
      return;
    }
    const int one = 1;
    setsockopt(c.target, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const int rc = connect(c.target, reinterpret_cast<sockaddr*>(&target_addr),
                           sizeof(target_addr));
    if (rc == 0) {
      c.connected = true;
    } else if (errno == EINPROGRESS) {
      c.connecting = true;
    } else {
      kill_conn(c);  // target down: the client sees a reset
    }
  };
  auto read_into = [&](Conn& c, int fd, Pipe& p, absl::Duration latency,
                       bool scan) {
    char buf[kReadBytes];
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n == 0) {
      p.src_eof = true;
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        kill_conn(c);
      }
      return;
    }
    absl::string_view bytes(buf, static_cast<size_t>(n));
    if (scan) {
      const std::vector<size_t> ends = c.scanner.Feed(bytes);
      if (!ends.empty() && cuts_seen < cuts_armed) {
        // The target finished a call on this connection: cut it before
        // the trailers (and whatever is still held) reach the client.
        ++cuts_seen;
        ++local.responses_cut;
        ++local.dropped;
        kill_conn(c);
        return;
      }
    }
    p.chunks.push_back(Chunk{absl::Now() + latency, std::string(bytes), 0});
    p.bytes += n;
  };
  // Writes the due chunks of `p` to `fd`; false when the connection died.
  auto flush = [&](Conn& c, int fd, Pipe& p, absl::Time now, int64_t* counter) {
    p.blocked = false;
    while (!p.chunks.empty() && p.chunks.front().due <= now) {
      Chunk& ch = p.chunks.front();
      const ssize_t n = send(fd, ch.data.data() + ch.offset,
                             ch.data.size() - ch.offset, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          p.blocked = true;
          return;
        }
        if (errno == EINTR) continue;
        kill_conn(c);
        return;
      }
      ch.offset += static_cast<size_t>(n);
      p.bytes -= n;
      *counter += n;
      if (ch.offset == ch.data.size()) p.chunks.pop_front();
    }
    if (p.chunks.empty() && p.src_eof && !p.dst_shut) {
      shutdown(fd, SHUT_WR);
      p.dst_shut = true;
    }
  };
  auto set_events = [&](Conn& c, int fd, uint32_t* registered,
                        uint32_t wanted) {
    if (fd < 0 || *registered == wanted) return;
    epoll_event ev = {};
    ev.events = wanted;
    ev.data.ptr = &c;
    if (*registered == 0xffffffffu) {
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    } else {
      epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
    }
    *registered = wanted;
  };

  while (true) {
    // 1. Take the control block; say it is applied after this round.
    int64_t version = 0;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) break;
      control = control_;
      version = control_version_;
    }
    if (control.drop_generation != seen_drop_generation) {
      seen_drop_generation = control.drop_generation;
      for (Conn& c : conns) {
        if (!c.dead) {
          ++local.dropped;
          kill_conn(c);
        }
      }
    }
    cuts_armed = std::max(cuts_armed, control.cuts_armed);
    const bool frozen = control.partitioned;
    const absl::Time now = absl::Now();

    // 2. Move bytes that are due; start deferred connects after a heal.
    for (Conn& c : conns) {
      if (c.dead || frozen) continue;
      if (c.target < 0) start_connect(c);
      if (c.dead || !c.connected) continue;
      flush(c, c.target, c.up, now, &local.bytes_to_target);
      if (!c.dead) flush(c, c.client, c.down, now, &local.bytes_to_client);
      // Both directions finished: done.
      if (!c.dead && c.up.dst_shut && c.down.dst_shut) {
        close(c.client);
        close(c.target);
        c.client = c.target = -1;
        c.dead = true;
      }
    }
    for (auto it = conns.begin(); it != conns.end();) {
      it = it->dead ? conns.erase(it) : std::next(it);
    }

    // 3. Interest and the next deadline.
    absl::Time next = now + absl::Seconds(1);
    for (Conn& c : conns) {
      uint32_t ce = 0, te = 0;
      if (!frozen) {
        if (!c.up.src_eof && c.up.bytes < options_.max_buffered_bytes) {
          ce |= EPOLLIN;
        }
        if (c.down.blocked) ce |= EPOLLOUT;
        if (c.connecting || c.up.blocked) te |= EPOLLOUT;
        if (c.connected && !c.down.src_eof &&
            c.down.bytes < options_.max_buffered_bytes) {
          te |= EPOLLIN;
        }
        for (const Pipe* p : {&c.up, &c.down}) {
          if (!p->chunks.empty() && !p->blocked) {
            next = std::min(next, p->chunks.front().due);
          }
        }
      }
      set_events(c, c.client, &c.client_events, ce);
      set_events(c, c.target, &c.target_events, te);
    }
    {
      absl::MutexLock lock(&mu_);
      applied_version_ = version;
      local.open_connections = static_cast<int64_t>(conns.size());
      stats_ = local;
    }

    // 4. Wait.
    const int64_t wait_ms =
        std::max<int64_t>(0, absl::ToInt64Milliseconds(next - absl::Now()) + 1);
    epoll_event events[64];
    const int n = epoll_wait(epoll_fd_, events, 64, static_cast<int>(wait_ms));
    for (int i = 0; i < n; ++i) {
      const epoll_event& e = events[i];
      if (e.data.u64 == 1) {
        uint64_t value = 0;
        (void)!read(wake_fd_, &value, sizeof(value));
        continue;
      }
      if (e.data.ptr == nullptr) {  // the listener
        for (int k = 0; k < 64; ++k) {
          const int fd = accept4(listen_fd_, nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          ++local.accepted;
          if (control.refuse_new ||
              static_cast<int>(conns.size()) >= options_.max_connections) {
            ++local.refused;
            Reset(fd);
            continue;
          }
          const int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          conns.emplace_back();
          Conn& c = conns.back();
          c.client = fd;
          c.client_events = c.target_events = 0xffffffffu;
          if (!frozen) start_connect(c);
        }
        continue;
      }
      Conn& c = *static_cast<Conn*>(e.data.ptr);
      if (c.dead) continue;
      if ((e.events & (EPOLLERR | EPOLLHUP)) != 0) {
        // A socket was reset or hung up by its peer: the connection is
        // gone (also while partitioned, so a dead socket cannot spin).
        kill_conn(c);
        continue;
      }
      if (frozen) continue;
      if (c.connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(c.target, SOL_SOCKET, SO_ERROR, &err, &len);
        sockaddr_in peer = {};
        socklen_t peer_len = sizeof(peer);
        if (err != 0) {
          kill_conn(c);  // the target refused: the client sees a reset
          continue;
        }
        if (getpeername(c.target, reinterpret_cast<sockaddr*>(&peer),
                        &peer_len) == 0) {
          c.connecting = false;
          c.connected = true;
        }
      }
      // Level-triggered: a socket not ready just answers EAGAIN.
      if ((c.client_events & EPOLLIN) != 0) {
        read_into(c, c.client, c.up, control.latency_to_target, false);
      }
      if (!c.dead && c.connected && (c.target_events & EPOLLIN) != 0) {
        read_into(c, c.target, c.down, control.latency_to_client, true);
      }
    }
  }
  for (Conn& c : conns) kill_conn(c);
}

}  // namespace netfault
}  // namespace tailor
