#include "trainer/distributed/partition_data.h"

#include <algorithm>
#include <numeric>
#include <queue>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/dataset/dataset.h"
#include "core/status_macros.h"
#include "trainer/eval/split.h"
#include "trainer/eval/stratified_split.h"
#include "trainer/local/interactions.h"
#include "trainer/sgd/sgd_random.h"

namespace tailor::distributed {
namespace {

DuplicatePolicy PolicyOf(const Dataset& d) {
  return d.manifest().value_name == "rating" ? DuplicatePolicy::kLast
                                             : DuplicatePolicy::kSum;
}

absl::Status CheckShape(const Dataset& d, const CsrMatrix& m, bool user_major,
                        const std::string& dir) {
  const int64_t cols = user_major ? d.items().size() : d.users().size();
  if (m.cols != cols) {
    return absl::DataLossError(absl::StrCat(
        dir, ": a partition has ", m.cols, " columns but the tables list ",
        d.users().size(), " users and ", d.items().size(), " items"));
  }
  return absl::OkStatus();
}

// The user-major partitions in row order, merged (MergeRepeatedEvents) and
// split with the one random stream StratifiedSplit uses over the whole
// matrix, so each partition's train / test rows equal the corresponding rows
// of LoadTrainingData's matrices.
class TrainStream {
 public:
  TrainStream(const Dataset* d, const DistributedJob& job)
      : d_(d), job_(job), rng_(job.split_seed) {}

  size_t size() const { return d_->manifest().user_major.size(); }

  // Partition `next` (in order); test is empty (0 entries) without a split.
  absl::Status Next(uint64_t* first_row, CsrMatrix* train, CsrMatrix* test) {
    TAILOR_ASSIGN_OR_RETURN(
        SparseBlock block,
        d_->LoadPartition(BlockOrientation::kUserMajor, next_++));
    *first_row = block.first_row;
    Interactions merged = MergeRepeatedEvents(block, PolicyOf(*d_));
    block = SparseBlock();
    merged.timestamps = {};  // not trained on
    TAILOR_RETURN_IF_ERROR(
        CheckShape(*d_, merged.matrix, true, job_.spec.dataset_dir()));
    CsrMatrix& m = merged.matrix;
    if (!job_.evaluate) {
      test->rows = m.rows;
      test->cols = m.cols;
      test->indptr.assign(m.rows + 1, 0);
      test->indices.clear();
      test->data.clear();
      *train = std::move(m);
      return absl::OkStatus();
    }
    std::vector<uint8_t> to_test(m.nnz(), 0);
    std::vector<int64_t> order;
    for (int64_t u = 0; u < m.rows; ++u) {
      const int64_t n = m.RowSize(u);
      if (n == 0) continue;
      order.resize(n);
      std::iota(order.begin(), order.end(), m.indptr[u]);
      ShuffleWith(rng_, order);
      const int64_t train_count =
          StratifiedTrainCount(1 - job_.test_fraction, n);
      for (int64_t i = train_count; i < n; ++i) to_test[order[i]] = 1;
    }
    Split s = SplitByMask(m, {}, to_test);
    *train = std::move(s.train);
    *test = std::move(s.test);
    return absl::OkStatus();
  }

