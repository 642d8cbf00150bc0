#ifndef TAILOR_TRAINER_LOCAL_RECOMMENDER_IMPLS_H_
#define TAILOR_TRAINER_LOCAL_RECOMMENDER_IMPLS_H_

// The adapters behind CreateRecommender, one per algorithm family. Private
// to trainer/local.

#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "core/format/factor_table.h"
#include "trainer/local/recommender.h"

namespace tailor {

absl::StatusOr<std::unique_ptr<Recommender>> NewIalsRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train);
absl::StatusOr<std::unique_ptr<Recommender>> NewExplicitAlsRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train);
absl::StatusOr<std::unique_ptr<Recommender>> NewSgdRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train);
absl::StatusOr<std::unique_ptr<Recommender>> NewNeighborRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train,
    absl::Span<const int64_t> timestamps);

// A FactorTable of `rows` x `cols` copied from a strided row-major buffer,
// keyed by `keys` (or 0..rows-1 when empty), with optional biases.
FactorTable MakeFactorTable(const float* data, int64_t rows, int cols,
                            int64_t stride, absl::Span<const uint64_t> keys,
                            absl::Span<const float> biases);

}  // namespace tailor

#endif  // TAILOR_TRAINER_LOCAL_RECOMMENDER_IMPLS_H_
