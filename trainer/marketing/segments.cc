#include "trainer/marketing/segments.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tailor {
namespace {

// Events per (segment, item), dense segments x items.
std::vector<int64_t> SegmentItemCounts(const std::vector<int32_t>& labels,
                                       int segments, const CsrMatrix& m) {
  std::vector<int64_t> counts(static_cast<size_t>(segments) * m.cols, 0);
  for (int64_t u = 0; u < m.rows; ++u) {
    const int32_t s = labels[u];
    if (s < 0) continue;
    for (int64_t k = m.indptr[u]; k < m.indptr[u + 1]; ++k) {
      ++counts[s * m.cols + m.indices[k]];
    }
  }
  return counts;
}

}  // namespace

std::vector<SegmentDescription> DescribeSegments(
    const std::vector<int32_t>& labels, const std::vector<std::string>& names,
    const UserProfiles& p, const CsrMatrix& user_major, int top_n) {
  const int k = static_cast<int>(names.size());
  std::vector<SegmentDescription> out(k);
  std::vector<std::vector<double>> cat_share(
      k, std::vector<double>(p.category_names.size(), 0.0));
  std::vector<double> monetary_count(k, 0);
  for (int s = 0; s < k; ++s) {
    out[s].id = s;
    out[s].name = names[s];
    out[s].lifecycle_counts.assign(kLifecycleStageCount, 0);
  }
  for (int64_t u = 0; u < p.size(); ++u) {
    const int32_t s = labels[u];
    if (s < 0) continue;
    SegmentDescription& d = out[s];
    ++d.size;
    if (!std::isnan(p.recency_days[u]))
      d.mean_recency_days += p.recency_days[u];
    d.mean_frequency += p.frequency[u];
    d.mean_events += p.events[u];
    if (!std::isnan(p.monetary[u])) {
      d.mean_monetary += p.monetary[u];
      ++monetary_count[s];
    }
    ++d.lifecycle_counts[static_cast<int>(p.lifecycle[u])];
    for (int64_t j = p.interest_indptr[u]; j < p.interest_indptr[u + 1]; ++j) {
      cat_share[s][p.interest_category[j]] += p.interest_share[j];
    }
  }
  const std::vector<int64_t> counts = SegmentItemCounts(labels, k, user_major);
  for (int s = 0; s < k; ++s) {
    SegmentDescription& d = out[s];
    const double n = std::max<int64_t>(d.size, 1);
    d.share = p.size() > 0 ? static_cast<double>(d.size) / p.size() : 0.0;
    d.mean_recency_days = p.has_timestamps
                              ? d.mean_recency_days / n
                              : std::numeric_limits<double>::quiet_NaN();
    d.mean_frequency /= n;
    d.mean_events /= n;
    d.mean_monetary = monetary_count[s] > 0
                          ? d.mean_monetary / monetary_count[s]
                          : std::numeric_limits<double>::quiet_NaN();
    std::vector<std::pair<std::string, double>> cats;
    for (size_t c = 0; c < cat_share[s].size(); ++c) {
      if (cat_share[s][c] > 0) {
        cats.push_back({p.category_names[c], cat_share[s][c] / n});
      }
    }
    std::sort(cats.begin(), cats.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (static_cast<int>(cats.size()) > top_n) cats.resize(top_n);
    d.top_categories = std::move(cats);
    std::vector<std::pair<uint32_t, int64_t>> items;
    for (int64_t i = 0; i < user_major.cols; ++i) {
      const int64_t c = counts[s * user_major.cols + i];
      if (c > 0) items.push_back({static_cast<uint32_t>(i), c});
    }
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (static_cast<int>(items.size()) > top_n) items.resize(top_n);
    d.top_items = std::move(items);
  }
  return out;
}

ItemAffinity ComputeItemAffinity(const std::vector<int32_t>& labels,
                                 int segments, const CsrMatrix& user_major,
                                 double prior_events) {
  ItemAffinity a;
  a.segments = segments;
  a.items = user_major.cols;
  a.prior_events = prior_events;
  const std::vector<int64_t> counts =
      SegmentItemCounts(labels, segments, user_major);
  std::vector<int64_t> item_total(a.items, 0), segment_total(segments, 0);
  int64_t total = 0;
  for (int s = 0; s < segments; ++s) {
    for (int64_t i = 0; i < a.items; ++i) {
      const int64_t c = counts[s * a.items + i];
      item_total[i] += c;
      segment_total[s] += c;
      total += c;
    }
  }
  a.lift.rows = segments;
  a.lift.cols = a.items;
  a.lift.indptr.assign(1, 0);
  for (int s = 0; s < segments; ++s) {
    const double ns = static_cast<double>(segment_total[s]);
    a.default_lift.push_back(
        static_cast<float>(prior_events / (ns + prior_events)));
    for (int64_t i = 0; i < a.items; ++i) {
      const int64_t c = counts[s * a.items + i];
      if (c == 0) continue;
      const double pi = static_cast<double>(item_total[i]) / total;
      const double lift = ((c + prior_events * pi) / (ns + prior_events)) / pi;
      a.lift.indices.push_back(static_cast<uint32_t>(i));
      a.lift.data.push_back(static_cast<float>(lift));
    }
    a.lift.indptr.push_back(a.lift.nnz());
  }
  return a;
}

}  // namespace tailor
