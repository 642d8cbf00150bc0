#include "ranker/model/validation_queries.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace tailor::ranker {

std::vector<LabeledQuery> MakeValidationQueries(
    const HybridModel& model, const std::vector<HeldOutUser>& users) {
  std::vector<LabeledQuery> out;
  const HybridModelData& m = model.data();
  const int64_t n = m.catalogue.size();
  for (const HeldOutUser& user : users) {
    UserInput in;
    const bool known =
        m.user_factors.FindRow(user.user_key) >= 0 ||
        std::binary_search(m.user_history_keys.begin(),
                           m.user_history_keys.end(), user.user_key);
    if (known) {
      in.user_key = user.user_key;
    } else {
      in.context.set_country(user.country);
      in.context.set_timestamp_unix_ms(user.first_event_unix_s * 1000);
    }
    auto state = model.Prepare(in);
    if (!state.ok()) continue;
    const absl::flat_hash_set<int64_t> seen(state->seen.begin(),
                                            state->seen.end());
    LabeledQuery q;
    q.known = known;
    if (n <= kExhaustiveItems) {
      for (int64_t i = 0; i < n; ++i) {
        if (!seen.contains(i)) q.rows.push_back(i);
      }
    } else {
      for (int64_t i : model.Candidates(*state, 500, nullptr)) {
        if (!seen.contains(i)) q.rows.push_back(i);
      }
    }
    const absl::flat_hash_set<int64_t> bought(user.items.begin(),
                                              user.items.end());
    q.query.relevant.resize(q.rows.size());
    bool any = false;
    for (size_t j = 0; j < q.rows.size(); ++j) {
      q.query.relevant[j] = bought.contains(q.rows[j]) ? 1 : 0;
      any = any || q.query.relevant[j];
    }
    if (!any) continue;
    model.ComputeFeatures(*state, q.rows, &q.query.features);
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace tailor::ranker
