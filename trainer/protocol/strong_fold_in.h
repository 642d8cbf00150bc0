#ifndef TAILOR_TRAINER_PROTOCOL_STRONG_FOLD_IN_H_
#define TAILOR_TRAINER_PROTOCOL_STRONG_FOLD_IN_H_

// Strong generalization (Liang et al. 2018; Rendle et al. 2021): train
// without the held-out users, give the model each held-out user's fold-in
// entries, rank every item not in them, score on the rest. How a model
// takes the fold-in entries depends on its family:
// - factor models (ials, als, biased_mf, pmf, nmf, bpr, logistic): trained
//   on `train` alone; each held-out user's factors are solved in closed
//   form against the fixed item factors by the implicit-ALS user step
//   (FoldInUsers, exact Cholesky) with the spec's alpha, alpha0 and
//   regularization (ials: its own options; others: options fold_in_alpha,
//   default spec alpha, and fold_in_regularization, default spec
//   regularization); scores add the item biases when the model has them.
// - item_knn, user_knn, popularity (memory-based): trained on train plus
//   the fold-in entries (which become the held-out users' rows); the test
//   entries are never seen.
// Stateless.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "nlohmann/json.hpp"
#include "tailor/v1/job.pb.h"

namespace tailor {

// recall@20, recall@50 (divided by min(k, |test|)), ndcg@100 and the other
// top-k metrics at 20, 50 and 100 over the held-out users with test
// entries; `details` gets counts and the fold-in method. Errors: training
// or fold-in failures, an empty test set.
absl::StatusOr<std::map<std::string, double>> EvaluateStrongGeneralization(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train,
    const CsrMatrix& fold_in, const CsrMatrix& test, nlohmann::json& details);

// Row-wise union of two matrices of the same shape whose rows are disjoint
// (no row has entries in both); rows stay sorted by column.
CsrMatrix AddDisjointRows(const CsrMatrix& a, const CsrMatrix& b);

}  // namespace tailor

#endif  // TAILOR_TRAINER_PROTOCOL_STRONG_FOLD_IN_H_
