#include "tools/ingest/field_parsers.h"

#include <charconv>
#include <string>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(FieldParsersTest, Floats) {
  float f = 0;
  EXPECT_EQ(ParseFloatField("3.5", &f), NumberParse::kOk);
  EXPECT_EQ(f, 3.5f);
  EXPECT_EQ(ParseFloatField(" +2e1 ", &f), NumberParse::kOk);
  EXPECT_EQ(f, 20.0f);
  EXPECT_EQ(ParseFloatField("-1", &f), NumberParse::kOk);
  EXPECT_EQ(f, -1.0f);
  EXPECT_EQ(ParseFloatField("1e-60", &f), NumberParse::kOk);
  EXPECT_EQ(f, 0.0f);
  for (const char* bad : {"", "abc", "1.2.3", "4x", "+-1", "0x10", " "}) {
    EXPECT_EQ(ParseFloatField(bad, &f), NumberParse::kNotANumber) << bad;
  }
  for (const char* nf :
       {"nan", "NaN", "-inf", "inf", "Infinity", "+inf", "1e39", "-1e400"}) {
    EXPECT_EQ(ParseFloatField(nf, &f), NumberParse::kNotFinite) << nf;
  }
  double d;
  EXPECT_EQ(ParseDoubleField("1e300", &d), NumberParse::kOk);
  EXPECT_EQ(ParseDoubleField("1e400", &d), NumberParse::kNotFinite);
}

// Plain digit strings take a shortcut; the values must be those of
// std::from_chars for every length (the shortcut stops at 7 / 15 / 18
// digits).
TEST(FieldParsersTest, DigitStringsMatchFromChars) {
  std::string digits;
  for (int len = 1; len <= 20; ++len) {
    digits.push_back(static_cast<char>('0' + (len * 7 + 3) % 10));
    for (const std::string& s :
         {digits, std::string(len, '9'), "0" + digits, " " + digits + " "}) {
      const std::string trimmed(TrimSpaces(s));
      float f = 0, f_ref = 0;
      std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), f_ref);
      ASSERT_EQ(ParseFloatField(s, &f), NumberParse::kOk) << s;
      EXPECT_EQ(f, f_ref) << s;
      double d = 0, d_ref = 0;
      std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), d_ref);
      ASSERT_EQ(ParseDoubleField(s, &d), NumberParse::kOk) << s;
      EXPECT_EQ(d, d_ref) << s;
      int64_t t = 0, t_ref = 0;
      const auto r = std::from_chars(trimmed.data(),
                                     trimmed.data() + trimmed.size(), t_ref);
      EXPECT_EQ(ParseTimestampField(s, TimestampFormat::kUnixSeconds, &t),
                r.ec == std::errc())
          << s;
      if (r.ec == std::errc()) EXPECT_EQ(t, t_ref) << s;
    }
  }
}

TEST(FieldParsersTest, Timestamps) {
  int64_t t = 0;
  EXPECT_TRUE(
      ParseTimestampField("881250949", TimestampFormat::kUnixSeconds, &t));
  EXPECT_EQ(t, 881250949);
  EXPECT_TRUE(ParseTimestampField("12.75", TimestampFormat::kAuto, &t));
  EXPECT_EQ(t, 12);
  EXPECT_TRUE(
      ParseTimestampField("2010-12-01 08:26:00", TimestampFormat::kIso, &t));
  EXPECT_EQ(t, 1291191960);
  EXPECT_TRUE(ParseTimestampField("1970-01-01", TimestampFormat::kAuto, &t));
  EXPECT_EQ(t, 0);
  EXPECT_TRUE(
      ParseTimestampField("2000-02-29T23:59:59Z", TimestampFormat::kAuto, &t));
  EXPECT_EQ(t, 951868799);
  EXPECT_TRUE(
      ParseTimestampField("1969-12-31 23:59", TimestampFormat::kIso, &t));
  EXPECT_EQ(t, -60);
  EXPECT_TRUE(ParseTimestampField("2011-12-09 12:50:00.123",
                                  TimestampFormat::kIso, &t));
  for (const char* bad : {"", "abc", "2010-13-01", "2010-02-30", "2001-02-29",
                          "2010-12-01 25:00:00", "2010-12-01x", "2010-1-1",
                          "12:00", "1.5.5", "2010-12-01 08:26:00 extra"}) {
    EXPECT_FALSE(ParseTimestampField(bad, TimestampFormat::kAuto, &t)) << bad;
  }
  EXPECT_FALSE(
      ParseTimestampField("2010-12-01", TimestampFormat::kUnixSeconds, &t));
  EXPECT_FALSE(ParseTimestampField("881250949", TimestampFormat::kIso, &t));
}

TEST(FieldParsersTest, CivilMatchesKnownDates) {
  EXPECT_EQ(UnixSecondsFromCivil(1970, 1, 1, 0, 0, 0), 0);
  EXPECT_EQ(UnixSecondsFromCivil(2000, 3, 1, 0, 0, 0), 951868800);
  EXPECT_EQ(UnixSecondsFromCivil(1600, 1, 1, 0, 0, 0), -11676096000);
}

TEST(FieldParsersTest, NormalizeNumericId) {
  EXPECT_EQ(NormalizeNumericId("17850.0"), "17850");
  EXPECT_EQ(NormalizeNumericId("17850.000"), "17850");
  EXPECT_EQ(NormalizeNumericId("17850"), "17850");
  EXPECT_EQ(NormalizeNumericId("17850.5"), "17850.5");
  EXPECT_EQ(NormalizeNumericId("A1.0"), "A1.0");
  EXPECT_EQ(NormalizeNumericId(".0"), ".0");
  EXPECT_EQ(NormalizeNumericId("1."), "1.");
}

TEST(FieldParsersTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("caf\xE9"));           // Latin-1 byte
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abcdefgh\xE2\x82"));  // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));
}

TEST(FieldParsersTest, Latin1ToUtf8) {
  EXPECT_EQ(Latin1ToUtf8("Mis\xE9rables"), "Mis\xC3\xA9rables");
  EXPECT_EQ(Latin1ToUtf8("\xFF"), "\xC3\xBF");
  EXPECT_TRUE(IsValidUtf8(Latin1ToUtf8("\x80\x81\xFE")));
}

}  // namespace
}  // namespace tailor
