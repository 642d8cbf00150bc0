#include "trainer/distributed/shard_model.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"
#include "trainer/eval/evaluate.h"
#include "trainer/eval/ranking.h"
#include "trainer/eval/split.h"
#include "trainer/local/factor_scoring.h"
#include "trainer/sgd/sgd_random.h"

namespace tailor::distributed {
namespace {

absl::Status PullKeys(PsClient* ps, const std::string& table,
                      const std::vector<uint64_t>& keys, int dim,
                      std::vector<float>& out) {
  out.assign(keys.size() * dim, 0.0f);
  if (keys.empty()) return absl::OkStatus();
  return ps->Pull(table, keys, absl::MakeSpan(out));
}

}  // namespace

absl::StatusOr<PulledModel> PullModel(PsClient* ps, const DistributedJob& job,
                                      const JobLayout& layout,
                                      std::vector<uint32_t> users) {
  PulledModel m;
  m.factors = static_cast<int>(job.spec.factors());
  m.users = std::move(users);
  std::vector<uint64_t> user_keys;
  user_keys.reserve(m.users.size());
  for (uint32_t u : m.users) user_keys.push_back(layout.user_keys[u]);
  TAILOR_RETURN_IF_ERROR(
      PullKeys(ps, kUserTable, user_keys, m.factors, m.user_factors));
  TAILOR_RETURN_IF_ERROR(
      PullKeys(ps, kItemTable, layout.item_keys, m.factors, m.item_factors));
  if (HasUserBias(job)) {
    TAILOR_RETURN_IF_ERROR(
        PullKeys(ps, kUserBiasTable, user_keys, 1, m.user_bias));
  }
  if (HasItemBias(job)) {
    TAILOR_RETURN_IF_ERROR(
        PullKeys(ps, kItemBiasTable, layout.item_keys, 1, m.item_bias));
  }
  return m;
}

absl::StatusOr<std::map<std::string, double>> EvaluateOnShards(
    PsClient* ps, const DistributedJob& job, const JobLayout& layout,
    int64_t* bytes_pulled) {
  const EvalSample& eval = layout.eval;
  if (eval.users.empty()) {
    return absl::FailedPreconditionError(
        "the held-out split has no test entries to evaluate");
  }
  TAILOR_ASSIGN_OR_RETURN(PulledModel m,
                          PullModel(ps, job, layout, eval.users));
  const int k = m.factors;
  const int64_t num_items = static_cast<int64_t>(layout.item_keys.size());
  if (bytes_pulled != nullptr) {
    *bytes_pulled =
        (int64_t(m.users.size()) + num_items) * (8 + 4 * int64_t{k});
  }
  // Row i of eval.train / eval.test and of m.user_factors is user
  // eval.users[i]: the evaluation runs on these local row numbers.
  const float mu = job.spec.algorithm() == "biased_mf"
                       ? static_cast<float>(layout.global_mean)
                       : 0.0f;
  if (job.ratings) {
    const CsrMatrix& test = eval.test;
    PairScorer scorer = [&](absl::Span<const uint32_t> us,
                            absl::Span<const uint32_t> is,
                            absl::Span<float> out) -> absl::Status {
      for (size_t i = 0; i < us.size(); ++i) {
        const uint32_t r = us[i];
        const float* p = m.user_factors.data() + int64_t{r} * k;
        const float* q = m.item_factors.data() + int64_t{is[i]} * k;
        float s = mu;
        for (int c = 0; c < k; ++c) s += p[c] * q[c];
        if (!m.user_bias.empty()) s += m.user_bias[r];
        if (!m.item_bias.empty()) s += m.item_bias[is[i]];
        out[i] = s;
      }
      return absl::OkStatus();
    };
    TAILOR_ASSIGN_OR_RETURN(EvalResult r, EvaluateRatings(scorer, test));
    return r.metrics;
  }
  DenseFactors uf{m.user_factors.data(), int64_t(m.users.size()), k, k};
  DenseFactors itf{m.item_factors.data(), num_items, k, k};
  BatchScorer scorer = [&](absl::Span<const uint32_t> us,
                           absl::Span<float> scores) -> absl::Status {
    return ScoreByFactors(uf, itf, m.item_bias, us, scores);
  };
  TopKOptions topk;
  topk.k = job.eval_k;
  topk.exclude = &eval.train;
  std::vector<uint32_t> local(eval.users.size());
  for (size_t i = 0; i < local.size(); ++i) local[i] = static_cast<uint32_t>(i);
  TAILOR_ASSIGN_OR_RETURN(TopKLists lists,
                          RecommendTopK(scorer, num_items, local, topk));
  TopKEvalOptions options;
  options.ks = {job.eval_k};
  TAILOR_ASSIGN_OR_RETURN(EvalResult r,
                          EvaluateTopK(lists, eval.test, options));
  return r.metrics;
}

absl::StatusOr<std::string> ExportFromShards(
    PsClient* ps, FileSystem* fs, const DistributedJob& job,
    const JobLayout& layout, const std::string& base, const std::string& name,
    const std::map<std::string, double>& metrics,
    const nlohmann::json& training) {
  const int64_t num_users = static_cast<int64_t>(layout.user_keys.size());
  const int64_t num_items = static_cast<int64_t>(layout.item_keys.size());
  std::vector<uint32_t> all(num_users);
  for (size_t u = 0; u < all.size(); ++u) all[u] = u;
  TAILOR_ASSIGN_OR_RETURN(PulledModel m, PullModel(ps, job, layout, all));
  const int k = m.factors;
  FactorTable users(num_users, k), items(num_items, k);
  std::memcpy(users.data().data(), m.user_factors.data(),
              m.user_factors.size() * sizeof(float));
  std::memcpy(items.data().data(), m.item_factors.data(),
              m.item_factors.size() * sizeof(float));
  users.keys() = layout.user_keys;
  items.keys() = layout.item_keys;
  users.biases() = m.user_bias;
  items.biases() = m.item_bias;
  ModelVersionContents contents;
  contents.algorithm = job.spec.algorithm();
  contents.factors = k;
  std::string spec_text;
  google::protobuf::TextFormat::PrintToString(job.spec, &spec_text);
  contents.hyperparameters = {{"job_spec", spec_text},
                              {"holdout", job.evaluate ? job.test_fraction : 0},
                              {"metric", job.metric}};
  if (job.spec.algorithm() == "biased_mf") {
    contents.hyperparameters["global_mean"] =
        static_cast<float>(layout.global_mean);
  }
  contents.dataset_dir = job.spec.dataset_dir();
  TAILOR_ASSIGN_OR_RETURN(contents.dataset_fingerprint,
                          DatasetFingerprint(fs, job.spec.dataset_dir()));
  contents.metrics = metrics;
  contents.training = training;
  contents.user_factors = &users;
  contents.item_factors = &items;
  return ExportModelVersion(fs, base, name, contents,
                            job.spec.model_export().version());
}

}  // namespace tailor::distributed
