#include "trainer/marketing/tokenizer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

using Tokens = std::vector<std::string>;

TEST(TokenizerTest, SplitsOnNonWordAndDropsShortTokens) {
  EXPECT_EQ(Tokenize("WHITE HANGING-HEART t-light, 12 pcs!", {}),
            (Tokens{"white", "hanging", "heart", "light", "12", "pcs"}));
  EXPECT_EQ(Tokenize("Children's a_b", {}), (Tokens{"children", "a_b"}));
}

TEST(TokenizerTest, LowercasesLatin1AndExtendedA) {
  // "CAFÉ ŁÓDŹ ÇA Œuvre ĞÜL" -> lowercase, accents kept.
  EXPECT_EQ(Tokenize("CAF\xc3\x89 \xc5\x81\xc3\x93"
                     "D\xc5\xb9 \xc3\x87"
                     "A "
                     "\xc5\x92uvre \xc4\x9e\xc3\x9cL",
                     {}),
            (Tokens{"caf\xc3\xa9",
                    "\xc5\x82\xc3\xb3"
                    "d\xc5\xba",
                    "\xc3\xa7"
                    "a",
                    "\xc5\x93uvre", "\xc4\x9f\xc3\xbcl"}));
  EXPECT_EQ(LowercaseCodePoint(0x178), 0xFFu);     // Ÿ -> ÿ
  EXPECT_EQ(LowercaseCodePoint(0x139), 0x13Au);    // Ĺ -> ĺ
  EXPECT_EQ(LowercaseCodePoint(0x0416), 0x0436u);  // Ж -> ж
}

TEST(TokenizerTest, PunctuationSymbolsAndInvalidBytesSeparate) {
  // "10×20" (times sign), "a—b" (em dash), "x\xff y" (invalid byte), "£5".
  EXPECT_EQ(Tokenize("10\xc3\x97"
                     "20 ab\xe2\x80\x94"
                     "cd xx\xffyy \xc2\xa3"
                     "55",
                     {}),
            (Tokens{"10", "20", "ab", "cd", "xx", "yy", "55"}));
}

TEST(TokenizerTest, MinimumLengthCountsCodePoints) {
  TokenizerOptions options;
  options.min_token_chars = 3;
  // "été" is 3 code points (5 bytes); "ab" is too short.
  EXPECT_EQ(Tokenize("\xc3\xa9t\xc3\xa9 ab", options),
            (Tokens{"\xc3\xa9t\xc3\xa9"}));
}

TEST(TokenizerTest, DecodeRejectsOverlongAndTruncated) {
  size_t pos = 0;
  EXPECT_EQ(DecodeUtf8("\xc0\xaf", &pos), 0xFFFFFFFFu);
  EXPECT_EQ(pos, 1u);
  pos = 0;
  EXPECT_EQ(DecodeUtf8("\xe2\x82", &pos), 0xFFFFFFFFu);
  pos = 0;
  EXPECT_EQ(DecodeUtf8("\xe2\x82\xac", &pos), 0x20ACu);
  EXPECT_EQ(pos, 3u);
}

}  // namespace
}  // namespace tailor
