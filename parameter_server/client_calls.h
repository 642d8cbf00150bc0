#ifndef TAILOR_PARAMETER_SERVER_CLIENT_CALLS_H_
#define TAILOR_PARAMETER_SERVER_CLIENT_CALLS_H_

// The streaming calls of PsClient as callback-API client reactors (internal
// to //parameter_server:client). Each Start* issues one attempt of one
// request to one shard and calls `done` exactly once, after the call has
// completed; the reactor deletes itself. Pointers must stay valid until then.

#include <cstddef>
#include <cstdint>
#include <functional>

#include "grpcpp/grpcpp.h"
#include "parameter_server/ps_client.h"
#include "tailor/v1/parameter_server.grpc.pb.h"

namespace tailor {
namespace ps_internal {

using Done = std::function<void(grpc::Status)>;
using Stub = v1::ParameterServer::Stub;

// Pull of `req`: row i of the stream goes to out[positions[i] * dim ...].
// A row width other than `dim` ends the call with INVALID_ARGUMENT; rows for
// other keys than requested, or too few rows, with INTERNAL.
void StartPull(Stub* stub, grpc::ClientContext* ctx, const v1::PullRequest* req,
               const size_t* positions, float* out, int dim, Done done);

// Push of `count` rows: the header, then chunks of at most the wire limit
// holding keys[i] and rows[positions[i] * dim ...].
void StartPush(Stub* stub, grpc::ClientContext* ctx,
               const v1::PushHeader* header, const uint64_t* keys,
               const size_t* positions, size_t count, const float* rows,
               int dim, v1::PushResponse* resp, Done done);

// GramPartial of `req`, expanded into a full dim x dim matrix in *out.
void StartGram(Stub* stub, grpc::ClientContext* ctx,
               const v1::GramPartialRequest* req, GramSum* out, Done done);

}  // namespace ps_internal
}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_CLIENT_CALLS_H_
