#include "core/security/authorizer.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace tailor::security {
namespace {

std::string Needs(const MethodRule& rule) {
  std::string s = absl::StrCat("a certificate with role ",
                               absl::StrJoin(rule.roles, " or "));
  if (rule.token) absl::StrAppend(&s, ", or a bearer token");
  return s;
}

}  // namespace

Authorizer::Authorizer(RolePolicy policy, ClientAuth client_auth,
                       std::shared_ptr<const TokenList> tokens)
    : policy_(std::move(policy)),
      client_auth_(client_auth),
      tokens_(std::move(tokens)) {}

absl::StatusOr<std::string> Authorizer::Authorize(const CallFacts& c) const {
  const MethodRule* rule = policy_.Find(c.method);
  if (rule == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(
        c.method, " is not open to any caller on ", policy_.name()));
  }
  if (c.has_certificate) {
    if (c.roles.empty()) {
      return absl::UnauthenticatedError(
          "the client certificate names no Tailor role (expected a SAN URI "
          "tailor://role/<role>)");
    }
    for (const std::string& role : c.roles) {
      if (absl::c_linear_search(rule->roles, role) ||
          absl::c_linear_search(rule->roles, kAnyRole)) {
        return absl::StrCat("role:", role);
      }
    }
  } else if (client_auth_ == ClientAuth::kRequire) {
    return absl::UnauthenticatedError(absl::StrCat(
        policy_.name(), " requires a client certificate (mutual TLS); ",
        c.method, " needs ", Needs(*rule)));
  }
  if (rule->token && c.authorization.has_value()) {
    if (tokens_ == nullptr) {
      return absl::UnauthenticatedError(
          "bearer tokens are not accepted by this server (no token file)");
    }
    absl::StatusOr<std::string> caller =
        tokens_->CallerForHeader(*c.authorization);
    if (!caller.ok()) return caller.status();
    return absl::StrCat("token:", *caller);
  }
  if (c.has_certificate) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", absl::StrJoin(c.roles, ","), " may not call ",
                     c.method, "; it needs ", Needs(*rule)));
  }
  if (rule->anonymous) return std::string("anonymous");
  return absl::UnauthenticatedError(absl::StrCat(
      c.method, " needs ", Needs(*rule), "; the caller presented neither"));
}

std::vector<std::string> RolesFromUris(const std::vector<std::string>& uris) {
  std::vector<std::string> roles;
  for (absl::string_view uri : uris) {
    if (absl::ConsumePrefix(&uri, "tailor://role/") && !uri.empty() &&
        uri.find('/') == absl::string_view::npos) {
      roles.emplace_back(uri);
    }
  }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return roles;
}

}  // namespace tailor::security
