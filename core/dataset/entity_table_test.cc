#include "core/dataset/entity_table.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

TEST(EntityTableTest, InternAssignsFirstSeenOrdinals) {
  EntityTable t("user");
  bool inserted = false;
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t a, t.Intern(30, "a", &inserted));
  EXPECT_TRUE(inserted);
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t b, t.Intern(10, "b", &inserted));
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t a2, t.Intern(30, "a", &inserted));
  EXPECT_FALSE(inserted);
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 1u);
  EXPECT_EQ(a2, 0u);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.external_id(1), "b");
  EXPECT_EQ(t.SortedOrder(), (std::vector<uint32_t>{1, 0}));
}

TEST(EntityTableTest, CollisionBetweenDifferentIdsFails) {
  EntityTable t("item");
  ASSERT_THAT(t.Intern(7, "first"), IsOk());
  EXPECT_THAT(
      t.Intern(7, "second"),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("item key collision"), HasSubstr("first"),
                     HasSubstr("second"), HasSubstr("0000000000000007"))));
}

TEST(EntityTableTest, CollisionBetweenLongIdsWithACommonPrefixFails) {
  EntityTable t("user");
  ASSERT_THAT(t.Intern(9, "abcdefghijklmnop-1"), IsOk());
  EXPECT_THAT(t.Intern(9, "abcdefghijklmnop-1"), IsOk());
  EXPECT_THAT(t.Intern(9, "abcdefghijklmnop-2"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  const std::string a(300, 'a');
  std::string b = a + "b";
  ASSERT_THAT(t.Intern(10, a), IsOk());
  EXPECT_THAT(t.Intern(10, b), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(t.Intern(10, a), IsOk());
}

TEST(EntityTableTest, WritesEscapedTsvLines) {
  EntityTable t("item");
  t.SetAttributeNames({"title", "genres"});
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t o, t.Intern(0xabc, "id\t1"));
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t p, t.Intern(0x1, "plain"));
  t.SetAttributes(o, {"A\nB", "x|y"});
  std::string out;
  t.AppendTsvHeader(&out);
  t.AppendTsvLine(o, &out);
  t.AppendTsvLine(p, &out);
  EXPECT_EQ(out,
            "key\tid\ttitle\tgenres\n"
            "0000000000000abc\tid\\t1\tA\\nB\tx|y\n"
            "0000000000000001\tplain\t\t\n");
}

TEST(EntityTableTest,
     InternBatchMatchesInternCountsEntriesAndReportsFirstSeen) {
  // Enough distinct keys that the table grows several times within a batch.
  std::mt19937_64 rng(5);
  EntityTable batched("user");
  std::map<uint64_t, size_t> count_of_key;
  std::vector<uint64_t> all_keys;
  for (int round = 0; round < 12; ++round) {
    std::vector<uint64_t> keys;
    std::vector<std::string> id_storage;
    for (int i = 0; i < 8000; ++i) {
      const uint64_t k = (rng() % 60000) * 0x100000001b3ull;
      keys.push_back(k);
      id_storage.push_back(absl::StrCat("id-", k));
    }
    std::vector<absl::string_view> ids(id_storage.begin(), id_storage.end());
    std::vector<uint32_t> ordinals(keys.size());
    std::vector<uint32_t> first_seen;
    size_t failed = 0;
    ASSERT_THAT(
        batched.InternBatch(keys, ids, ordinals.data(), &first_seen, &failed),
        IsOk());
    std::set<uint32_t> first(first_seen.begin(), first_seen.end());
    EXPECT_EQ(first.size(), first_seen.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      EXPECT_EQ(batched.key(ordinals[i]), keys[i]);
      EXPECT_EQ(batched.external_id(ordinals[i]), ids[i]);
      const bool is_new = count_of_key[keys[i]]++ == 0;
      EXPECT_EQ(first.count(static_cast<uint32_t>(i)) == 1, is_new) << i;
    }
  }
  EXPECT_EQ(batched.size(), count_of_key.size());
  EXPECT_GT(batched.size(), 40000u);
  const std::vector<int64_t> counts = batched.EntryCounts();
  for (uint32_t o = 0; o < batched.size(); ++o) {
    EXPECT_EQ(counts[o], static_cast<int64_t>(count_of_key[batched.key(o)]));
  }
  // SortedOrder is ascending by key.
  std::vector<uint32_t> order = batched.SortedOrder();
  ASSERT_EQ(order.size(), batched.size());
  for (size_t d = 1; d < order.size(); ++d) {
    ASSERT_LT(batched.key(order[d - 1]), batched.key(order[d]));
  }
}

TEST(EntityTableTest, InternBatchReportsTheCollidingElement) {
  EntityTable t("item");
  ASSERT_THAT(t.Intern(42, "first"), IsOk());
  const std::vector<uint64_t> keys = {7, 42, 8};
  const std::vector<absl::string_view> ids = {"a", "second", "b"};
  std::vector<uint32_t> ordinals(3);
  std::vector<uint32_t> first_seen;
  size_t failed = 99;
  EXPECT_THAT(
      t.InternBatch(keys, ids, ordinals.data(), &first_seen, &failed),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("\"second\"")));
  EXPECT_EQ(failed, 1u);
}

TEST(EntityTableTest, IdBytesBeyondTheIdAndPageEndsDoNotMatter) {
  // The same ids (every length 0 to 20) read from two buffers whose bytes
  // after each id differ, and from the very end of a page, must find the
  // same entries; an id one byte different must be a collision.
  std::vector<char> page(3 * 4096, 'x');
  char* const page_end = page.data() + 4096 * 2 -
                         (reinterpret_cast<uintptr_t>(page.data()) % 4096);
  EntityTable t("user");
  for (size_t len = 0; len <= 20; ++len) {
    std::string id;
    for (size_t i = 0; i < len; ++i) id.push_back(static_cast<char>('a' + i));
    const std::string a = id + std::string(16, 'A');
    const std::string b = id + std::string(16, 'B');
    std::copy(id.begin(), id.end(), page_end - len);
    const uint64_t key = 1000 + len;
    TAILOR_ASSERT_OK_AND_ASSIGN(
        uint32_t o1, t.Intern(key, absl::string_view(a.data(), len)));
    TAILOR_ASSERT_OK_AND_ASSIGN(
        uint32_t o2, t.Intern(key, absl::string_view(b.data(), len)));
    TAILOR_ASSERT_OK_AND_ASSIGN(
        uint32_t o3, t.Intern(key, absl::string_view(page_end - len, len)));
    EXPECT_EQ(o1, o2) << len;
    EXPECT_EQ(o1, o3) << len;
    EXPECT_EQ(t.external_id(o1), id);
    if (len > 0) {
      std::string other = id;
      other.back() ^= 1;
      EXPECT_THAT(t.Intern(key, other),
                  StatusIs(absl::StatusCode::kFailedPrecondition))
          << len;
    }
  }
}

TEST(EntityTableTest, AddEntriesCountsForOneOrdinal) {
  EntityTable t("user");
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t a, t.Intern(3, "a"));
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t b, t.Intern(4, "b"));
  t.AddEntries(b, 5);
  t.AddEntries(a, 1);
  t.AddEntries(b, 1);
  EXPECT_EQ(t.EntryCounts(), (std::vector<int64_t>{1, 6}));
}

}  // namespace
}  // namespace tailor
