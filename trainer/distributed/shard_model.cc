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

// Held-out users: those with test entries, or a fixed sample of them.
std::vector<uint32_t> EvalUsers(const TrainingData& data, uint64_t seed,
                                int64_t max_users) {
  std::vector<uint32_t> users = UsersWithEntries(data.test);
  if (max_users > 0 && static_cast<int64_t>(users.size()) > max_users) {
    std::vector<std::pair<uint64_t, uint32_t>> order;
    order.reserve(users.size());
    for (uint32_t u : users) order.push_back({DeriveSeed(seed, 0xe5a1, u), u});
    std::sort(order.begin(), order.end());
    users.clear();
    for (int64_t i = 0; i < max_users; ++i) users.push_back(order[i].second);
    std::sort(users.begin(), users.end());
  }
  return users;
}

}  // namespace

absl::StatusOr<PulledModel> PullModel(PsClient* ps, const DistributedJob& job,
                                      const TrainingData& data,
                                      std::vector<uint32_t> users) {
  PulledModel m;
  m.factors = static_cast<int>(job.spec.factors());
  m.users = std::move(users);
  std::vector<uint64_t> user_keys;
  user_keys.reserve(m.users.size());
  for (uint32_t u : m.users) user_keys.push_back(data.user_keys[u]);
  TAILOR_RETURN_IF_ERROR(
      PullKeys(ps, kUserTable, user_keys, m.factors, m.user_factors));
  TAILOR_RETURN_IF_ERROR(
      PullKeys(ps, kItemTable, data.item_keys, m.factors, m.item_factors));
  if (HasUserBias(job)) {
    TAILOR_RETURN_IF_ERROR(
        PullKeys(ps, kUserBiasTable, user_keys, 1, m.user_bias));
  }
  if (HasItemBias(job)) {
    TAILOR_RETURN_IF_ERROR(
        PullKeys(ps, kItemBiasTable, data.item_keys, 1, m.item_bias));
  }
  return m;
}

absl::StatusOr<std::map<std::string, double>> EvaluateOnShards(
    PsClient* ps, const DistributedJob& job, const TrainingData& data,
    int64_t max_users, int64_t* bytes_pulled) {
  std::vector<uint32_t> users = EvalUsers(data, job.split_seed, max_users);
  if (users.empty()) {
    return absl::FailedPreconditionError(
        "the held-out split has no test entries to evaluate");
  }
  TAILOR_ASSIGN_OR_RETURN(PulledModel m, PullModel(ps, job, data, users));
  const int k = m.factors;
  if (bytes_pulled != nullptr) {
    *bytes_pulled = (int64_t(m.users.size()) + int64_t(data.item_keys.size())) *
                    (8 + 4 * int64_t{k});
  }
  // Row of a dense user index in m.user_factors.
  std::vector<int32_t> row_of(data.train.rows, -1);
  for (size_t i = 0; i < m.users.size(); ++i) row_of[m.users[i]] = i;
  const float mu = job.spec.algorithm() == "biased_mf"
                       ? static_cast<float>(data.global_mean)
                       : 0.0f;
  if (job.ratings) {
    std::vector<uint8_t> keep(data.test.nnz(), 0);
    for (uint32_t u : m.users) {
      for (int64_t e = data.test.indptr[u]; e < data.test.indptr[u + 1]; ++e) {
        keep[e] = 1;
      }
    }
    const CsrMatrix test = FilterEntries(data.test, keep);
    PairScorer scorer = [&](absl::Span<const uint32_t> us,
                            absl::Span<const uint32_t> is,
                            absl::Span<float> out) -> absl::Status {
      for (size_t i = 0; i < us.size(); ++i) {
        const int32_t r = row_of[us[i]];
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
  DenseFactors itf{m.item_factors.data(), data.train.cols, k, k};
  BatchScorer scorer = [&](absl::Span<const uint32_t> us,
                           absl::Span<float> scores) -> absl::Status {
    std::vector<uint32_t> rows(us.size());
    for (size_t i = 0; i < us.size(); ++i) rows[i] = row_of[us[i]];
    return ScoreByFactors(uf, itf, m.item_bias, rows, scores);
  };
  TopKOptions topk;
  topk.k = job.eval_k;
  topk.exclude = &data.train;
  TAILOR_ASSIGN_OR_RETURN(
      TopKLists lists, RecommendTopK(scorer, data.train.cols, m.users, topk));
  TopKEvalOptions eval;
  eval.ks = {job.eval_k};
  TAILOR_ASSIGN_OR_RETURN(EvalResult r, EvaluateTopK(lists, data.test, eval));
  return r.metrics;
}

absl::StatusOr<std::string> ExportFromShards(
    PsClient* ps, FileSystem* fs, const DistributedJob& job,
    const TrainingData& data, const std::string& base, const std::string& name,
    const std::map<std::string, double>& metrics,
    const nlohmann::json& training) {
  std::vector<uint32_t> all(data.train.rows);
  for (size_t u = 0; u < all.size(); ++u) all[u] = u;
  TAILOR_ASSIGN_OR_RETURN(PulledModel m, PullModel(ps, job, data, all));
  const int k = m.factors;
  FactorTable users(data.train.rows, k), items(data.train.cols, k);
  std::memcpy(users.data().data(), m.user_factors.data(),
              m.user_factors.size() * sizeof(float));
  std::memcpy(items.data().data(), m.item_factors.data(),
              m.item_factors.size() * sizeof(float));
  users.keys() = data.user_keys;
  items.keys() = data.item_keys;
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
        static_cast<float>(data.global_mean);
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
