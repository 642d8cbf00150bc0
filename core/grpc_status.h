#ifndef TAILOR_CORE_GRPC_STATUS_H_
#define TAILOR_CORE_GRPC_STATUS_H_

// The one place absl::Status and grpc::Status convert into each other. The
// canonical codes are numerically equal in both libraries; messages are kept
// as they are (an OK status carries no message). Status payloads are not
// carried across.

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace tailor {

grpc::Status ToGrpcStatus(const absl::Status& status);

// A code outside the canonical range [0, 16] becomes UNKNOWN, with the
// original number named in the message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace tailor

#endif  // TAILOR_CORE_GRPC_STATUS_H_
