#include "core/security/tls_options.h"

#include <memory>

#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"

namespace tailor::security {
namespace {

using ::testing::HasSubstr;

constexpr char kCert[] =
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
constexpr char kKey[] =
    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";

class TlsOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs_->CreateDirs("/c").ok());
    ASSERT_TRUE(WriteStringToFile(fs_.get(), "/c/a.crt", kCert).ok());
    ASSERT_TRUE(WriteStringToFile(fs_.get(), "/c/a.key", kKey).ok());
    ASSERT_TRUE(WriteStringToFile(fs_.get(), "/c/ca.crt", kCert).ok());
    ASSERT_TRUE(WriteStringToFile(fs_.get(), "/c/junk", "hello").ok());
  }
  TlsOptions Full() const {
    TlsOptions o;
    o.cert_file = "/c/a.crt";
    o.key_file = "/c/a.key";
    o.ca_file = "/c/ca.crt";
    return o;
  }
  std::unique_ptr<FileSystem> fs_ = NewInMemoryFileSystem();
};

TEST(ClientAuthTest, ParsesTheThreeModes) {
  EXPECT_EQ(*ParseClientAuth("require"), ClientAuth::kRequire);
  EXPECT_EQ(*ParseClientAuth("optional"), ClientAuth::kOptional);
  EXPECT_EQ(*ParseClientAuth("none"), ClientAuth::kNone);
  EXPECT_THAT(ParseClientAuth("yes").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_client_auth='yes'")));
  EXPECT_EQ(ClientAuthName(ClientAuth::kOptional), "optional");
}

TEST_F(TlsOptionsTest, NoChoiceIsRefusedWithAClearMessage) {
  const absl::Status s = ValidateTlsOptions(TlsOptions(), /*server=*/true);
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--insecure")));
  EXPECT_THAT(MakeServerCredentials(TlsOptions(), fs_.get()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no transport security chosen")));
  EXPECT_THAT(MakeChannelCredentials(TlsOptions(), fs_.get()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TlsOptionsTest, InsecureExcludesFiles) {
  TlsOptions o = Full();
  o.insecure = true;
  EXPECT_THAT(
      ValidateTlsOptions(o, true),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("excludes")));
  TlsOptions plain;
  plain.insecure = true;
  EXPECT_TRUE(ValidateTlsOptions(plain, true).ok());
  EXPECT_THAT(DescribeTlsOptions(plain, true), HasSubstr("INSECURE"));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto creds,
                              MakeServerCredentials(plain, fs_.get()));
  EXPECT_NE(creds, nullptr);
}

TEST_F(TlsOptionsTest, IncompleteTlsOptionsNameTheMissingFlag) {
  TlsOptions o = Full();
  o.key_file.clear();
  EXPECT_THAT(
      ValidateTlsOptions(o, true),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls_key")));
  o = Full();
  o.ca_file.clear();
  EXPECT_THAT(
      ValidateTlsOptions(o, true),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls_ca")));
  o.client_auth = ClientAuth::kNone;  // server-side TLS only
  EXPECT_TRUE(ValidateTlsOptions(o, true).ok());
  EXPECT_THAT(
      ValidateTlsOptions(o, /*server=*/false),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls_ca")));
  TlsOptions ca_only;
  ca_only.ca_file = "/c/ca.crt";
  EXPECT_TRUE(ValidateTlsOptions(ca_only, /*server=*/false).ok());
  EXPECT_THAT(
      ValidateTlsOptions(ca_only, /*server=*/true),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls_cert")));
}

TEST_F(TlsOptionsTest, ReadsPemFilesThroughTheFileSystem) {
  TAILOR_ASSERT_OK_AND_ASSIGN(auto server,
                              MakeServerCredentials(Full(), fs_.get()));
  EXPECT_NE(server, nullptr);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto client,
                              MakeChannelCredentials(Full(), fs_.get()));
  EXPECT_NE(client, nullptr);
  EXPECT_THAT(DescribeTlsOptions(Full(), true),
              HasSubstr("client certificates required"));
}

TEST_F(TlsOptionsTest, MissingOrNonPemFilesAreNamed) {
  TlsOptions o = Full();
  o.cert_file = "/c/nope.crt";
  EXPECT_THAT(MakeServerCredentials(o, fs_.get()).status(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("--tls_cert /c/nope.crt")));
  o = Full();
  o.ca_file = "/c/junk";
  EXPECT_THAT(MakeChannelCredentials(o, fs_.get()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_ca /c/junk: not a PEM file")));
  o = Full();
  o.key_file = "/c/a.crt";
  EXPECT_THAT(
      MakeServerCredentials(o, fs_.get()).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("PRIVATE KEY")));
}

}  // namespace
}  // namespace tailor::security
