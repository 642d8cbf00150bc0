#include "core/dataset/dataset_writer.h"

#include <algorithm>
#include <random>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

struct Event {
  std::string user, item;
  float value;
  int64_t ts;
  float amount;
};

// Keys are derived from ids in a way that scrambles first-seen order.
uint64_t KeyOf(const std::string& id) {
  uint64_t h = 1469598103934665603ull;
  for (char c : id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

std::vector<Event> RandomEvents(int n, int users, int items, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Event> ev;
  for (int i = 0; i < n; ++i) {
    ev.push_back({absl::StrCat("u", rng() % users),
                  absl::StrCat("i", rng() % items),
                  static_cast<float>(rng() % 5 + 1),
                  static_cast<int64_t>(rng() % 50), static_cast<float>(i)});
  }
  return ev;
}

absl::StatusOr<DatasetManifest> Write(FileSystem* fs, const std::string& dir,
                                      const std::vector<Event>& events,
                                      int64_t target, bool overwrite = false) {
  DatasetWriterOptions o;
  o.fs = fs;
  o.output_dir = dir;
  o.target_partition_entries = target;
  o.overwrite = overwrite;
  // Two records per chunk and room for three chunks: every spool spills.
  o.spool_memory_bytes = 3 * 2 * sizeof(SpoolRecord);
  o.spool_chunk_records = 2;
  TAILOR_ASSIGN_OR_RETURN(auto w, DatasetWriter::Create(o));
  w->users().SetAttributeNames({"country"});
  for (const Event& e : events) {
    bool inserted = false;
    TAILOR_ASSIGN_OR_RETURN(
        uint32_t u, w->users().Intern(KeyOf(e.user), e.user, &inserted));
    if (inserted) w->users().SetAttributes(u, {"c-" + e.user});
    TAILOR_ASSIGN_OR_RETURN(uint32_t i,
                            w->items().Intern(KeyOf(e.item), e.item));
    TAILOR_RETURN_IF_ERROR(w->Add(u, i, e.value, e.ts, e.amount));
  }
  DatasetManifest m;
  m.lines_read = static_cast<int64_t>(events.size());
  m.accepted = m.lines_read;
  m.has_timestamps = true;
  m.has_amounts = true;
  return w->Finish(m);
}

// (row key, col key, ts, value, amount) for every entry, in block order.
using Triple = std::tuple<uint64_t, uint64_t, int64_t, float, float>;

std::vector<Triple> Entries(const SparseBlock& b, const EntityColumns& rows,
                            const EntityColumns& cols) {
  std::vector<Triple> out;
  for (int64_t r = 0; r < b.matrix.rows; ++r) {
    for (int64_t k = b.matrix.indptr[r]; k < b.matrix.indptr[r + 1]; ++k) {
      out.emplace_back(rows.keys[r], cols.keys[b.matrix.indices[k]],
                       b.timestamps[k], b.matrix.data[k], b.amounts[k]);
    }
  }
  return out;
}

TEST(DatasetWriterTest, RoundTripKeepsEveryEventSortedByKeyColumnTimeValue) {
  auto fs = NewInMemoryFileSystem();
  const std::vector<Event> events = RandomEvents(500, 40, 25, 7);
  TAILOR_ASSERT_OK_AND_ASSIGN(DatasetManifest m,
                              Write(fs.get(), "/out/ds", events, 60));
  EXPECT_EQ(m.interactions, 500);
  EXPECT_GT(m.user_major.size(), 3u);
  EXPECT_GT(m.item_major.size(), 3u);
  EXPECT_FALSE(fs->Exists("/out/ds.tmp-ingest"));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs.get(), "/out/ds"));
  EXPECT_TRUE(std::is_sorted(ds->users().keys.begin(), ds->users().keys.end()));
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock um, ds->LoadUserMajor());
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock im, ds->LoadItemMajor());

  // Oracle: every event as (user key, item key, ts, value, amount), sorted
  // by row, then column, time, value and amount.
  std::vector<Triple> expect_u, expect_i;
  for (const Event& e : events) {
    expect_u.emplace_back(KeyOf(e.user), KeyOf(e.item), e.ts, e.value,
                          e.amount);
    expect_i.emplace_back(KeyOf(e.item), KeyOf(e.user), e.ts, e.value,
                          e.amount);
  }
  std::sort(expect_u.begin(), expect_u.end());
  std::sort(expect_i.begin(), expect_i.end());
  EXPECT_EQ(Entries(um, ds->users(), ds->items()), expect_u);
  EXPECT_EQ(Entries(im, ds->items(), ds->users()), expect_i);
  // Attributes follow their user.
  for (int64_t d = 0; d < ds->users().size(); ++d) {
    EXPECT_EQ(ds->users().attributes[d][0], "c-" + ds->users().external_ids[d]);
  }
}

