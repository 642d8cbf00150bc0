#ifndef TAILOR_CORE_SECURITY_AUTHORIZER_H_
#define TAILOR_CORE_SECURITY_AUTHORIZER_H_

// Decides one call: the method, the roles of the peer's verified certificate
// and the "authorization" metadata, against a RolePolicy, the server's
// client-certificate mode and its token list. The answer is the caller's
// identity ("role:worker", "token:<caller>", "anonymous") or
// UNAUTHENTICATED (no or unusable identity) / PERMISSION_DENIED (an identity
// the method is not open to), with a message naming the method and the
// roles it needs. Plain logic, no gRPC types; immutable; thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/security/role_policy.h"
#include "core/security/tls_options.h"
#include "core/security/token_list.h"

namespace tailor::security {

struct CallFacts {
  std::string method;              // "/tailor.v1.Ranker/Rank"
  bool has_certificate = false;    // a verified client certificate
  std::vector<std::string> roles;  // roles it names (tailor://role/<role>)
  std::optional<std::string> authorization;  // metadata value, if sent
};

class Authorizer {
 public:
  // `tokens` may be null (no bearer tokens accepted).
  Authorizer(RolePolicy policy, ClientAuth client_auth,
             std::shared_ptr<const TokenList> tokens);

  absl::StatusOr<std::string> Authorize(const CallFacts& call) const;
  const RolePolicy& policy() const { return policy_; }

 private:
  const RolePolicy policy_;
  const ClientAuth client_auth_;
  const std::shared_ptr<const TokenList> tokens_;
};

// The roles named by URIs "tailor://role/<role>" among `uris` (other
// values are ignored), sorted and unique.
std::vector<std::string> RolesFromUris(const std::vector<std::string>& uris);

}  // namespace tailor::security

#endif  // TAILOR_CORE_SECURITY_AUTHORIZER_H_
