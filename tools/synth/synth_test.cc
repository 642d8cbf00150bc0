#include "tools/synth/synth.h"

#include <zlib.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// A strict RFC 4180 reader: fails the test on a stray quote.
Rows ParseCsv(const std::string& text) {
  Rows rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty() && !was_quoted) << "stray quote at " << i;
      quoted = was_quoted = true;
    } else if (c == ',' || c == '\n') {
      row.push_back(field);
      field.clear();
      was_quoted = false;
      if (c == '\n') {
        rows.push_back(row);
        row.clear();
      }
    } else {
      EXPECT_FALSE(was_quoted) << "text after closing quote at " << i;
      field.push_back(c);
    }
  }
  EXPECT_FALSE(quoted);
  EXPECT_TRUE(row.empty() && field.empty()) << "no final newline";
  return rows;
}

SynthOptions SmallOptions() {
  SynthOptions o = *SynthPreset("small");
  o.users = 1500;
  o.items = 1000;
  o.interactions = 40000;
  o.threads = 2;
  return o;
}

struct Log {
  SynthSummary summary;
  std::map<std::string, std::string> files;
};

Log Generate(const SynthOptions& options) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  absl::StatusOr<SynthSummary> summary =
      GenerateSynthLog(fs.get(), options, "/out");
  EXPECT_TRUE(summary.ok()) << summary.status();
  Log log;
  if (!summary.ok()) return log;
  log.summary = *summary;
  const absl::StatusOr<std::vector<std::string>> names = fs->ListDir("/out");
  EXPECT_TRUE(names.ok()) << names.status();
  if (!names.ok()) return log;
  for (const std::string& name : *names) {
    log.files[name] = *ReadFileToString(fs.get(), JoinPath("/out", name));
  }
  return log;
}

int64_t Int(const std::string& s) {
  int64_t v = 0;
  EXPECT_TRUE(absl::SimpleAtoi(s, &v)) << s;
  return v;
}

int64_t DayOf(const std::string& date) {
  absl::CivilDay d;
  EXPECT_TRUE(absl::ParseCivilTime(date, &d)) << date;
  return d - absl::CivilDay(1970, 1, 1);
}

TEST(SynthTest, SameSeedGivesSameBytesForAnyThreadCount) {
  SynthOptions o = SmallOptions();
  o.threads = 1;
  const Log one = Generate(o);
  o.threads = 3;
  const Log three = Generate(o);
  ASSERT_EQ(one.files.size(), 4u);
  EXPECT_EQ(one.files, three.files);
}

TEST(SynthTest, DifferentSeedGivesDifferentLog) {
  SynthOptions o = SmallOptions();
  const Log a = Generate(o);
  o.seed = 2;
  const Log b = Generate(o);
  EXPECT_NE(a.files.at("interactions.csv"), b.files.at("interactions.csv"));
  EXPECT_NE(a.files.at("users.csv"), b.files.at("users.csv"));
  EXPECT_NE(a.files.at("items.csv"), b.files.at("items.csv"));
}

TEST(SynthTest, CountsAreExactAndPairsUnique) {
  const SynthOptions o = SmallOptions();
  const Log log = Generate(o);
  const Rows lines = ParseCsv(log.files.at("interactions.csv"));
  ASSERT_EQ(lines.size(), o.interactions + 1);
  EXPECT_EQ(lines[0], (std::vector<std::string>{"user_id", "item_id", "value",
                                                "timestamp", "price"}));
  EXPECT_EQ(ParseCsv(log.files.at("users.csv")).size(), o.users + 1);
  EXPECT_EQ(ParseCsv(log.files.at("items.csv")).size(), o.items + 1);
  EXPECT_EQ(log.summary.interactions, o.interactions);
  std::set<std::pair<std::string, std::string>> pairs;
  for (size_t r = 1; r < lines.size(); ++r) {
    ASSERT_EQ(lines[r].size(), 5u);
    EXPECT_TRUE(pairs.insert({lines[r][0], lines[r][1]}).second);
  }
  EXPECT_NE(log.files.at("synth.json").find("\"interactions\": 40000"),
            std::string::npos);
}

