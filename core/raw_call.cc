#include "core/raw_call.h"

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "core/grpc_status.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/byte_buffer.h"

namespace tailor {
namespace {

// HealthCheckResponse.ServingStatus.SERVING.
constexpr uint64_t kServing = 1;

std::string EncodeVarint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

}  // namespace

RawCallResult RawUnaryCall(grpc::Channel* channel, const std::string& method,
                           const std::string& request, absl::Duration timeout) {
  grpc::GenericStub stub(std::shared_ptr<grpc::ChannelInterface>(
      channel, [](grpc::ChannelInterface*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(timeout));
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer,
                 &response_buffer, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  RawCallResult result;
  result.status = FromGrpcStatus(status);
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    if (response_buffer.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        result.response.append(reinterpret_cast<const char*>(s.begin()),
                               s.size());
      }
    }
  }
  return result;
}

absl::StatusOr<bool> CheckServing(grpc::Channel* channel,
                                  const std::string& service,
                                  absl::Duration timeout) {
  // HealthCheckRequest { string service = 1; }
  std::string request;
  if (!service.empty()) {
    request = absl::StrCat("\x0a", EncodeVarint(service.size()), service);
  }
  RawCallResult result =
      RawUnaryCall(channel, "/grpc.health.v1.Health/Check", request, timeout);
  if (!result.status.ok()) return result.status;
  // HealthCheckResponse { ServingStatus status = 1; }: a single-byte varint
  // for every defined value. An empty message means UNKNOWN (0).
  const std::string& r = result.response;
  if (r.size() == 2 && r[0] == '\x08') {
    return static_cast<uint8_t>(r[1]) == kServing;
  }
  if (r.empty()) return false;
  return absl::DataLossError(
      absl::StrCat("grpc.health.v1.Health/Check: unexpected response of ",
                   r.size(), " bytes"));
}

}  // namespace tailor
