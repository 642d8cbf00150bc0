#include "core/security/authorizer.h"

#include <memory>
#include <string>

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::security {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

CallFacts Cert(const std::string& method, std::vector<std::string> roles) {
  CallFacts c;
  c.method = method;
  c.has_certificate = true;
  c.roles = std::move(roles);
  return c;
}

CallFacts NoCert(const std::string& method,
                 std::optional<std::string> authorization = std::nullopt) {
  CallFacts c;
  c.method = method;
  c.authorization = std::move(authorization);
  return c;
}

std::shared_ptr<const TokenList> Tokens() {
  return std::make_shared<const TokenList>(
      *TokenList::Parse("shop 0123456789abcdef0123\n", "t"));
}

TEST(RolesFromUrisTest, KeepsTailorRolesOnly) {
  EXPECT_THAT(RolesFromUris({"tailor://role/worker", "spiffe://x/y",
                             "localhost", "tailor://role/", "tailor://role/a/b",
                             "tailor://role/client", "tailor://role/worker"}),
              ElementsAre("client", "worker"));
}

TEST(RolePolicyTest, ExactMethodWinsOverWildcardAndUnknownIsClosed) {
  RolePolicy p("s");
  p.Set("/s.S/*", {{"a"}});
  p.Set("/s.S/M", {{"b"}});
  EXPECT_THAT(p.Find("/s.S/M")->roles, ElementsAre("b"));
  EXPECT_THAT(p.Find("/s.S/Other")->roles, ElementsAre("a"));
  EXPECT_EQ(p.Find("/t.T/M"), nullptr);
  EXPECT_EQ(p.Find("nonsense"), nullptr);
}

// The parameter-server table: (method, role) -> expected code.
TEST(AuthorizerTest, ParameterServerTable) {
  const Authorizer a(ParameterServerPolicy(), ClientAuth::kRequire, nullptr);
  struct Case {
    const char* method;
    const char* role;
    absl::StatusCode code;
  };
  const std::string s = "/tailor.v1.ParameterServer/";
  const Case cases[] = {
      {"Push", "worker", absl::StatusCode::kOk},
      {"Pull", "worker", absl::StatusCode::kOk},
      {"GramPartial", "worker", absl::StatusCode::kOk},
      {"Push", "coordinator", absl::StatusCode::kOk},
      {"Checkpoint", "coordinator", absl::StatusCode::kOk},
      {"Restore", "coordinator", absl::StatusCode::kOk},
      {"Checkpoint", "worker", absl::StatusCode::kPermissionDenied},
      {"Restore", "worker", absl::StatusCode::kPermissionDenied},
      {"Shutdown", "worker", absl::StatusCode::kPermissionDenied},
      {"CreateTable", "worker", absl::StatusCode::kPermissionDenied},
      {"Push", "client", absl::StatusCode::kPermissionDenied},
      {"Push", "ranker", absl::StatusCode::kPermissionDenied},
      {"Unknown", "coordinator", absl::StatusCode::kPermissionDenied},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> r = a.Authorize(Cert(s + c.method, {c.role}));
    EXPECT_EQ(r.status().code(), c.code) << c.method << " by " << c.role;
    if (r.ok()) EXPECT_EQ(*r, std::string("role:") + c.role);
  }
  EXPECT_THAT(a.Authorize(Cert(s + "Checkpoint", {"worker"})).status(),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("role worker may not call "
                                 "/tailor.v1.ParameterServer/Checkpoint")));
  // Health is open to any certificate naming a role.
  EXPECT_TRUE(
      a.Authorize(Cert("/grpc.health.v1.Health/Check", {"client"})).ok());
}

TEST(AuthorizerTest, MissingOrRolelessCertificateIsUnauthenticated) {
  const Authorizer a(ParameterServerPolicy(), ClientAuth::kRequire, nullptr);
  EXPECT_THAT(a.Authorize(NoCert("/tailor.v1.ParameterServer/Push")).status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("requires a client certificate")));
  EXPECT_THAT(a.Authorize(NoCert("/grpc.health.v1.Health/Check")).status(),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(a.Authorize(Cert("/tailor.v1.ParameterServer/Push", {})).status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("names no Tailor role")));
}

TEST(AuthorizerTest, CoordinatorTable) {
  const Authorizer a(CoordinatorPolicy(), ClientAuth::kRequire, nullptr);
  const std::string s = "/tailor.v1.Coordinator/";
  EXPECT_TRUE(a.Authorize(Cert(s + "GetTask", {"worker"})).ok());
  EXPECT_TRUE(a.Authorize(Cert(s + "GetJobStatus", {"client"})).ok());
  EXPECT_THAT(a.Authorize(Cert(s + "GetTask", {"client"})).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(a.Authorize(Cert(s + "Register", {"ps"})).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(AuthorizerTest, RankTakesACertificateRoleOrABearerToken) {
  const Authorizer a(RankerPolicy(), ClientAuth::kOptional, Tokens());
  const std::string rank = "/tailor.v1.Ranker/Rank";
  EXPECT_EQ(*a.Authorize(Cert(rank, {"client"})), "role:client");
  EXPECT_EQ(*a.Authorize(NoCert(rank, "Bearer 0123456789abcdef0123")),
            "token:shop");
  // A worker certificate with a good token is the token's caller.
  CallFacts worker_with_token = Cert(rank, {"worker"});
  worker_with_token.authorization = "Bearer 0123456789abcdef0123";
  EXPECT_EQ(*a.Authorize(worker_with_token), "token:shop");
  EXPECT_THAT(a.Authorize(Cert(rank, {"worker"})).status(),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("or a bearer token")));
  EXPECT_THAT(a.Authorize(NoCert(rank)).status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("presented neither")));
  EXPECT_THAT(a.Authorize(NoCert(rank, "Bearer wrong-token-0000000")).status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("not in the server's token file")));
  // Health stays open to probes without a certificate.
  EXPECT_EQ(*a.Authorize(NoCert("/grpc.health.v1.Health/Check")), "anonymous");
}

TEST(AuthorizerTest, TokensNeedATokenFileAndOptionalMode) {
  const Authorizer no_file(RankerPolicy(), ClientAuth::kOptional, nullptr);
  EXPECT_THAT(
      no_file
          .Authorize(
              NoCert("/tailor.v1.Ranker/Rank", "Bearer 0123456789abcdef0123"))
          .status(),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("no token file")));
  const Authorizer required(RankerPolicy(), ClientAuth::kRequire, Tokens());
  EXPECT_THAT(required
                  .Authorize(NoCert("/tailor.v1.Ranker/Rank",
                                    "Bearer 0123456789abcdef0123"))
                  .status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("requires a client certificate")));
}

}  // namespace
}  // namespace tailor::security
