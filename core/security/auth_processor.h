#ifndef TAILOR_CORE_SECURITY_AUTH_PROCESSOR_H_
#define TAILOR_CORE_SECURITY_AUTH_PROCESSOR_H_

// The gRPC hook of the Authorizer: an AuthMetadataProcessor installed on a
// server's TLS credentials runs before every call's handler, reads the
// method (":path"), the roles of the verified client certificate (SAN URIs
// tailor://role/<role>) and the "authorization" metadata, and refuses the
// call with the Authorizer's status, or records the caller as the
// auth-context property "tailor_caller" and lets it through. gRPC runs
// processors on TLS credentials only; plaintext servers (--insecure) have
// no authentication. Non-blocking; thread-safe.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "core/security/authorizer.h"
#include "core/security/tls_options.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "grpcpp/security/server_credentials.h"

namespace tailor::security {

inline constexpr char kCallerProperty[] = "tailor_caller";

class AuthProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit AuthProcessor(std::shared_ptr<const Authorizer> authorizer)
      : authorizer_(std::move(authorizer)) {}

  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  const std::shared_ptr<const Authorizer> authorizer_;
};

// The facts of a call as seen through gRPC (used by Process).
CallFacts FactsFromContext(const std::string& method,
                           const grpc::AuthContext& context);

// MakeServerCredentials, with an AuthProcessor enforcing `policy` (and
// `tokens`, may be null) on TLS credentials.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
MakeAuthorizingServerCredentials(const TlsOptions& options, FileSystem* fs,
                                 RolePolicy policy,
                                 std::shared_ptr<const TokenList> tokens);

}  // namespace tailor::security

#endif  // TAILOR_CORE_SECURITY_AUTH_PROCESSOR_H_
