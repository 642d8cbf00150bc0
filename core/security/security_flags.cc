#include "core/security/security_flags.h"

#include <cstdio>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "core/security/auth_processor.h"
#include "core/status_macros.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

ABSL_FLAG(bool, insecure, false,
          "Run without transport security (plaintext, no authentication). "
          "Servers and clients refuse to start unless either this or "
          "--tls_cert/--tls_key/--tls_ca is given (docs/security.md).");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of this process (its role is the SAN URI "
          "tailor://role/<role>); with --tls_key.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle that verifies the peer's certificate.");
ABSL_FLAG(std::string, tls_client_auth, "require",
          "Servers: client certificates are 'require'd (mutual TLS), "
          "'optional' (callers without one need a bearer token where the "
          "method accepts one), or 'none' (not asked for).");
ABSL_FLAG(std::string, token_list_file, "",
          "Servers whose methods accept bearer tokens (tailor_ranker): file "
          "of '<caller> <token>' lines checked against 'authorization: "
          "Bearer <token>' metadata.");
ABSL_FLAG(std::string, bearer_token_file, "",
          "Clients: file holding a bearer token sent as 'authorization: "
          "Bearer <token>' on every call (TLS only).");

namespace tailor::security {
namespace {

// Adds the bearer token to every call's metadata.
class BearerPlugin final : public grpc::MetadataCredentialsPlugin {
 public:
  explicit BearerPlugin(std::string token) : header_("Bearer " + token) {}
  bool IsBlocking() const override { return false; }
  grpc::Status GetMetadata(
      grpc::string_ref /*service_url*/, grpc::string_ref /*method_name*/,
      const grpc::AuthContext& /*channel_auth_context*/,
      std::multimap<grpc::string, grpc::string>* metadata) override {
    metadata->insert({"authorization", header_});
    return grpc::Status::OK;
  }

 private:
  const std::string header_;
};

absl::StatusOr<std::string> ReadBearerToken(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(PosixFileSystem(), path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("--bearer_token_file ", path, ": ",
                                     text.status().message()));
  }
  const std::string token(absl::StripAsciiWhitespace(*text));
  if (token.empty() || token.find_first_of(" \t\r\n") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--bearer_token_file ", path, ": expected one token on one line"));
  }
  return token;
}

}  // namespace

absl::StatusOr<TlsOptions> TlsOptionsFromFlags() {
  TlsOptions o;
  o.insecure = absl::GetFlag(FLAGS_insecure);
  o.cert_file = absl::GetFlag(FLAGS_tls_cert);
  o.key_file = absl::GetFlag(FLAGS_tls_key);
  o.ca_file = absl::GetFlag(FLAGS_tls_ca);
  TAILOR_ASSIGN_OR_RETURN(
      o.client_auth, ParseClientAuth(absl::GetFlag(FLAGS_tls_client_auth)));
  return o;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
ServerCredentialsFromFlags(absl::string_view program, RolePolicy policy) {
  TAILOR_ASSIGN_OR_RETURN(TlsOptions options, TlsOptionsFromFlags());
  TAILOR_RETURN_IF_ERROR(ValidateTlsOptions(options, /*server=*/true));
  std::shared_ptr<const TokenList> tokens;
  const std::string token_file = absl::GetFlag(FLAGS_token_list_file);
  if (!token_file.empty()) {
    if (options.insecure) {
      return absl::InvalidArgumentError(
          "--token_list_file needs TLS: bearer tokens are not checked, and "
          "would travel in the clear, with --insecure");
    }
    TAILOR_ASSIGN_OR_RETURN(TokenList list,
                            TokenList::Load(PosixFileSystem(), token_file));
    tokens = std::make_shared<const TokenList>(std::move(list));
  }
  TAILOR_ASSIGN_OR_RETURN(
      std::shared_ptr<grpc::ServerCredentials> creds,
      MakeAuthorizingServerCredentials(options, PosixFileSystem(),
                                       std::move(policy), tokens));
  std::fprintf(
      stderr, "%s: transport security: %s%s\n", std::string(program).c_str(),
      DescribeTlsOptions(options, /*server=*/true).c_str(),
      tokens == nullptr ? ""
                        : absl::StrCat(", ", tokens->size(),
                                       " bearer tokens from ", token_file)
                              .c_str());
  return creds;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
ChannelCredentialsFromFlags(absl::string_view program) {
  TAILOR_ASSIGN_OR_RETURN(TlsOptions options, TlsOptionsFromFlags());
  TAILOR_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> creds,
                          MakeChannelCredentials(options, PosixFileSystem()));
  const std::string token_file = absl::GetFlag(FLAGS_bearer_token_file);
  if (!token_file.empty()) {
    if (options.insecure) {
      return absl::InvalidArgumentError(
          "--bearer_token_file needs TLS (--tls_ca); a token is never sent "
          "in the clear");
    }
    TAILOR_ASSIGN_OR_RETURN(std::string token, ReadBearerToken(token_file));
    creds = grpc::CompositeChannelCredentials(
        creds, grpc::MetadataCredentialsFromPlugin(
                   std::make_unique<BearerPlugin>(std::move(token))));
  }
  std::fprintf(stderr, "%s: transport security: %s%s\n",
               std::string(program).c_str(),
               DescribeTlsOptions(options, /*server=*/false).c_str(),
               token_file.empty() ? "" : ", bearer token");
  return creds;
}

bool IsSecurityFlag(const absl::CommandLineFlag& flag) {
  return absl::EndsWith(flag.Filename(), "core/security/security_flags.cc");
}

std::vector<std::string> SecurityFlagNames() {
  return {"insecure",        "tls_cert",        "tls_key",          "tls_ca",
          "tls_client_auth", "token_list_file", "bearer_token_file"};
}

std::vector<std::string> ClientSecurityFlagNames() {
  return {"insecure", "tls_cert", "tls_key", "tls_ca", "bearer_token_file"};
}

}  // namespace tailor::security