 private:
  const Dataset* d_;
  const DistributedJob& job_;
  SplitRng rng_;
  size_t next_ = 0;
};

// BalancedGrid's cut rule (trainer/sgd/block_grid.cc) on counts.
std::vector<uint32_t> EqualCuts(const std::vector<int64_t>& counts, int parts) {
  const int64_t n = static_cast<int64_t>(counts.size());
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  std::vector<uint32_t> cuts(parts + 1, 0);
  cuts[parts] = static_cast<uint32_t>(n);
  int64_t acc = 0, pos = 0;
  for (int p = 1; p < parts; ++p) {
    const double target = static_cast<double>(total) * p / parts;
    const int64_t max_pos = n - (parts - p);
    const int64_t min_pos = cuts[p - 1] + 1;
    while (pos < max_pos &&
           (pos < min_pos || acc + counts[pos] / 2.0 < target)) {
      acc += counts[pos];
      ++pos;
    }
    cuts[p] = static_cast<uint32_t>(pos);
  }
  return cuts;
}

void AppendRow(const CsrMatrix& m, int64_t r, CsrMatrix& out) {
  for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
    out.indices.push_back(m.indices[e]);
    out.data.push_back(m.data[e]);
  }
  out.indptr.push_back(static_cast<int64_t>(out.indices.size()));
  ++out.rows;
}

// Renumbers the columns of p.rows to indices into p.fixed.
void Compact(SidePartition& p, int64_t other_side) {
  std::vector<int32_t> remap(other_side, -1);
  for (uint32_t c : p.rows.indices) remap[c] = 0;
  p.fixed.clear();
  for (int64_t c = 0; c < other_side; ++c) {
    if (remap[c] == 0) {
      remap[c] = static_cast<int32_t>(p.fixed.size());
      p.fixed.push_back(static_cast<uint32_t>(c));
    }
  }
  for (uint32_t& c : p.rows.indices) c = static_cast<uint32_t>(remap[c]);
  p.rows.cols = static_cast<int64_t>(p.fixed.size());
  p.compact = true;
  p.rows.indices.shrink_to_fit();
  p.rows.data.shrink_to_fit();
}

absl::Status CheckCuts(const std::vector<uint32_t>& cuts, int64_t n,
                       const char* what) {
  bool ok = cuts.size() >= 2 && cuts.front() == 0 && cuts.back() == n;
  for (size_t i = 1; ok && i < cuts.size(); ++i) ok = cuts[i - 1] < cuts[i];
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "task ", what, " do not cut [0, ", n, ") into non-empty ranges"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<JobLayout> ComputeJobLayout(FileSystem* fs,
                                           const DistributedJob& job,
                                           int64_t eval_max_users) {
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> d,
                          Dataset::Open(fs, job.spec.dataset_dir()));
  JobLayout out;
  out.user_keys = d->users().keys;
  out.item_keys = d->items().keys;
  const int64_t users = out.user_keys.size(), items = out.item_keys.size();
  std::vector<int64_t> row_counts(users, 0), col_counts(items, 0);
  double sum = 0;
  // Held-out sample: a max-heap on the selection hash keeps the smallest.
  using Entry = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Entry> heap;
  std::map<uint32_t, std::pair<CsrMatrix, CsrMatrix>> rows;  // 1-row each
  TrainStream stream(d.get(), job);
  CsrMatrix train, test;
  for (size_t i = 0; i < stream.size(); ++i) {
    uint64_t first = 0;
    TAILOR_RETURN_IF_ERROR(stream.Next(&first, &train, &test));
    if (first + train.rows > static_cast<uint64_t>(users)) {
      return absl::DataLossError(absl::StrCat(job.spec.dataset_dir(),
                                              ": partition ", i,
                                              " has rows past the user table"));
    }
    for (int64_t r = 0; r < train.rows; ++r) {
      row_counts[first + r] = train.RowSize(r);
      for (int64_t e = train.indptr[r]; e < train.indptr[r + 1]; ++e) {
        ++col_counts[train.indices[e]];
        sum += train.data[e];
      }
      if (!job.evaluate || test.RowSize(r) == 0) continue;
      const uint32_t u = static_cast<uint32_t>(first + r);
      const uint64_t h = DeriveSeed(job.split_seed, 0xe5a1, u);
      if (eval_max_users > 0 &&
          static_cast<int64_t>(heap.size()) >= eval_max_users) {
        if (!(Entry{h, u} < heap.top())) continue;
        rows.erase(heap.top().second);
        heap.pop();
      }
      heap.push({h, u});
      auto& [tr, te] = rows[u];
      tr.cols = te.cols = items;
      tr.indptr = te.indptr = {0};
      AppendRow(train, r, tr);
      AppendRow(test, r, te);
    }
    out.train_entries += train.nnz();
  }
  if (users == 0 || items == 0 || out.train_entries == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset ", job.spec.dataset_dir(), " has no interactions"));
  }
  GridPartition& g = out.grid;
  g.grid = static_cast<int>(std::clamp<int64_t>(
      job.num_partitions, 1, std::max<int64_t>(1, std::min(users, items))));
  if (g.grid != job.num_partitions) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job spec field 'partitions': ", job.num_partitions,
        " partitions per side need at least that many users and items; the "
        "dataset has ",
        users, " users and ", items, " items"));
  }
  g.row_cuts = EqualCuts(row_counts, g.grid);
  g.col_cuts = EqualCuts(col_counts, g.grid);
  out.global_mean = sum / out.train_entries;
  EvalSample& s = out.eval;
  s.train.cols = s.test.cols = items;
  s.train.indptr = s.test.indptr = {0};
  for (auto& [u, pair] : rows) {
    s.users.push_back(u);
    AppendRow(pair.first, 0, s.train);
    AppendRow(pair.second, 0, s.test);
  }
  return out;
}

