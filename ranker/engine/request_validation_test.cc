#include "ranker/engine/request_validation.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ranker/engine/rank_error.h"

namespace tailor::ranker {
namespace {

using tailor::v1::RankRequest;
using ::testing::HasSubstr;

RankRequest ValidRequest() {
  RankRequest r;
  r.set_model_name("retail");
  r.set_user_id("u1");
  r.set_count(10);
  auto* recent = r.add_recent_interactions();
  recent->set_item_id("i1");
  recent->set_weight(1);
  r.mutable_context()->set_country("GB");
  r.add_candidate_item_ids("a");
  r.add_candidate_item_ids("b");
  r.mutable_filters()->set_min_price(1);
  r.mutable_filters()->set_max_price(2);
  r.set_diversity(0.5);
  return r;
}

TEST(RequestValidationTest, AcceptsValidRequest) {
  TAILOR_EXPECT_OK(ValidateRankRequest(ValidRequest(), RequestLimits()));
}

TEST(RequestValidationTest, AcceptsMinimalRequest) {
  RankRequest r;
  r.set_model_name("m");
  TAILOR_EXPECT_OK(ValidateRankRequest(r, RequestLimits()));
  EXPECT_EQ(EffectiveCount(r), kDefaultCount);
}

struct BadCase {
  std::string name;
  std::function<void(RankRequest*)> mutate;
  absl::StatusCode code;
  std::string field;  // expected ErrorInfo.field, also in the message
};

std::vector<BadCase> BadCases() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  const auto kExhausted = absl::StatusCode::kResourceExhausted;
  return {
      {"empty model", [](RankRequest* r) { r->clear_model_name(); }, kInvalid,
       "model_name"},
      {"control char in model",
       [](RankRequest* r) { r->set_model_name("re\ntail"); }, kInvalid,
       "model_name"},
      {"zero version", [](RankRequest* r) { r->set_version(0); }, kInvalid,
       "version"},
      {"negative version", [](RankRequest* r) { r->set_version(-3); }, kInvalid,
       "version"},
      {"empty label", [](RankRequest* r) { r->set_version_label(""); },
       kInvalid, "version_label"},
      {"empty user id", [](RankRequest* r) { r->set_user_id(""); }, kInvalid,
       "user_id"},
      {"negative count (as unsigned)",
       [](RankRequest* r) { r->set_count(static_cast<uint32_t>(-1)); },
       kInvalid, "count"},
      {"oversized count", [](RankRequest* r) { r->set_count(kMaxCount + 1); },
       kInvalid, "count"},
      {"recent without item",
       [](RankRequest* r) { r->add_recent_interactions()->set_weight(1); },
       kInvalid, "recent_interactions[1].item"},
      {"recent empty item id",
       [](RankRequest* r) { r->add_recent_interactions()->set_item_id(""); },
       kInvalid, "recent_interactions[1].item_id"},
      {"NaN weight",
       [nan](RankRequest* r) {
         r->mutable_recent_interactions(0)->set_weight(nan);
       },
       kInvalid, "recent_interactions[0].weight"},
      {"infinite weight",
       [inf](RankRequest* r) {
         r->mutable_recent_interactions(0)->set_weight(inf);
       },
       kInvalid, "recent_interactions[0].weight"},
      {"negative weight",
       [](RankRequest* r) {
         r->mutable_recent_interactions(0)->set_weight(-1);
       },
       kInvalid, "recent_interactions[0].weight"},
      {"negative recent timestamp",
       [](RankRequest* r) {
         r->mutable_recent_interactions(0)->set_timestamp_unix_ms(-5);
       },
       kInvalid, "recent_interactions[0].timestamp_unix_ms"},
      {"too many recent",
       [](RankRequest* r) {
         for (int i = 0; i < 1001; ++i) {
           r->add_recent_interactions()->set_item_key(i);
         }
       },
       kExhausted, "recent_interactions"},
      {"negative context timestamp",
       [](RankRequest* r) { r->mutable_context()->set_timestamp_unix_ms(-1); },
       kInvalid, "context.timestamp_unix_ms"},
      {"control char in context",
       [](RankRequest* r) { r->mutable_context()->set_device("a\x01"); },
       kInvalid, "context.device"},
      {"huge context string",
       [](RankRequest* r) {
         r->mutable_context()->set_channel(std::string(5000, 'c'));
       },
       kExhausted, "context.channel"},
      {"duplicate candidate",
       [](RankRequest* r) { r->add_candidate_item_ids("a"); }, kInvalid,
       "candidate_item_ids[2]"},
      {"empty candidate", [](RankRequest* r) { r->add_candidate_item_ids(""); },
       kInvalid, "candidate_item_ids[2]"},
      {"too many candidates",
       [](RankRequest* r) {
         for (int i = 0; i < 10001; ++i) {
           r->add_candidate_item_ids(absl::StrCat("c", i));
         }
       },
       kExhausted, "candidate_item_ids"},
      {"too many excluded",
       [](RankRequest* r) {
         for (int i = 0; i < 10001; ++i) {
           r->mutable_filters()->add_exclude_item_keys(i);
         }
       },
       kExhausted, "filters.exclude_item_keys"},
      {"empty excluded id",
       [](RankRequest* r) { r->mutable_filters()->add_exclude_item_ids(""); },
       kInvalid, "filters.exclude_item_ids[0]"},
      {"empty category",
       [](RankRequest* r) {
         r->mutable_filters()->add_include_categories("x");
         r->mutable_filters()->add_include_categories("");
       },
       kInvalid, "filters.include_categories[1]"},
      {"NaN min price",
       [](RankRequest* r) {
         r->mutable_filters()->set_min_price(std::nan(""));
       },
       kInvalid, "filters.min_price"},
      {"infinite max price",
       [](RankRequest* r) {
         r->mutable_filters()->set_max_price(
             std::numeric_limits<double>::infinity());
       },
       kInvalid, "filters.max_price"},
      {"min above max",
       [](RankRequest* r) { r->mutable_filters()->set_min_price(3); }, kInvalid,
       "filters.min_price"},
      {"NaN diversity", [nan](RankRequest* r) { r->set_diversity(nan); },
       kInvalid, "diversity"},
      {"diversity above 1", [](RankRequest* r) { r->set_diversity(1.5); },
       kInvalid, "diversity"},
      {"negative diversity", [](RankRequest* r) { r->set_diversity(-0.1); },
       kInvalid, "diversity"},
      {"huge unit id",
       [](RankRequest* r) { r->set_unit_id(std::string(2000, 'u')); },
       kExhausted, "unit_id"},
  };
}

TEST(RequestValidationTest, EveryErrorNamesItsField) {
  for (const BadCase& c : BadCases()) {
    SCOPED_TRACE(c.name);
    RankRequest r = ValidRequest();
    c.mutate(&r);
    absl::Status s = ValidateRankRequest(r, RequestLimits());
    EXPECT_THAT(s, StatusIs(c.code, HasSubstr(c.field)));
    std::optional<tailor::v1::ErrorInfo> info = GetRankErrorInfo(s);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->field(), c.field);
    EXPECT_NE(info->reason(), tailor::v1::ERROR_REASON_UNSPECIFIED);
  }
}

TEST(RequestValidationTest, WholeRequestSizeLimit) {
  RequestLimits limits;
  limits.max_request_bytes = 64;
  RankRequest r = ValidRequest();
  r.set_request_id(std::string(100, 'r'));
  EXPECT_THAT(ValidateRankRequest(r, limits),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("bytes exceed")));
}

TEST(RequestValidationTest, LimitsAreConfigurable) {
  RequestLimits limits;
  limits.max_candidates = 2;
  RankRequest r = ValidRequest();
  TAILOR_EXPECT_OK(ValidateRankRequest(r, limits));
  r.add_candidate_item_ids("c");
  EXPECT_THAT(ValidateRankRequest(r, limits),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("candidate_item_ids")));
}

}  // namespace
}  // namespace tailor::ranker
