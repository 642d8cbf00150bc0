#include "trainer/distributed/sgd_task.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/sgd/block_grid.h"
#include "trainer/sgd/sgd_kernels.h"
#include "trainer/sgd/sgd_random.h"

namespace tailor::distributed {
namespace {

absl::Status PullRange(PsClient* ps, const std::string& table,
                       const std::vector<uint64_t>& all_keys, uint32_t begin,
                       uint32_t end, std::vector<float>& out, int dim) {
  out.resize(static_cast<size_t>(end - begin) * dim);
  if (end == begin) return absl::OkStatus();
  return ps->Pull(table,
                  absl::MakeConstSpan(all_keys.data() + begin, end - begin),
                  absl::MakeSpan(out));
}

absl::Status PushRange(PsClient* ps, const std::string& table,
                       const std::vector<uint64_t>& all_keys, uint32_t begin,
                       uint32_t end, const std::vector<float>& rows,
                       int64_t clock) {
  if (end == begin) return absl::OkStatus();
  PushOptions po;
  po.op = PushOp::kAssign;
  po.clock = clock;
  return ps
      ->Push(table, absl::MakeConstSpan(all_keys.data() + begin, end - begin),
             rows, po)
      .status();
}

}  // namespace

absl::StatusOr<TaskOutcome> RunSgdTask(const TaskContext& ctx,
                                       const tailor::v1::Task& task) {
  const DistributedJob& job = *ctx.job;
  WorkerData& data = *ctx.data;
  const tailor::v1::SgdBlock& b = task.sgd_block();
  const uint32_t grid = static_cast<uint32_t>(task.row_cuts_size()) - 1;
  if (task.kind() != tailor::v1::STEP_KIND_SGD_BLOCK ||
      task.row_cuts_size() < 2 ||
      task.col_cuts_size() != task.row_cuts_size() || b.num_blocks() != grid ||
      b.row_block() >= grid || b.col_block() >= grid) {
    return absl::InvalidArgumentError(
        absl::StrCat("task ", task.task_id(), ": SGD block (", b.row_block(),
                     ", ", b.col_block(), ") of ", b.num_blocks(),
                     " does not fit the task's grid of ", grid));
  }
  TAILOR_RETURN_IF_ERROR(data.Ensure(
      /*user_side=*/true, {b.row_block()},
      std::vector<uint32_t>(task.row_cuts().begin(), task.row_cuts().end()),
      std::vector<uint32_t>(task.col_cuts().begin(), task.col_cuts().end())));
  const SidePartition* part = data.Get(true, b.row_block());
  if (part == nullptr || part->compact) {
    return absl::InternalError(absl::StrCat("task ", task.task_id(),
                                            ": user partition ", b.row_block(),
                                            " was not loaded for SGD"));
  }
  TAILOR_ASSIGN_OR_RETURN(SgdOptions options, SgdOptionsFromJob(job, 1));
  const int k = options.factors;
  const uint32_t r0 = task.row_cuts(b.row_block());
  const uint32_t r1 = task.row_cuts(b.row_block() + 1);
  const uint32_t c0 = task.col_cuts(b.col_block());
  const uint32_t c1 = task.col_cuts(b.col_block() + 1);
  // The partition's rows are local: shift the block's users to dense ids.
  SgdBlock block = ExtractBlock(part->rows, 0, r1 - r0, c0, c1);
  block.row_begin = r0;
  block.row_end = r1;
  for (uint32_t& u : block.users) u += r0;
  std::vector<float> users, items, user_bias, item_bias;
  TAILOR_RETURN_IF_ERROR(
      PullRange(ctx.ps, kUserTable, data.user_keys(), r0, r1, users, k));
  TAILOR_RETURN_IF_ERROR(
      PullRange(ctx.ps, kItemTable, data.item_keys(), c0, c1, items, k));
  const bool ub = HasUserBias(job), ib = HasItemBias(job);
  if (ub) {
    TAILOR_RETURN_IF_ERROR(PullRange(ctx.ps, kUserBiasTable, data.user_keys(),
                                     r0, r1, user_bias, 1));
  }
  if (ib) {
    TAILOR_RETURN_IF_ERROR(PullRange(ctx.ps, kItemBiasTable, data.item_keys(),
                                     c0, c1, item_bias, 1));
  }
  if (ctx.aborted()) return absl::AbortedError("task withdrawn");

  const tailor::v1::StepHyperparameters& h = task.hyperparameters();
  SgdStepParams s;
  s.algorithm = options.algorithm;
  s.factors = k;
  s.learning_rate = static_cast<float>(h.learning_rate());
  s.bias_learning_rate = static_cast<float>(h.bias_learning_rate());
  s.reg_factors = options.reg_factors;
  s.reg_bias = options.reg_bias;
  s.global_mean = static_cast<float>(h.global_mean());
  s.negatives = options.negatives;
  s.reject_known_negatives = options.reject_known_negatives;
  s.max_negative_draws = options.max_negative_draws;
  FactorView uview{users.data(), k, r0, ub ? user_bias.data() : nullptr};
  FactorView iview{items.data(), k, c0, ib ? item_bias.data() : nullptr};
  const uint64_t block_id = uint64_t{b.row_block()} * grid + b.col_block();
  const BlockStats st =
      RunSgdBlock(block, s, uview, iview,
                  DeriveSeed(options.seed, task.iteration(), block_id, 0xb10c));
  if (ctx.aborted()) return absl::AbortedError("task withdrawn");
  const int64_t clock = task.iteration();
  TAILOR_RETURN_IF_ERROR(
      PushRange(ctx.ps, kUserTable, data.user_keys(), r0, r1, users, clock));
  TAILOR_RETURN_IF_ERROR(
      PushRange(ctx.ps, kItemTable, data.item_keys(), c0, c1, items, clock));
  if (ub) {
    TAILOR_RETURN_IF_ERROR(PushRange(ctx.ps, kUserBiasTable, data.user_keys(),
                                     r0, r1, user_bias, clock));
  }
  if (ib) {
    TAILOR_RETURN_IF_ERROR(PushRange(ctx.ps, kItemBiasTable, data.item_keys(),
                                     c0, c1, item_bias, clock));
  }
  TaskOutcome out;
  out.data_loss_sum = st.loss_sum;
  out.count = st.examples;
  out.rows_solved = (r1 - r0) + (c1 - c0);
  out.rows_pulled = (r1 - r0) + (c1 - c0);
  out.rows_pushed = out.rows_pulled;
  out.bytes_pulled = RowPayloadBytes(r1 - r0, k) + RowPayloadBytes(c1 - c0, k) +
                     (ub ? RowPayloadBytes(r1 - r0, 1) : 0) +
                     (ib ? RowPayloadBytes(c1 - c0, 1) : 0);
  out.bytes_pushed = out.bytes_pulled;
  return out;
}

}  // namespace tailor::distributed
