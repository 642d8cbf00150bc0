#include "core/security/auth_processor.h"

#include <vector>

#include "core/grpc_status.h"
#include "core/status_macros.h"
#include "grpc/grpc_security_constants.h"

namespace tailor::security {
namespace {

std::vector<std::string> Values(const grpc::AuthContext& context,
                                const char* name) {
  std::vector<std::string> out;
  for (const grpc::string_ref& v : context.FindPropertyValues(name)) {
    out.emplace_back(v.data(), v.size());
  }
  return out;
}

}  // namespace

CallFacts FactsFromContext(const std::string& method,
                           const grpc::AuthContext& context) {
  CallFacts facts;
  facts.method = method;
  facts.has_certificate =
      !context.FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME).empty();
  std::vector<std::string> uris = Values(context, GRPC_PEER_URI_PROPERTY_NAME);
  for (std::string& san : Values(context, GRPC_X509_SAN_PROPERTY_NAME)) {
    uris.push_back(std::move(san));
  }
  facts.roles = RolesFromUris(uris);
  return facts;
}

grpc::Status AuthProcessor::Process(const InputMetadata& auth_metadata,
                                    grpc::AuthContext* context,
                                    OutputMetadata* consumed_auth_metadata,
                                    OutputMetadata* /*response_metadata*/) {
  auto path = auth_metadata.find(":path");
  if (path == auth_metadata.end()) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "the call names no method (:path); refused");
  }
  CallFacts facts = FactsFromContext(
      std::string(path->second.data(), path->second.size()), *context);
  auto auth = auth_metadata.find("authorization");
  if (auth != auth_metadata.end()) {
    facts.authorization.emplace(auth->second.data(), auth->second.size());
    consumed_auth_metadata->insert(
        {"authorization", *facts.authorization});  // handlers never see it
  }
  absl::StatusOr<std::string> caller = authorizer_->Authorize(facts);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  context->AddProperty(kCallerProperty, *caller);
  return grpc::Status::OK;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
MakeAuthorizingServerCredentials(const TlsOptions& options, FileSystem* fs,
                                 RolePolicy policy,
                                 std::shared_ptr<const TokenList> tokens) {
  TAILOR_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> creds,
                          MakeServerCredentials(options, fs));
  if (!options.insecure) {
    creds->SetAuthMetadataProcessor(
        std::make_shared<AuthProcessor>(std::make_shared<const Authorizer>(
            std::move(policy), options.client_auth, std::move(tokens))));
  }
  return creds;
}

}  // namespace tailor::security
