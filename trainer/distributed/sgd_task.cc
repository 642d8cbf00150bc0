#include "trainer/distributed/sgd_task.h"

#include <future>
#include <string>
#include <utility>
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

// Rows (and biases) of one side's range [begin, end): pulled or pushed as
// one unit, the bias table only when the job has one.
struct SideRows {
  const char* table = nullptr;
  const char* bias_table = nullptr;  // null: no bias
  const std::vector<uint64_t>* keys = nullptr;
  uint32_t begin = 0, end = 0;
  std::vector<float> rows, bias;

  absl::Status Pull(PsClient* ps, int k) {
    TAILOR_RETURN_IF_ERROR(PullRange(ps, table, *keys, begin, end, rows, k));
    if (bias_table == nullptr) return absl::OkStatus();
    return PullRange(ps, bias_table, *keys, begin, end, bias, 1);
  }
  absl::Status Push(PsClient* ps, int64_t clock) const {
    TAILOR_RETURN_IF_ERROR(
        PushRange(ps, table, *keys, begin, end, rows, clock));
    if (bias_table == nullptr) return absl::OkStatus();
    return PushRange(ps, bias_table, *keys, begin, end, bias, clock);
  }
  int64_t Bytes(int k) const {
    return RowPayloadBytes(end - begin, k) +
           (bias_table != nullptr ? RowPayloadBytes(end - begin, 1) : 0);
  }
};

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
      b.row_block() >= grid || b.col_block() >= grid || b.sub_epoch() >= grid) {
    return absl::InvalidArgumentError(absl::StrCat(
        "task ", task.task_id(), ": SGD block (", b.row_block(), ", ",
        b.col_block(), ") of sub-epoch ", b.sub_epoch(), " of ", b.num_blocks(),
        " does not fit the task's grid of ", grid));
  }
  TAILOR_RETURN_IF_ERROR(data.Ensure(
      /*user_side=*/true, {b.row_block()},
      std::vector<uint32_t>(task.row_cuts().begin(), task.row_cuts().end()),
      std::vector<uint32_t>(task.col_cuts().begin(), task.col_cuts().end())));
  absl::StatusOr<const SgdBlock*> block =
      data.BlockOf(b.row_block(), b.col_block());
  if (!block.ok()) {
    return absl::InternalError(
        absl::StrCat("task ", task.task_id(), ": ", block.status().message()));
  }
  TAILOR_ASSIGN_OR_RETURN(SgdOptions options, SgdOptionsFromJob(job, 1));
  const int k = options.factors;
  const bool ub = HasUserBias(job), ib = HasItemBias(job);
  SideRows users{kUserTable, ub ? kUserBiasTable : nullptr, &data.user_keys(),
                 task.row_cuts(b.row_block()),
                 task.row_cuts(b.row_block() + 1)};
  SideRows items{kItemTable, ib ? kItemBiasTable : nullptr, &data.item_keys(),
                 task.col_cuts(b.col_block()),
                 task.col_cuts(b.col_block() + 1)};
  const uint32_t r0 = users.begin, r1 = users.end;
  const uint32_t c0 = items.begin, c1 = items.end;
  // The block's user rows stay with the worker from one sub-epoch to the
  // next (nobody else touches them during the iteration): the rows this
  // worker kept after sub-epoch s - 1 of this iteration, if the coordinator
  // accepted that task from it, are what the shards would hold had they been
  // pushed; the rows it kept after the last sub-epoch of the previous
  // iteration are what it pushed then, and nothing writes user rows between
  // iterations but a rollback (which changes the generation). Otherwise
  // they come from the shards, which hold them as of the end of the
  // previous iteration.
  const std::pair<bool, uint32_t> cache_key{true, b.row_block()};
  const SolvedRows* kept = nullptr;
  if (ctx.warm != nullptr) {
    auto it = ctx.warm->find(cache_key);
    const int64_t sub = b.sub_epoch();
    if (it != ctx.warm->end()) {
      const SolvedRows& r = it->second;
      const bool follows =
          (r.iteration == task.iteration() && r.sub_epoch + 1 == sub) ||
          (int64_t{r.iteration} + 1 == int64_t{task.iteration()} &&
           r.sub_epoch + 1 == int64_t{grid} && sub == 0);
      if (follows && r.generation == task.generation() &&
          r.rows.size() == static_cast<size_t>(r1 - r0) * k &&
          r.bias.size() == (ub ? size_t{r1 - r0} : size_t{0})) {
        kept = &r;
      }
    }
  }
  // The item rows on a second thread while the user rows are pulled (or
  // copied from the kept ones) here.
  std::future<absl::Status> item_pull =
      std::async(std::launch::async, [&] { return items.Pull(ctx.ps, k); });
  absl::Status user_status = absl::OkStatus();
  if (kept != nullptr) {
    users.rows = kept->rows;
    users.bias = kept->bias;
  } else {
    user_status = users.Pull(ctx.ps, k);
  }
  TAILOR_RETURN_IF_ERROR(item_pull.get());
  TAILOR_RETURN_IF_ERROR(user_status);
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
  FactorView uview{users.rows.data(), k, r0, ub ? users.bias.data() : nullptr};
  FactorView iview{items.rows.data(), k, c0, ib ? items.bias.data() : nullptr};
  const uint64_t block_id = uint64_t{b.row_block()} * grid + b.col_block();
  const BlockStats st =
      RunSgdBlock(**block, s, uview, iview,
                  DeriveSeed(options.seed, task.iteration(), block_id, 0xb10c));
  if (ctx.aborted()) return absl::AbortedError("task withdrawn");
  const int64_t clock = task.iteration();
  // The item rows go back now (the next sub-epoch gives them to another
  // row block); the user rows at the iteration's last sub-epoch, so the
  // shards hold every row of the iteration when its step ends (evaluation,
  // checkpoints and export read them there).
  const bool push_users = b.sub_epoch() + 1 == grid;
  std::future<absl::Status> item_push =
      std::async(std::launch::async, [&] { return items.Push(ctx.ps, clock); });
  absl::Status user_push =
      push_users ? users.Push(ctx.ps, clock) : absl::OkStatus();
  TAILOR_RETURN_IF_ERROR(item_push.get());
  TAILOR_RETURN_IF_ERROR(user_push);
  TaskOutcome out;
  out.data_loss_sum = st.loss_sum;
  out.count = st.examples;
  out.rows_solved = (r1 - r0) + (c1 - c0);
  out.rows_pulled = (kept != nullptr ? 0 : r1 - r0) + (c1 - c0);
  out.rows_pushed = (push_users ? r1 - r0 : 0) + (c1 - c0);
  out.bytes_pulled = (kept != nullptr ? 0 : users.Bytes(k)) + items.Bytes(k);
  out.bytes_pushed = (push_users ? users.Bytes(k) : 0) + items.Bytes(k);
  {
    // Kept for the next sub-epoch (or iteration) once the coordinator
    // accepts this task.
    SolvedRows& keep = out.solved[cache_key];
    keep.generation = task.generation();
    keep.iteration = task.iteration();
    keep.sub_epoch = b.sub_epoch();
    keep.rows = std::move(users.rows);
    keep.bias = std::move(users.bias);
  }
  return out;
}

}  // namespace tailor::distributed
