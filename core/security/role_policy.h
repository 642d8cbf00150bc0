#ifndef TAILOR_CORE_SECURITY_ROLE_POLICY_H_
#define TAILOR_CORE_SECURITY_ROLE_POLICY_H_

// Which callers may call which gRPC method of one server: a table from a
// full method name ("/tailor.v1.ParameterServer/Push") or a service wildcard
// ("/tailor.v1.ParameterServer/*") to the certificate roles allowed, and
// whether a bearer token or an anonymous (certificate-less) TLS peer is
// accepted. An exact method entry wins over the wildcard; a method with no
// entry is open to nobody. The built-in tables of the three services are
// below and in docs/security.md. Immutable after construction; thread-safe.

#include <map>
#include <string>
#include <vector>

namespace tailor::security {

// The roles a Tailor certificate can name (SAN URI tailor://role/<role>).
inline constexpr char kRoleCoordinator[] = "coordinator";
inline constexpr char kRoleWorker[] = "worker";
inline constexpr char kRolePs[] = "ps";
inline constexpr char kRoleRanker[] = "ranker";
inline constexpr char kRoleClient[] = "client";
// In a rule: any certificate that names at least one role.
inline constexpr char kAnyRole[] = "*";

struct MethodRule {
  std::vector<std::string> roles;  // allowed certificate roles (or kAnyRole)
  bool token = false;              // a valid bearer token is enough
  bool anonymous = false;          // a TLS peer without certificate is enough
};

class RolePolicy {
 public:
  explicit RolePolicy(std::string name) : name_(std::move(name)) {}

  RolePolicy& Set(const std::string& method, MethodRule rule);
  // The rule for `method`, or nullptr when nobody may call it.
  const MethodRule* Find(const std::string& method) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::map<std::string, MethodRule> rules_;
};

// Workers and the coordinator read and write parameters; only the
// coordinator creates tables, checkpoints, restores, reads stats or shuts a
// shard down.
RolePolicy ParameterServerPolicy();
// Workers (and the coordinator itself) use the worker RPCs; GetJobStatus is
// also open to clients.
RolePolicy CoordinatorPolicy();
// Rank and GetModelStatus: a client or ranker certificate or a bearer token.
RolePolicy RankerPolicy();

}  // namespace tailor::security

#endif  // TAILOR_CORE_SECURITY_ROLE_POLICY_H_