TEST(SynthTest, DenseRequestsAreFilledExactly) {
  SynthOptions o = SmallOptions();
  o.users = 20;
  o.items = 50;
  o.interactions = 950;  // 95% of all pairs: exhaustive weighting path
  const Log log = Generate(o);
  const Rows lines = ParseCsv(log.files.at("interactions.csv"));
  ASSERT_EQ(lines.size(), 951u);
  std::set<std::pair<std::string, std::string>> pairs;
  for (size_t r = 1; r < lines.size(); ++r) {
    pairs.insert({lines[r][0], lines[r][1]});
  }
  EXPECT_EQ(pairs.size(), 950u);
  EXPECT_GT(log.summary.fallback_users, 0);
  o.interactions = 1000;  // every pair
  EXPECT_EQ(ParseCsv(Generate(o).files.at("interactions.csv")).size(), 1001u);
}

TEST(SynthTest, FieldsAreInTheirDomains) {
  const SynthOptions o = SmallOptions();
  const Log log = Generate(o);
  const std::set<std::string> ages = {"18-24", "25-34", "35-44",
                                      "45-54", "55-64", "65+"};
  const std::set<std::string> genders = {"F", "M", "X"};
  const Rows users = ParseCsv(log.files.at("users.csv"));
  std::set<std::string> countries;
  for (size_t r = 1; r < users.size(); ++r) {
    ASSERT_EQ(users[r].size(), 5u);
    EXPECT_EQ(users[r][0], absl::StrFormat("u%06d", r - 1));
    EXPECT_TRUE(ages.count(users[r][1])) << users[r][1];
    EXPECT_TRUE(genders.count(users[r][2])) << users[r][2];
    EXPECT_EQ(users[r][3].size(), 2u);
    countries.insert(users[r][3]);
    EXPECT_EQ(users[r][4].size(), 10u);
    DayOf(users[r][4]);
  }
  EXPECT_GT(countries.size(), 5u);
  const Rows items = ParseCsv(log.files.at("items.csv"));
  std::set<std::string> categories;
  for (size_t r = 1; r < items.size(); ++r) {
    ASSERT_EQ(items[r].size(), 4u);
    categories.insert(items[r][1]);
    EXPECT_TRUE(absl::StrContains(items[r][2], '.'));
    EXPECT_EQ(items[r][2].size() - items[r][2].find('.'), 3u) << items[r][2];
    EXPECT_FALSE(items[r][3].empty());
  }
  EXPECT_GT(categories.size(), 5u);
  const Rows lines = ParseCsv(log.files.at("interactions.csv"));
  for (size_t r = 1; r < lines.size(); ++r) {
    EXPECT_EQ(lines[r][0].size(), 7u);
    EXPECT_EQ(lines[r][1][0], 'i');
    EXPECT_GE(Int(lines[r][2]), 1);
    const std::string& price = lines[r][4];
    ASSERT_EQ(price.size() - price.find('.'), 3u) << price;
  }
}

TEST(SynthTest, TimestampsAreInThePeriodAfterSignupAndSortedPerUser) {
  const SynthOptions o = SmallOptions();
  const Log log = Generate(o);
  std::map<std::string, int64_t> signup;
  const Rows users = ParseCsv(log.files.at("users.csv"));
  for (size_t r = 1; r < users.size(); ++r) {
    signup[users[r][0]] = DayOf(users[r][4]) * 86400;
  }
  const int64_t start = DayOf(o.start_date) * 86400;
  const int64_t end = start + int64_t{86400} * o.days;
  const Rows lines = ParseCsv(log.files.at("interactions.csv"));
  std::string last_user;
  int64_t last_time = 0;
  std::vector<int> weekday(7, 0);
  for (size_t r = 1; r < lines.size(); ++r) {
    const int64_t t = Int(lines[r][3]);
    EXPECT_GE(t, start);
    EXPECT_LT(t, end);
    EXPECT_GE(t, signup.at(lines[r][0]));
    if (lines[r][0] == last_user) {
      EXPECT_GE(t, last_time);
    }
    EXPECT_GE(lines[r][0], last_user);  // users in id order
    last_user = lines[r][0];
    last_time = t;
  }
}

TEST(SynthTest, PopularityIsPowerLaw) {
  const SynthOptions o = SmallOptions();
  const Log log = Generate(o);
  std::map<std::string, int64_t> per_item;
  const Rows lines = ParseCsv(log.files.at("interactions.csv"));
  for (size_t r = 1; r < lines.size(); ++r) ++per_item[lines[r][1]];
  std::vector<int64_t> counts;
  for (const auto& [item, n] : per_item) counts.push_back(n);
  std::sort(counts.rbegin(), counts.rend());
  int64_t top = 0;
  for (int i = 0; i < o.items / 100; ++i) top += counts[i];
  const double share = static_cast<double>(top) / o.interactions;
  EXPECT_GT(share, 0.15);  // a uniform catalogue would give 0.01
  EXPECT_NEAR(share, log.summary.top1pct_item_share, 1e-12);
  EXPECT_GT(counts[0], 20 * counts[counts.size() / 2]);
}

