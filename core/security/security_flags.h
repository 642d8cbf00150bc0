#ifndef TAILOR_CORE_SECURITY_SECURITY_FLAGS_H_
#define TAILOR_CORE_SECURITY_SECURITY_FLAGS_H_

// The transport-security flags shared by every Tailor server and client
// (tailor_ps, tailor_coordinator, tailor_worker, tailor_ranker, tailor rank,
// tailor loadgen): --insecure, --tls_cert, --tls_key, --tls_ca,
// --tls_client_auth, --token_list_file (servers that accept bearer tokens)
// and --bearer_token_file (clients of Rank). Defined here once so that the
// binaries agree on names and meaning; see docs/security.md. The functions
// read the flags, so call them after absl::ParseCommandLine.

#include <memory>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/security/role_policy.h"
#include "core/security/tls_options.h"

namespace grpc {
class ServerCredentials;
class ChannelCredentials;
}  // namespace grpc

namespace tailor::security {

absl::StatusOr<TlsOptions> TlsOptionsFromFlags();

// Server credentials enforcing `policy` (with --token_list_file when
// given), read from the POSIX file system; prints one line
// "<program>: transport security: ..." to stderr. An error when neither
// TLS flags nor --insecure were given: the server must not start.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
ServerCredentialsFromFlags(absl::string_view program, RolePolicy policy);

// Channel credentials for a client (with --bearer_token_file sent as
// "authorization: Bearer <token>" on every call; TLS only); prints the
// same kind of line. An error when neither TLS flags nor --insecure were
// given.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
ChannelCredentialsFromFlags(absl::string_view program);

// Whether `flag` is one of the flags above (for --help listings), and
// their names (for the `tailor` tool's per-command flag lists).
bool IsSecurityFlag(const absl::CommandLineFlag& flag);
std::vector<std::string> SecurityFlagNames();
// The flags a client uses (no --tls_client_auth, --token_list_file).
std::vector<std::string> ClientSecurityFlagNames();

}  // namespace tailor::security

#endif  // TAILOR_CORE_SECURITY_SECURITY_FLAGS_H_