absl::StatusOr<std::unique_ptr<WorkerData>> WorkerData::Open(
    FileSystem* fs, const DistributedJob& job, bool compact) {
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> d,
                          Dataset::Open(fs, job.spec.dataset_dir()));
  std::unique_ptr<WorkerData> w(new WorkerData(fs, job, compact));
  w->user_keys_ = d->users().keys;
  w->item_keys_ = d->items().keys;
  return w;
}

const SidePartition* WorkerData::Get(bool user_side, uint32_t p) const {
  const auto& m = user_side ? users_ : items_;
  auto it = m.find(p);
  return it == m.end() ? nullptr : &it->second;
}

absl::StatusOr<const SgdBlock*> WorkerData::BlockOf(uint32_t p, uint32_t c) {
  auto it = users_.find(p);
  if (it == users_.end() || it->second.compact) {
    return absl::FailedPreconditionError(absl::StrCat(
        "user partition ", p, " is not loaded with global columns"));
  }
  if (c + 1 >= col_cuts_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("column block ", c, " out of range (",
                     col_cuts_.size() - 1, " blocks)"));
  }
  SidePartition& s = it->second;
  if (s.blocks.empty()) {
    const uint32_t n = s.end - s.begin;
    s.blocks.reserve(col_cuts_.size() - 1);
    for (size_t b = 0; b + 1 < col_cuts_.size(); ++b) {
      SgdBlock block =
          ExtractBlock(s.rows, 0, n, col_cuts_[b], col_cuts_[b + 1]);
      block.row_begin = s.begin;
      block.row_end = s.end;
      for (uint32_t& u : block.users) u += s.begin;
      block.users.shrink_to_fit();
      block.user_offsets.shrink_to_fit();
      block.items.shrink_to_fit();
      block.values.shrink_to_fit();
      s.blocks.push_back(std::move(block));
    }
    s.rows = CsrMatrix();
  }
  return &s.blocks[c];
}

int64_t WorkerData::bytes() const {
  int64_t b = 0;
  for (const auto* m : {&users_, &items_}) {
    for (const auto& [p, s] : *m) {
      b += 8 * int64_t(s.rows.indptr.size()) +
           4 * int64_t(s.rows.indices.size() + s.rows.data.size() +
                       s.fixed.size());
      for (const SgdBlock& k : s.blocks) {
        b += 4 * int64_t(k.users.size() + k.user_offsets.size() +
                         k.items.size() + k.values.size());
      }
    }
  }
  return b;
}

