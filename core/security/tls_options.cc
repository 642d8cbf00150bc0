#include "core/security/tls_options.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace tailor::security {
namespace {

absl::StatusOr<std::string> ReadPem(FileSystem* fs, const std::string& path,
                                    absl::string_view flag,
                                    absl::string_view marker) {
  absl::StatusOr<std::string> text = ReadFileToString(fs, path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat(flag, " ", path, ": cannot read: ",
                                     text.status().message()));
  }
  if (text->find(std::string(marker)) == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, ": not a PEM file (no '", marker, "' line)"));
  }
  return text;
}

}  // namespace

absl::StatusOr<ClientAuth> ParseClientAuth(absl::string_view text) {
  if (text == "require") return ClientAuth::kRequire;
  if (text == "optional") return ClientAuth::kOptional;
  if (text == "none") return ClientAuth::kNone;
  return absl::InvalidArgumentError(absl::StrCat(
      "--tls_client_auth='", text, "' is not one of require, optional, none"));
}

absl::string_view ClientAuthName(ClientAuth mode) {
  switch (mode) {
    case ClientAuth::kRequire:
      return "require";
    case ClientAuth::kOptional:
      return "optional";
    case ClientAuth::kNone:
      return "none";
  }
  return "?";
}

absl::Status ValidateTlsOptions(const TlsOptions& o, bool server) {
  const bool any_file =
      !o.cert_file.empty() || !o.key_file.empty() || !o.ca_file.empty();
  if (o.insecure) {
    if (any_file) {
      return absl::InvalidArgumentError(
          "--insecure excludes --tls_cert, --tls_key and --tls_ca; choose "
          "one");
    }
    return absl::OkStatus();
  }
  if (!any_file) {
    return absl::InvalidArgumentError(
        "no transport security chosen: give --tls_cert, --tls_key and "
        "--tls_ca for TLS (see docs/security.md), or --insecure to run "
        "without encryption or authentication");
  }
  if (o.cert_file.empty() != o.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key must be given together");
  }
  if (server && o.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "a TLS server needs --tls_cert and --tls_key");
  }
  if (o.ca_file.empty() && (!server || o.client_auth != ClientAuth::kNone)) {
    return absl::InvalidArgumentError(
        server ? "--tls_ca is needed to verify client certificates "
                 "(or --tls_client_auth=none)"
               : "--tls_ca is needed to verify the server's certificate");
  }
  return absl::OkStatus();
}

std::string DescribeTlsOptions(const TlsOptions& o, bool server) {
  if (o.insecure) {
    return "INSECURE: plaintext, no authentication (--insecure)";
  }
  std::string s = absl::StrCat("TLS (CA ", o.ca_file.empty() ? "-" : o.ca_file);
  if (!o.cert_file.empty()) absl::StrAppend(&s, ", certificate ", o.cert_file);
  if (server) {
    absl::StrAppend(&s, ", client certificates ",
                    o.client_auth == ClientAuth::kRequire    ? "required"
                    : o.client_auth == ClientAuth::kOptional ? "optional"
                                                             : "not asked for");
  }
  absl::StrAppend(&s, ")");
  return s;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsOptions& o, FileSystem* fs) {
  TAILOR_RETURN_IF_ERROR(ValidateTlsOptions(o, /*server=*/true));
  if (o.insecure) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  TAILOR_ASSIGN_OR_RETURN(
      pair.cert_chain, ReadPem(fs, o.cert_file, "--tls_cert", "CERTIFICATE"));
  TAILOR_ASSIGN_OR_RETURN(pair.private_key,
                          ReadPem(fs, o.key_file, "--tls_key", "PRIVATE KEY"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!o.ca_file.empty()) {
    TAILOR_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                            ReadPem(fs, o.ca_file, "--tls_ca", "CERTIFICATE"));
  }
  // A presented certificate is always verified against the CA; whether one
  // is required is decided per call by the role policy, so that a missing
  // certificate is refused with UNAUTHENTICATED and a message instead of a
  // failed handshake.
  ssl.client_certificate_request =
      o.client_auth == ClientAuth::kNone
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  return grpc::SslServerCredentials(ssl);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const TlsOptions& o, FileSystem* fs) {
  TAILOR_RETURN_IF_ERROR(ValidateTlsOptions(o, /*server=*/false));
  if (o.insecure) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  TAILOR_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                          ReadPem(fs, o.ca_file, "--tls_ca", "CERTIFICATE"));
  if (!o.cert_file.empty()) {
    TAILOR_ASSIGN_OR_RETURN(
        ssl.pem_cert_chain,
        ReadPem(fs, o.cert_file, "--tls_cert", "CERTIFICATE"));
    TAILOR_ASSIGN_OR_RETURN(
        ssl.pem_private_key,
        ReadPem(fs, o.key_file, "--tls_key", "PRIVATE KEY"));
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace tailor::security
