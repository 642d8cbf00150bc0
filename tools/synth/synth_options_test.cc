#include "tools/synth/synth_options.h"

#include "gtest/gtest.h"

namespace tailor {
namespace {

void ExpectInvalid(const SynthOptions& options, const std::string& flag) {
  const absl::Status s = ValidateSynthOptions(options);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find(flag), absl::string_view::npos) << s;
}

TEST(SynthOptionsTest, PresetsAreValidAndShapedAsDocumented) {
  for (const char* name : {"ml20m", "retail1e8", "small"}) {
    absl::StatusOr<SynthOptions> o = SynthPreset(name);
    ASSERT_TRUE(o.ok()) << o.status();
    EXPECT_TRUE(ValidateSynthOptions(*o).ok()) << name;
    EXPECT_EQ(o->preset, name);
  }
  const SynthOptions ml = *SynthPreset("ml20m");
  EXPECT_EQ(ml.users, 136677);
  EXPECT_EQ(ml.items, 20108);
  EXPECT_EQ(ml.interactions, 9940000);
  EXPECT_EQ(ml.value, SynthValue::kRating);
  EXPECT_EQ(ml.min_rating, 4);
  const SynthOptions retail = *SynthPreset("retail1e8");
  EXPECT_EQ(retail.interactions, 100000000);
  EXPECT_EQ(retail.value, SynthValue::kQuantity);
}

TEST(SynthOptionsTest, UnknownPresetNamesTheFlag) {
  const absl::StatusOr<SynthOptions> o = SynthPreset("ml30m");
  EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(o.status().message().find("--preset"), absl::string_view::npos);
}

TEST(SynthOptionsTest, BadCountsNameTheirFlags) {
  SynthOptions o = *SynthPreset("small");
  o.users = 0;
  ExpectInvalid(o, "--users");
  o = *SynthPreset("small");
  o.items = -3;
  ExpectInvalid(o, "--items");
  o = *SynthPreset("small");
  o.interactions = o.users * o.items + 1;
  ExpectInvalid(o, "--interactions");
  o.interactions = o.users * o.items;
  EXPECT_TRUE(ValidateSynthOptions(o).ok());
  o.interactions = -1;
  ExpectInvalid(o, "--interactions");
}

TEST(SynthOptionsTest, BadModelParametersNameTheirFlags) {
  SynthOptions o = *SynthPreset("small");
  o.factors_rank = 0;
  ExpectInvalid(o, "--factors_rank");
  o = *SynthPreset("small");
  o.days = 0;
  ExpectInvalid(o, "--days");
  o = *SynthPreset("small");
  o.start_date = "2024-13-01";
  ExpectInvalid(o, "--start_date");
  o.start_date = "1969-12-31";
  ExpectInvalid(o, "--start_date");
  o = *SynthPreset("ml20m");
  o.min_rating = 6;
  ExpectInvalid(o, "--synth_min_rating");
  o = *SynthPreset("small");
  o.gzip_level = 0;
  ExpectInvalid(o, "--synth_gzip_level");
}

TEST(SynthOptionsTest, ParsesDates) {
  EXPECT_EQ(*ParseSynthDate("1970-01-01"), 0);
  EXPECT_EQ(*ParseSynthDate("2024-01-01"), 19723);
  EXPECT_FALSE(ParseSynthDate("2024-1-1").ok());
  EXPECT_FALSE(ParseSynthDate("yesterday").ok());
}

}  // namespace
}  // namespace tailor