absl::Status WorkerData::Ensure(bool user_side,
                                const std::vector<uint32_t>& partitions,
                                const std::vector<uint32_t>& row_cuts,
                                const std::vector<uint32_t>& col_cuts) {
  const int64_t users = user_keys_.size(), items = item_keys_.size();
  TAILOR_RETURN_IF_ERROR(CheckCuts(row_cuts, users, "row_cuts"));
  TAILOR_RETURN_IF_ERROR(CheckCuts(col_cuts, items, "col_cuts"));
  if (row_cuts != row_cuts_ || col_cuts != col_cuts_) {
    users_.clear();
    items_.clear();
    row_cuts_ = row_cuts;
    col_cuts_ = col_cuts;
  }
  const std::vector<uint32_t>& cuts = user_side ? row_cuts_ : col_cuts_;
  auto& cache = user_side ? users_ : items_;
  // Wanted partitions by first row; owner[r - ...] found by binary search.
  std::map<uint32_t, SidePartition> wanted;
  for (uint32_t p : partitions) {
    if (p + 1 >= cuts.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "partition ", p, " out of range (", cuts.size() - 1, " partitions)"));
    }
    if (cache.count(p) != 0 || wanted.count(p) != 0) continue;
    SidePartition& s = wanted[p];
    s.begin = cuts[p];
    s.end = cuts[p + 1];
    s.rows.cols = user_side ? items : users;
    s.rows.indptr = {0};
  }
  if (wanted.empty()) return absl::OkStatus();
  // The wanted partition holding dense row r, or nullptr.
  auto owner = [&](uint64_t r) -> SidePartition* {
    const auto it = std::upper_bound(cuts.begin(), cuts.end(), r);
    if (it == cuts.begin() || it == cuts.end()) return nullptr;
    auto w = wanted.find(static_cast<uint32_t>(it - cuts.begin() - 1));
    return w == wanted.end() ? nullptr : &w->second;
  };
  uint32_t lo = UINT32_MAX, hi = 0;
  for (const auto& [p, s] : wanted) {
    lo = std::min(lo, s.begin);
    hi = std::max(hi, s.end);
  }
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> d,
                          Dataset::Open(fs_, job_.spec.dataset_dir()));
  const std::string& dir = job_.spec.dataset_dir();
  if (!job_.evaluate) {
    // No split: read only the partition files that overlap the ranges.
    const auto& files =
        user_side ? d->manifest().user_major : d->manifest().item_major;
    for (size_t f = 0; f < files.size(); ++f) {
      const uint64_t f0 = files[f].first_row, f1 = f0 + files[f].rows;
      bool needed = false;
      for (const auto& [p, s] : wanted) needed |= f0 < s.end && s.begin < f1;
      if (!needed) continue;
      TAILOR_ASSIGN_OR_RETURN(
          SparseBlock block,
          d->LoadPartition(user_side ? BlockOrientation::kUserMajor
                                     : BlockOrientation::kItemMajor,
                           f));
      const uint64_t first_row = block.first_row;
      Interactions merged = MergeRepeatedEvents(block, PolicyOf(*d));
      block = SparseBlock();  // free the file's arrays before copying rows
      merged.timestamps = {};
      TAILOR_RETURN_IF_ERROR(CheckShape(*d, merged.matrix, user_side, dir));
      for (int64_t r = 0; r < merged.matrix.rows; ++r) {
        SidePartition* s = owner(first_row + r);
        if (s != nullptr) AppendRow(merged.matrix, r, s->rows);
      }
    }
  } else if (user_side) {
    // The split's random stream runs over every earlier user: stream the
    // user-major files up to the last wanted row.
    TrainStream stream(d.get(), job_);
    CsrMatrix train, test;
    for (size_t f = 0; f < stream.size(); ++f) {
      if (d->manifest().user_major[f].first_row >= hi) break;
      uint64_t first = 0;
      TAILOR_RETURN_IF_ERROR(stream.Next(&first, &train, &test));
      for (int64_t r = 0; r < train.rows; ++r) {
        SidePartition* s = owner(first + r);
        if (s != nullptr) AppendRow(train, r, s->rows);
      }
    }
  } else {
    // Which of an item's entries are held out depends on its users' rows:
    // stream every user-major file and keep the wanted items' train entries,
    // then turn them item-major (users arrive in ascending order).
    std::map<uint32_t, std::vector<std::pair<uint32_t, uint32_t>>> triplets;
    std::map<uint32_t, std::vector<float>> values;
    TrainStream stream(d.get(), job_);
    CsrMatrix train, test;
    for (size_t f = 0; f < stream.size(); ++f) {
      uint64_t first = 0;
      TAILOR_RETURN_IF_ERROR(stream.Next(&first, &train, &test));
      for (int64_t r = 0; r < train.rows; ++r) {
        for (int64_t e = train.indptr[r]; e < train.indptr[r + 1]; ++e) {
          const uint32_t i = train.indices[e];
          if (i < lo || i >= hi) continue;
          SidePartition* s = owner(i);
          if (s == nullptr) continue;
          const uint32_t p = static_cast<uint32_t>(
              std::upper_bound(cuts.begin(), cuts.end(), i) - cuts.begin() - 1);
          triplets[p].push_back(
              {i - s->begin, static_cast<uint32_t>(first + r)});
          values[p].push_back(train.data[e]);
        }
      }
    }
    for (auto& [p, s] : wanted) {
      const auto& t = triplets[p];
      const auto& v = values[p];
      const int64_t n = s.end - s.begin;
      s.rows.rows = n;
      s.rows.indptr.assign(n + 1, 0);
      for (const auto& x : t) ++s.rows.indptr[x.first + 1];
      for (int64_t r = 0; r < n; ++r) s.rows.indptr[r + 1] += s.rows.indptr[r];
      s.rows.indices.resize(t.size());
      s.rows.data.resize(t.size());
      std::vector<int64_t> next(s.rows.indptr.begin(), s.rows.indptr.end() - 1);
      for (size_t j = 0; j < t.size(); ++j) {
        const int64_t at = next[t[j].first]++;
        s.rows.indices[at] = static_cast<uint32_t>(t[j].second);
        s.rows.data[at] = v[j];
      }
      triplets.erase(p);
      values.erase(p);
    }
  }
  for (auto& [p, s] : wanted) {
    if (s.rows.rows != static_cast<int64_t>(s.end - s.begin)) {
      return absl::DataLossError(absl::StrCat(
          dir, ": the partition files do not cover ",
          user_side ? "users " : "items ", s.begin, "..", s.end - 1));
    }
    if (compact_) Compact(s, user_side ? items : users);
    cache.emplace(p, std::move(s));
  }
  return absl::OkStatus();
}

}  // namespace tailor::distributed
