#ifndef TAILOR_TRAINER_MARKETING_SEGMENTS_H_
#define TAILOR_TRAINER_MARKETING_SEGMENTS_H_

// Segment descriptions (size, member means, top categories and items) and
// per-segment item affinity: the smoothed lift
//   lift(s, i) = ((c_si + a * p_i) / (N_s + a)) / p_i
// where c_si counts segment s's events on item i, N_s all of s's events,
// p_i = c_i / N item i's share of all events and a the prior strength in
// events (docs/marketing.md). Items a segment never touched have the lift
// a / (N_s + a) (stored once per segment). Stateless; thread-safe.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/artifacts/segment_io.h"
#include "core/csr_matrix.h"
#include "trainer/marketing/profile.h"

namespace tailor {

struct SegmentDescription {
  int id = 0;
  std::string name;
  int64_t size = 0;
  double share = 0;  // of all users
  // Member means of the profile metrics (NaN when absent).
  double mean_recency_days = 0, mean_frequency = 0, mean_monetary = 0,
         mean_events = 0;
  std::vector<std::pair<std::string, double>> centroid;        // original units
  std::vector<std::pair<std::string, double>> top_categories;  // mean share
  std::vector<std::pair<uint32_t, int64_t>> top_items;         // item, events
  std::vector<int64_t> lifecycle_counts;  // by LifecycleStage
};

// `labels[u]` in 0..names.size()-1, or -1 (no segment). Centroids are left
// empty (callers that have them fill them in).
std::vector<SegmentDescription> DescribeSegments(
    const std::vector<int32_t>& labels, const std::vector<std::string>& names,
    const UserProfiles& profiles, const CsrMatrix& user_major, int top_n);

// ItemAffinity is defined in core/artifacts/segment_io.h.

ItemAffinity ComputeItemAffinity(const std::vector<int32_t>& labels,
                                 int segments, const CsrMatrix& user_major,
                                 double prior_events);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_SEGMENTS_H_