TEST(DatasetWriterTest, PartitioningDoesNotChangeTheMatrix) {
  auto fs = NewInMemoryFileSystem();
  const std::vector<Event> events = RandomEvents(300, 30, 20, 11);
  ASSERT_THAT(Write(fs.get(), "/a", events, 1 << 20), IsOk());
  TAILOR_ASSERT_OK_AND_ASSIGN(DatasetManifest m,
                              Write(fs.get(), "/b", events, 7));
  EXPECT_GT(m.user_major.size(), 10u);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto a, Dataset::Open(fs.get(), "/a"));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto b, Dataset::Open(fs.get(), "/b"));
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock ua, a->LoadUserMajor());
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock ub, b->LoadUserMajor());
  EXPECT_EQ(ua.matrix.indptr, ub.matrix.indptr);
  EXPECT_EQ(ua.matrix.indices, ub.matrix.indices);
  EXPECT_EQ(ua.matrix.data, ub.matrix.data);
  EXPECT_EQ(ua.timestamps, ub.timestamps);
  // Partition boundaries balance entries: none holds far more than target.
  for (const DatasetPartition& p : m.user_major) EXPECT_LE(p.entries, 7u + 20u);
}

TEST(DatasetWriterTest, EmptyDatasetHasOneEmptyPartition) {
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK_AND_ASSIGN(DatasetManifest m, Write(fs.get(), "/e", {}, 10));
  EXPECT_EQ(m.users, 0);
  ASSERT_EQ(m.user_major.size(), 1u);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs.get(), "/e"));
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock um, ds->LoadUserMajor());
  EXPECT_EQ(um.matrix.nnz(), 0);
}

TEST(DatasetWriterTest, RefusesNonEmptyOutputUnlessOverwrite) {
  auto fs = NewInMemoryFileSystem();
  const std::vector<Event> events = RandomEvents(20, 5, 5, 3);
  ASSERT_THAT(Write(fs.get(), "/d", events, 100), IsOk());
  EXPECT_THAT(Write(fs.get(), "/d", events, 100),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("already exists")));
  ASSERT_THAT(Write(fs.get(), "/d", RandomEvents(10, 5, 5, 4), 100, true),
              IsOk());
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs.get(), "/d"));
  EXPECT_EQ(ds->manifest().interactions, 10);
  EXPECT_FALSE(fs->Exists("/d.old-ingest"));
}

TEST(DatasetWriterTest, AbandonedWriterLeavesNothing) {
  auto fs = NewInMemoryFileSystem();
  {
    DatasetWriterOptions o;
    o.fs = fs.get();
    o.output_dir = "/x";
    TAILOR_ASSERT_OK_AND_ASSIGN(auto w, DatasetWriter::Create(o));
    TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t u, w->users().Intern(1, "u"));
    TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t i, w->items().Intern(2, "i"));
    ASSERT_THAT(w->Add(u, i, 1, 0, 0), IsOk());
  }
  EXPECT_FALSE(fs->Exists("/x"));
  EXPECT_FALSE(fs->Exists("/x.tmp-ingest"));
}

TEST(DatasetWriterTest, AddRejectsUninternedOrdinals) {
  auto fs = NewInMemoryFileSystem();
  DatasetWriterOptions o;
  o.fs = fs.get();
  o.output_dir = "/x";
  TAILOR_ASSERT_OK_AND_ASSIGN(auto w, DatasetWriter::Create(o));
  EXPECT_THAT(w->Add(0, 0, 1, 0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tailor
