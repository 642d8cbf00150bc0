#include "trainer/distributed/als_task.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/als/factor_matrix.h"
#include "trainer/als/implicit_als.h"

namespace tailor::distributed {
namespace {

// Rows per Pull / Push batch and per solve chunk.
constexpr int64_t kPullChunkRows = 65536;
constexpr int64_t kSolveChunkRows = 8192;

// The objective's per-entry terms, exactly as ImplicitLoss
// (trainer/als/implicit_als.cc) computes them.
double Confidence(const IalsOptions& o, float r) {
  return o.confidence == IalsOptions::Confidence::kLinear
             ? 1.0f + o.alpha * r
             : 1.0f + o.alpha * std::log1p(r / o.log_epsilon);
}
double RegScale(const IalsOptions& o, int64_t nnz, int64_t other_side) {
  if (!o.scale_reg_by_frequency) return 1.0;
  return std::pow(static_cast<float>(nnz) + o.alpha0 * other_side,
                  o.reg_exponent);
}

// x . y in double with four independent accumulators.
double Dot(const float* x, const float* y, int k) {
  double a[4] = {0, 0, 0, 0};
  int c = 0;
  for (; c + 4 <= k; c += 4) {
    for (int j = 0; j < 4; ++j) a[j] += double(x[c + j]) * y[c + j];
  }
  for (; c < k; ++c) a[0] += double(x[c]) * y[c];
  return (a[0] + a[2]) + (a[1] + a[3]);
}

// Pulls rows `keys` of `table` into rows first_row.. of `out`, in chunks;
// straight into `out` when its rows are not padded.
absl::Status PullInto(PsClient* ps, const std::string& table,
                      absl::Span<const uint64_t> keys, FactorMatrix& out,
                      int64_t first_row, const TaskContext& ctx) {
  const int k = out.cols();
  const bool direct = out.stride() == k;
  std::vector<float> buf;
  for (size_t b = 0; b < keys.size(); b += kPullChunkRows) {
    if (ctx.aborted()) return absl::AbortedError("task withdrawn");
    const size_t e = std::min(keys.size(), b + kPullChunkRows);
    absl::Span<float> dest;
    if (direct) {
      dest = absl::MakeSpan(out.row(first_row + b), (e - b) * k);
    } else {
      buf.resize((e - b) * k);
      dest = absl::MakeSpan(buf);
    }
    TAILOR_RETURN_IF_ERROR(
        ps->Pull(table, absl::MakeConstSpan(keys.data() + b, e - b), dest));
    if (direct) continue;
    for (size_t i = b; i < e; ++i) {
      std::copy_n(buf.data() + (i - b) * k, k, out.row(first_row + i));
    }
  }
  return absl::OkStatus();
}

// The rows of the fixed side this worker solved and kept (TaskContext::warm)
// that are exactly what the shards hold for this step, by partition of the
// fixed side (null: not kept): user rows of this iteration's user step (in
// the item step), item rows of the previous iteration's item step (in the
// user step), of the same generation, accepted by the coordinator.
std::vector<const SolvedRows*> KeptFixedRows(const TaskContext& ctx,
                                             const tailor::v1::Task& task,
                                             bool fixed_user_side, int k) {
  const auto& cuts = fixed_user_side ? task.row_cuts() : task.col_cuts();
  std::vector<const SolvedRows*> kept(
      cuts.size() > 0 ? static_cast<size_t>(cuts.size()) - 1 : 0, nullptr);
  if (ctx.warm == nullptr) return kept;
  if (!fixed_user_side && task.iteration() == 0) return kept;
  const uint32_t iteration =
      fixed_user_side ? task.iteration() : task.iteration() - 1;
  for (const auto& [key, rows] : *ctx.warm) {
    const uint32_t q = key.second;
    if (key.first != fixed_user_side || q >= kept.size()) continue;
    const size_t n = cuts[q + 1] - cuts[q];
    if (rows.generation == task.generation() && rows.sub_epoch == -1 &&
        rows.iteration == iteration && rows.rows.size() == n * k) {
      kept[q] = &rows;
    }
  }
  return kept;
}

// Fills row i of `out` with fixed row dense[i] (ascending dense indices of
// the fixed side): copied from the kept rows where there are some, pulled
// from the shards otherwise. Adds the rows pulled to *pulled.
absl::Status FillFixedRows(
    PsClient* ps, const std::string& table,
    const std::vector<uint64_t>& fixed_keys, const std::vector<uint32_t>& dense,
    const google::protobuf::RepeatedField<uint32_t>& cuts,
    const std::vector<const SolvedRows*>& kept, FactorMatrix& out,
    int64_t* pulled, const TaskContext& ctx) {
  const int k = out.cols();
  std::vector<uint64_t> keys;
  size_t i = 0;
  while (i < dense.size()) {
    // The fixed-side partition q of dense[i] and the end j of its run.
    const uint32_t q = static_cast<uint32_t>(
        std::upper_bound(cuts.begin(), cuts.end(), dense[i]) - cuts.begin() -
        1);
    if (q + 1 >= static_cast<uint32_t>(cuts.size())) {
      return absl::InternalError(absl::StrCat("fixed row ", dense[i],
                                              " lies outside the task's cuts"));
    }
    const size_t j =
        std::lower_bound(dense.begin() + i, dense.end(), cuts[q + 1]) -
        dense.begin();
    if (q < kept.size() && kept[q] != nullptr) {
      const float* src = kept[q]->rows.data();
      for (size_t t = i; t < j; ++t) {
        std::copy_n(src + size_t{dense[t] - cuts[q]} * k, k, out.row(t));
      }
    } else {
      keys.resize(j - i);
      for (size_t t = i; t < j; ++t) keys[t - i] = fixed_keys[dense[t]];
      TAILOR_RETURN_IF_ERROR(PullInto(ps, table, keys, out, i, ctx));
      *pulled += static_cast<int64_t>(j - i);
    }
    i = j;
  }
  return absl::OkStatus();
}

absl::Status PushRows(PsClient* ps, const std::string& table,
                      absl::Span<const uint64_t> keys, const FactorMatrix& m,
                      int64_t first_row, int64_t clock) {
  const int k = m.cols();
  PushOptions po;
  po.op = PushOp::kAssign;
  po.clock = clock;
  if (m.stride() == k) {  // rows not padded: push them where they are
    return ps
        ->Push(table, keys,
               absl::MakeConstSpan(m.row(first_row), keys.size() * k), po)
        .status();
  }
  std::vector<float> buf(keys.size() * k);
  for (size_t i = 0; i < keys.size(); ++i) {
    std::copy_n(m.row(first_row + i), k, buf.data() + i * k);
  }
  return ps->Push(table, keys, buf, po).status();
}

}  // namespace

absl::StatusOr<TaskOutcome> RunAlsTask(const TaskContext& ctx,
                                       const tailor::v1::Task& task) {
  const DistributedJob& job = *ctx.job;
  const bool user_step = task.kind() == tailor::v1::STEP_KIND_ALS_USER;
  if (!user_step && task.kind() != tailor::v1::STEP_KIND_ALS_ITEM) {
    return absl::InvalidArgumentError(
        absl::StrCat("task ", task.task_id(), " is not an ALS step"));
  }
  TAILOR_ASSIGN_OR_RETURN(IalsOptions options,
                          IalsOptionsFromJob(job, ctx.threads));
  const int k = options.factors;
  WorkerData& data = *ctx.data;
  const std::vector<uint32_t> parts(task.partition_ids().begin(),
                                    task.partition_ids().end());
  TAILOR_RETURN_IF_ERROR(data.Ensure(
      user_step, parts,
      std::vector<uint32_t>(task.row_cuts().begin(), task.row_cuts().end()),
      std::vector<uint32_t>(task.col_cuts().begin(), task.col_cuts().end())));
  const std::vector<uint64_t>& solve_keys =
      user_step ? data.user_keys() : data.item_keys();
  const std::vector<uint64_t>& fixed_keys =
      user_step ? data.item_keys() : data.user_keys();
  const int64_t other_side = static_cast<int64_t>(fixed_keys.size());
  const std::string solve_table = user_step ? kUserTable : kItemTable;
  const std::string fixed_table = user_step ? kItemTable : kUserTable;
  if (task.fixed_gram_size() != k * k) {
    return absl::InvalidArgumentError(
        absl::StrCat("task ", task.task_id(), " carries a Gram of ",
                     task.fixed_gram_size(), " values, expected ", k * k));
  }
  FactorMatrix gram(k, k);
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) {
      gram.at(i, j) = static_cast<float>(task.fixed_gram(i * k + j));
    }
  }
  TaskOutcome out;
  const bool cg = options.solver == IalsOptions::Solver::kConjugateGradient;
  const std::vector<const SolvedRows*> kept_fixed =
      KeptFixedRows(ctx, task, /*fixed_user_side=*/!user_step, k);
  for (uint32_t p : parts) {
    const SidePartition* part = data.Get(user_step, p);
    if (part == nullptr || !part->compact) {
      return absl::InternalError(absl::StrCat("task ", task.task_id(),
                                              ": partition ", p,
                                              " was not loaded for ALS"));
    }
    const int64_t begin = part->begin, end = part->end, n = end - begin;
    const CsrMatrix& rows = part->rows;
    // The fixed rows this partition touches: sorted unique dense indices,
    // whose keys are ascending too (keys are sorted by dense index); the
    // partition's columns index them.
    const int64_t touched = static_cast<int64_t>(part->fixed.size());
    FactorMatrix fixed(touched, k);
    // Fixed rows on a second thread while the warm start is pulled here;
    // those this worker solved itself come from its kept rows.
    int64_t fixed_pulled = 0;
    std::future<absl::Status> fixed_pull = std::async(std::launch::async, [&] {
      return FillFixedRows(ctx.ps, fixed_table, fixed_keys, part->fixed,
                           user_step ? task.col_cuts() : task.row_cuts(),
                           kept_fixed, fixed, &fixed_pulled, ctx);
    });
    FactorMatrix solved(n, k);
    std::vector<uint64_t> own_keys(solve_keys.begin() + begin,
                                   solve_keys.begin() + end);
    absl::Status warm = absl::OkStatus();
    if (cg) {
      // The rows this worker pushed for this partition in the previous
      // iteration of the same generation are what the shards hold.
      const SolvedRows* cached = nullptr;
      if (ctx.warm != nullptr) {
        auto it = ctx.warm->find({user_step, p});
        if (it != ctx.warm->end() &&
            it->second.generation == task.generation() &&
            it->second.iteration + 1 == task.iteration() &&
            it->second.rows.size() == static_cast<size_t>(n * k)) {
          cached = &it->second;
        }
      }
      if (cached != nullptr) {
        for (int64_t i = 0; i < n; ++i) {
          std::copy_n(cached->rows.data() + i * k, k, solved.row(i));
        }
      } else {
        warm = PullInto(ctx.ps, solve_table, own_keys, solved, 0, ctx);
        out.rows_pulled += n;
      }
    }
    absl::Status fixed_status = fixed_pull.get();
    TAILOR_RETURN_IF_ERROR(fixed_status);
    TAILOR_RETURN_IF_ERROR(warm);
    out.rows_pulled += fixed_pulled;
    out.min_rows += touched + n;
    // Solve in chunks; the push of chunk c overlaps the solve of c + 1.
    std::future<absl::Status> push;
    for (int64_t r0 = 0; r0 < n; r0 += kSolveChunkRows) {
      const int64_t r1 = std::min(n, r0 + kSolveChunkRows);
      if (ctx.aborted()) {
        if (push.valid()) push.wait();
        return absl::AbortedError("task withdrawn by the coordinator");
      }
      TAILOR_RETURN_IF_ERROR(
          SolveImplicitRows(options, rows, r0, r1, fixed, gram, solved,
                            user_step ? "user step" : "item step"));
      if (push.valid()) TAILOR_RETURN_IF_ERROR(push.get());
      if (ctx.aborted()) {
        return absl::AbortedError("task withdrawn by the coordinator");
      }
      push = std::async(std::launch::async, [&, r0, r1] {
        return PushRows(
            ctx.ps, solve_table,
            absl::MakeConstSpan(own_keys.data() + r0, size_t(r1 - r0)), solved,
            r0, task.iteration());
      });
    }
    if (push.valid()) TAILOR_RETURN_IF_ERROR(push.get());
    out.rows_pushed += n;
    out.rows_solved += n;
    // Loss partials: regularization of the solved rows; the observed part
    // once per iteration, in the item step (user rows are final by then).
    const double offset = options.alpha0 > 0 ? 0.0 : 1.0;
    double observed = 0, reg = 0;
    // Rows in parallel with the solver's threads; each dot product in four
    // independent double accumulators (vectorizable; the serial chain was
    // ~45% of a worker's CPU in the item step).
#pragma omp parallel for num_threads(std::max(1, options.threads)) \
    schedule(dynamic, 1024) reduction(+ : observed, reg)
    for (int64_t r = 0; r < n; ++r) {
      const float* x = solved.row(r);
      reg += RegScale(options, rows.RowSize(r), other_side) * Dot(x, x, k);
      if (user_step || task.skip_data_loss()) continue;
      for (int64_t e = rows.indptr[r]; e < rows.indptr[r + 1]; ++e) {
        const float v = rows.data[e];
        const double s = Dot(x, fixed.row(rows.indices[e]), k);
        const double conf = Confidence(options, v), pr = v > 0 ? 1.0 : 0.0;
        observed +=
            conf * pr * pr - 2 * conf * pr * s + (conf - offset) * s * s;
      }
    }
    if (!user_step) out.count += rows.nnz();
    {
      // Kept (once accepted) as the next step's fixed rows and, with CG, as
      // the next iteration's warm start.
      SolvedRows& keep = out.solved[{user_step, p}];
      keep.generation = task.generation();
      keep.iteration = task.iteration();
      keep.rows.resize(static_cast<size_t>(n) * k);
      for (int64_t r = 0; r < n; ++r) {
        std::copy_n(solved.row(r), k, keep.rows.data() + r * k);
      }
    }
    out.data_loss_sum += observed;
    out.regularization_sum += options.regularization * reg;
  }
  out.bytes_pulled = RowPayloadBytes(out.rows_pulled, k);
  out.bytes_pushed = RowPayloadBytes(out.rows_pushed, k);
  return out;
}

}  // namespace tailor::distributed
