#include "trainer/marketing/profile.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tailor {
namespace {

constexpr double kSecondsPerDay = 86400.0;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Per-user variable-length results, concatenated afterwards.
struct UserLists {
  std::vector<std::pair<uint32_t, float>> interests;
  std::vector<std::pair<uint32_t, uint32_t>> top;  // item, events
};

absl::Status CheckSource(const ProfileSource& s) {
  if (s.manifest == nullptr || s.users == nullptr || s.items == nullptr ||
      s.user_major == nullptr || s.categories == nullptr) {
    return absl::InvalidArgumentError("profile source is incomplete");
  }
  const CsrMatrix& m = s.user_major->matrix;
  if (m.rows != s.users->size() || m.cols != s.items->size() ||
      s.user_major->first_row != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "interaction block is ", m.rows, " x ", m.cols, " from row ",
        s.user_major->first_row, " but the dataset has ", s.users->size(),
        " users and ", s.items->size(), " items"));
  }
  if (s.manifest->has_timestamps &&
      s.user_major->timestamps.size() != static_cast<size_t>(m.nnz())) {
    return absl::InvalidArgumentError(
        "the manifest says the dataset has timestamps but the block has none");
  }
  if (s.manifest->has_amounts &&
      s.user_major->amounts.size() != static_cast<size_t>(m.nnz())) {
    return absl::InvalidArgumentError(
        "the manifest says the dataset has amounts but the block has none");
  }
  if (static_cast<int64_t>(s.categories->indptr.size()) != m.cols + 1) {
    return absl::InvalidArgumentError("item categories do not match items");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<UserProfiles> BuildProfiles(const ProfileSource& source,
                                           const ProfileOptions& options) {
  if (absl::Status s = CheckSource(source); !s.ok()) return s;
  if (options.top_items < 0) {
    return absl::InvalidArgumentError("top_items must be >= 0");
  }
  const SparseBlock& block = *source.user_major;
  const CsrMatrix& m = block.matrix;
  const ItemCategories& cats = *source.categories;
  const int64_t n = m.rows;
  UserProfiles p;
  p.has_timestamps = source.manifest->has_timestamps;
  p.has_monetary = source.manifest->has_amounts;
  p.end_time = p.has_timestamps ? source.manifest->max_timestamp : 0;
  p.demographic_names = source.users->attribute_names;
  p.category_names = cats.names;
  p.category_source = cats.source;
  p.keys = source.users->keys;
  p.external_ids = source.users->external_ids;
  p.demographics = source.users->attributes;
  p.events.assign(n, 0);
  p.frequency.assign(n, 0);
  p.distinct_items.assign(n, 0);
  p.first_time.assign(n, 0);
  p.last_time.assign(n, 0);
  p.recency_days.assign(n, kNan);
  p.tenure_days.assign(n, kNan);
  p.monetary.assign(n, kNan);
  p.hour_histogram.assign(n * 24, 0);
  p.dow_histogram.assign(n * 7, 0);
  std::vector<UserLists> lists(n);

#pragma omp parallel for schedule(dynamic, 256)
  for (int64_t u = 0; u < n; ++u) {
    const int64_t begin = m.indptr[u], end = m.indptr[u + 1];
    p.events[u] = end - begin;
    if (begin == end) continue;
    // Distinct items and their counts (columns are sorted within a row).
    std::vector<std::pair<uint32_t, uint32_t>> counts;
    std::vector<double> share(cats.names.size(), 0.0);
    for (int64_t k = begin; k < end; ++k) {
      const uint32_t item = m.indices[k];
      if (counts.empty() || counts.back().first != item) {
        counts.push_back({item, 0});
      }
      ++counts.back().second;
      const int64_t c = cats.CountOf(item);
      for (int64_t j = cats.indptr[item]; j < cats.indptr[item + 1]; ++j) {
        share[cats.category[j]] += 1.0 / static_cast<double>(c);
      }
    }
    p.distinct_items[u] = static_cast<int64_t>(counts.size());
    const double total = static_cast<double>(end - begin);
    for (size_t c = 0; c < share.size(); ++c) {
      if (share[c] > 0) {
        lists[u].interests.push_back(
            {static_cast<uint32_t>(c), static_cast<float>(share[c] / total)});
      }
    }
    std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    counts.resize(std::min<size_t>(counts.size(), options.top_items));
    lists[u].top = std::move(counts);
    if (p.has_monetary) {
      double sum = 0;
      for (int64_t k = begin; k < end; ++k) sum += block.amounts[k];
      p.monetary[u] = sum;
    }
    if (p.has_timestamps) {
      std::vector<int64_t> times(block.timestamps.begin() + begin,
                                 block.timestamps.begin() + end);
      std::sort(times.begin(), times.end());
      for (int64_t t : times) {
        const int64_t day = FloorDiv(t, 86400);
        ++p.hour_histogram[u * 24 + (t - day * 86400) / 3600];
        ++p.dow_histogram[u * 7 + ((day % 7) + 7 + 3) % 7];  // 1970-01-01: Thu
      }
      p.first_time[u] = times.front();
      p.last_time[u] = times.back();
      p.frequency[u] = std::unique(times.begin(), times.end()) - times.begin();
      p.recency_days[u] = (p.end_time - times.back()) / kSecondsPerDay;
      p.tenure_days[u] = (p.end_time - times.front()) / kSecondsPerDay;
    } else {
      p.frequency[u] = end - begin;
    }
  }

  for (int64_t u = 0; u < n; ++u) {
    for (const auto& [c, s] : lists[u].interests) {
      p.interest_category.push_back(c);
      p.interest_share.push_back(s);
    }
    p.interest_indptr.push_back(
        static_cast<int64_t>(p.interest_category.size()));
    for (const auto& [item, count] : lists[u].top) {
      p.top_item_key.push_back(source.items->keys[item]);
      p.top_item_events.push_back(count);
    }
    p.top_item_indptr.push_back(static_cast<int64_t>(p.top_item_key.size()));
  }

  // Quintile scores over users with events.
  std::vector<double> f(n, kNan), mon(n, kNan);
  for (int64_t u = 0; u < n; ++u) {
    if (p.events[u] == 0) continue;
    f[u] = static_cast<double>(p.frequency[u]);
    mon[u] = p.monetary[u];
  }
  p.r_score = QuintileScores(p.recency_days, /*higher_is_better=*/false);
  p.f_score = QuintileScores(f, true);
  p.m_score = QuintileScores(mon, true);
  p.loyal_threshold = LoyalFrequencyThreshold(
      p.frequency, options.lifecycle.loyal_frequency_quantile);
  p.rfm_segment.resize(n);
  p.lifecycle.resize(n);
  for (int64_t u = 0; u < n; ++u) {
    p.rfm_segment[u] = ClassifyRfm(p.r_score[u], p.f_score[u]);
    p.lifecycle[u] = ClassifyLifecycle(
        p.has_timestamps, p.events[u], p.recency_days[u], p.tenure_days[u],
        p.frequency[u], p.loyal_threshold, options.lifecycle);
  }
  return p;
}

}  // namespace tailor
