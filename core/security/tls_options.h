#ifndef TAILOR_CORE_SECURITY_TLS_OPTIONS_H_
#define TAILOR_CORE_SECURITY_TLS_OPTIONS_H_

// Transport security of one process: either explicitly insecure (plaintext)
// or TLS from PEM files (certificate chain, private key, CA bundle), read
// through the injected FileSystem. Turns the options into gRPC server or
// channel credentials. Neither TLS files nor `insecure` is an error: the
// choice must be explicit (docs/security.md). Stateless functions;
// thread-safe.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/file_system.h"

namespace grpc {
class ServerCredentials;
class ChannelCredentials;
}  // namespace grpc

namespace tailor::security {

// Whether a TLS server asks its peers for a certificate.
//   kRequire:  every call needs a verified client certificate naming a role
//              (checked per call; refusals are UNAUTHENTICATED).
//   kOptional: a certificate is verified when presented; callers without one
//              get only what the policy grants to token or anonymous callers.
//   kNone:     no client certificate is asked for (server-side TLS only).
enum class ClientAuth { kRequire, kOptional, kNone };

absl::StatusOr<ClientAuth> ParseClientAuth(absl::string_view text);
absl::string_view ClientAuthName(ClientAuth mode);

struct TlsOptions {
  bool insecure = false;  // plaintext; excludes every file below
  std::string cert_file;  // PEM certificate chain of this process
  std::string key_file;   // PEM private key of cert_file
  std::string ca_file;    // PEM CA bundle that verifies peers
  ClientAuth client_auth = ClientAuth::kRequire;  // servers only
};

// OK when the options are a complete, explicit choice for a server (needs
// cert, key and, unless client_auth is kNone, the CA) or, with
// `server` false, for a client (needs the CA; cert and key together or not
// at all). INVALID_ARGUMENT naming the flags otherwise.
absl::Status ValidateTlsOptions(const TlsOptions& options, bool server);

// One line for the start-up log: "INSECURE (plaintext, --insecure)" or
// "TLS (cert ..., CA ..., client certificates required)".
std::string DescribeTlsOptions(const TlsOptions& options, bool server);

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsOptions& options, FileSystem* fs);
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const TlsOptions& options, FileSystem* fs);

}  // namespace tailor::security

#endif  // TAILOR_CORE_SECURITY_TLS_OPTIONS_H_
