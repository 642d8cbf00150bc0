#include "core/security/role_policy.h"

#include <utility>

namespace tailor::security {
namespace {

// Every server also serves health and reflection: any Tailor certificate
// may use them; health is open to certificate-less TLS peers too (probes).
void AddCommon(RolePolicy* p) {
  p->Set("/grpc.health.v1.Health/*",
         {{kAnyRole}, /*token=*/true, /*anonymous=*/true});
  p->Set("/grpc.reflection.v1alpha.ServerReflection/*",
         {{kAnyRole}, /*token=*/true, /*anonymous=*/false});
}

}  // namespace

RolePolicy& RolePolicy::Set(const std::string& method, MethodRule rule) {
  rules_[method] = std::move(rule);
  return *this;
}

const MethodRule* RolePolicy::Find(const std::string& method) const {
  auto it = rules_.find(method);
  if (it != rules_.end()) return &it->second;
  const size_t slash = method.rfind('/');
  if (slash == std::string::npos || slash == 0) return nullptr;
  it = rules_.find(method.substr(0, slash + 1) + "*");
  return it == rules_.end() ? nullptr : &it->second;
}

RolePolicy ParameterServerPolicy() {
  RolePolicy p("tailor.v1.ParameterServer");
  const std::string s = "/tailor.v1.ParameterServer/";
  const MethodRule data{{kRoleCoordinator, kRoleWorker}};
  for (const char* m : {"Pull", "Push", "GramPartial", "Clock", "Barrier"}) {
    p.Set(s + m, data);
  }
  const MethodRule admin{{kRoleCoordinator}};
  for (const char* m :
       {"CreateTable", "Checkpoint", "Restore", "GetStats", "Shutdown"}) {
    p.Set(s + m, admin);
  }
  AddCommon(&p);
  return p;
}

RolePolicy CoordinatorPolicy() {
  RolePolicy p("tailor.v1.Coordinator");
  const std::string s = "/tailor.v1.Coordinator/";
  const MethodRule worker{{kRoleWorker, kRoleCoordinator}};
  for (const char* m : {"Register", "Heartbeat", "GetTask", "ReportProgress"}) {
    p.Set(s + m, worker);
  }
  p.Set(s + "GetJobStatus", {{kRoleCoordinator, kRoleWorker, kRoleClient}});
  AddCommon(&p);
  return p;
}

RolePolicy RankerPolicy() {
  RolePolicy p("tailor.v1.Ranker");
  const std::string s = "/tailor.v1.Ranker/";
  const MethodRule callers{{kRoleClient, kRoleRanker}, /*token=*/true};
  p.Set(s + "Rank", callers);
  p.Set(s + "GetModelStatus", callers);
  AddCommon(&p);
  return p;
}

}  // namespace tailor::security