TEST(SynthTest, UsersConcentrateOnTheirSegmentsCategories) {
  SynthOptions o = SmallOptions();
  const Log log = Generate(o);
  std::map<std::string, std::string> category;
  const Rows items = ParseCsv(log.files.at("items.csv"));
  for (size_t r = 1; r < items.size(); ++r) category[items[r][0]] = items[r][1];
  std::map<std::string, std::map<std::string, int>> per_user;
  std::map<std::string, int> global;
  const Rows lines = ParseCsv(log.files.at("interactions.csv"));
  for (size_t r = 1; r < lines.size(); ++r) {
    ++per_user[lines[r][0]][category[lines[r][1]]];
    ++global[category[lines[r][1]]];
  }
  auto top3_share = [](const std::map<std::string, int>& counts) {
    std::vector<int> v;
    int total = 0;
    for (const auto& [c, n] : counts) {
      v.push_back(n);
      total += n;
    }
    std::sort(v.rbegin(), v.rend());
    int top = 0;
    for (size_t i = 0; i < v.size() && i < 3; ++i) top += v[i];
    return static_cast<double>(top) / total;
  };
  double user_share = 0;
  int heavy_users = 0;
  for (const auto& [user, counts] : per_user) {
    int total = 0;
    for (const auto& [c, n] : counts) total += n;
    if (total < 40) continue;
    user_share += top3_share(counts);
    ++heavy_users;
  }
  ASSERT_GT(heavy_users, 50);
  EXPECT_GT(user_share / heavy_users, top3_share(global) + 0.15)
      << "global top-3 share " << top3_share(global);
}

TEST(SynthTest, RatingsFollowMinRating) {
  SynthOptions o = *SynthPreset("ml20m");
  o.users = 800;
  o.items = 400;
  o.interactions = 20000;
  Log log = Generate(o);
  std::set<std::string> values;
  for (const auto& row : ParseCsv(log.files.at("interactions.csv"))) {
    values.insert(row[2]);
  }
  EXPECT_EQ(values, (std::set<std::string>{"value", "4", "5"}));
  EXPECT_EQ(log.summary.forced_ratings, 0);
  o.min_rating = 1;
  log = Generate(o);
  values.clear();
  for (const auto& row : ParseCsv(log.files.at("interactions.csv"))) {
    values.insert(row[2]);
  }
  EXPECT_EQ(values, (std::set<std::string>{"value", "1", "2", "3", "4", "5"}));
}

std::string Gunzip(const std::string& gz) {
  std::string out;
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  char buf[1 << 16];
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      EXPECT_EQ(inflateReset(&z), Z_OK);  // the next gzip member
    } else if (rc != Z_OK) {
      ADD_FAILURE() << "inflate " << rc;
      break;
    }
  }
  inflateEnd(&z);
  return out;
}

TEST(SynthTest, GzipHoldsTheSameLines) {
  SynthOptions o = SmallOptions();
  const Log plain = Generate(o);
  o.gzip = true;
  const Log gz = Generate(o);
  ASSERT_EQ(gz.files.count("interactions.csv"), 0u);
  EXPECT_EQ(Gunzip(gz.files.at("interactions.csv.gz")),
            plain.files.at("interactions.csv"));
  EXPECT_EQ(gz.files.at("users.csv"), plain.files.at("users.csv"));
}

TEST(SynthTest, InvalidOptionsWriteNothing) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  SynthOptions o = SmallOptions();
  o.users = 0;
  const absl::StatusOr<SynthSummary> s = GenerateSynthLog(fs.get(), o, "/out");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("--users"), absl::string_view::npos);
  EXPECT_FALSE(fs->Exists("/out"));
}

TEST(SynthTest, ZeroInteractionsStillListsUsersAndItems) {
  SynthOptions o = SmallOptions();
  o.interactions = 0;
  const Log log = Generate(o);
  EXPECT_EQ(ParseCsv(log.files.at("interactions.csv")).size(), 1u);
  EXPECT_EQ(ParseCsv(log.files.at("users.csv")).size(), o.users + 1);
  EXPECT_EQ(log.summary.users_without_interactions, o.users);
}

}  // namespace
}  // namespace tailor
