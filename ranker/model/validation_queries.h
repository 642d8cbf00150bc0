#ifndef TAILOR_RANKER_MODEL_VALIDATION_QUERIES_H_
#define TAILOR_RANKER_MODEL_VALIDATION_QUERIES_H_

// Turns held-out purchases into labelled ranking queries for a model
// version, through the same code that serves Rank: a user the version
// knows is ranked as that user; any other as a new visitor with only their
// country and the time of their first held-out event. Candidates are every
// item the user has not seen (catalogues up to kExhaustiveItems), else the
// serving candidate lists; relevant = held-out items not seen before.
// Used by `tailor blend` and the quality table. Stateless.

#include <cstdint>
#include <string>
#include <vector>

#include "ranker/model/blend_learner.h"
#include "ranker/model/hybrid_model.h"

namespace tailor::ranker {

struct HeldOutUser {
  uint64_t user_key = 0;
  std::string country;
  int64_t first_event_unix_s = 0;
  std::vector<int64_t> items;  // catalogue rows of the held-out events
};

struct LabeledQuery {
  BlendQuery query;
  bool known = false;         // the version knows the user
  std::vector<int64_t> rows;  // catalogue row of each candidate
};

// Users without a relevant candidate are left out.
std::vector<LabeledQuery> MakeValidationQueries(
    const HybridModel& model, const std::vector<HeldOutUser>& users);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_VALIDATION_QUERIES_H_
