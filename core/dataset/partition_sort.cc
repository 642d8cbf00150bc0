#include "core/dataset/partition_sort.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor {

std::vector<uint64_t> ChooseBounds(absl::Span<const int64_t> entries,
                                   int64_t target) {
  std::vector<uint64_t> bounds = {0};
  int64_t acc = 0;
  for (size_t r = 0; r < entries.size(); ++r) {
    acc += entries[r];
    if (acc >= target && r + 1 < entries.size()) {
      bounds.push_back(r + 1);
      acc = 0;
    }
  }
  bounds.push_back(entries.size());
  return bounds;
}

namespace {

// Digits of at most 11 bits: the 2048 write cursors of a pass stay in cache,
// unlike one pass with a cursor per row.
struct RadixPlan {
  int passes = 0;
  int digit_bits = 0;
  uint32_t mask = 0;
};

RadixPlan PlanFor(uint64_t rows) {
  RadixPlan plan;
  const int bits = rows <= 1 ? 1 : 64 - __builtin_clzll(rows - 1);
  plan.passes = (bits + 10) / 11;
  plan.digit_bits = (bits + plan.passes - 1) / plan.passes;
  plan.mask = (uint32_t{1} << plan.digit_bits) - 1;
  return plan;
}

// Where each digit's records go in pass `pass`, from the known number of
// entries per row (no pass over the records needed): begin[d], end[d].
void Cursors(absl::Span<const int64_t> row_entries, const RadixPlan& plan,
             int pass, std::vector<size_t>* begin, std::vector<size_t>* end) {
  const int shift = pass * plan.digit_bits;
  begin->assign(size_t{plan.mask} + 1, 0);
  for (size_t r = 0; r < row_entries.size(); ++r) {
    (*begin)[(r >> shift) & plan.mask] += static_cast<size_t>(row_entries[r]);
  }
  end->resize(begin->size());
  size_t sum = 0;
  for (size_t d = 0; d < begin->size(); ++d) {
    const size_t k = (*begin)[d];
    (*begin)[d] = sum;
    sum += k;
    (*end)[d] = sum;
  }
}

// One stable scatter pass; false when a digit gets more records than
// counted (the records disagree with the counts).
bool Scatter(absl::Span<const SpoolRecord> src, int shift, uint32_t mask,
             std::vector<size_t>* begin, const std::vector<size_t>& end,
             SpoolRecord* dst) {
  size_t* cursor = begin->data();
  const size_t* limit = end.data();
  for (const SpoolRecord& r : src) {
    const uint32_t d = (r.row >> shift) & mask;
    if (cursor[d] >= limit[d]) return false;
    dst[cursor[d]++] = r;
  }
  return true;
}

}  // namespace

absl::Status DrainSortedByRow(RecordSpool* spool,
                              absl::Span<const int64_t> row_entries,
                              RecordBuffer* out, RecordBuffer* scratch) {
  int64_t total = 0;
  for (int64_t e : row_entries) total += e;
  if (total != spool->size()) {
    return absl::DataLossError(
        absl::StrCat(spool->size(), " records spooled for a partition of ",
                     total, " counted entries"));
  }
  const size_t n = static_cast<size_t>(total);
  const RadixPlan plan = PlanFor(row_entries.size());
  // The last pass must land in *out.
  out->resize(n);  // keeps capacity; only growth is initialized
  if (plan.passes > 1) scratch->resize(n);
  auto target = [&](int pass) {
    return (plan.passes - 1 - pass) % 2 == 0 ? out->data() : scratch->data();
  };
  const absl::Status mismatch =
      absl::DataLossError("spooled records disagree with the entry counts");
  std::vector<size_t> begin, end;
  Cursors(row_entries, plan, 0, &begin, &end);
  SpoolRecord* dst = target(0);
  TAILOR_RETURN_IF_ERROR(
      spool->Drain([&](absl::Span<const SpoolRecord> batch) -> absl::Status {
        if (!Scatter(batch, 0, plan.mask, &begin, end, dst)) return mismatch;
        return absl::OkStatus();
      }));
  for (int pass = 1; pass < plan.passes; ++pass) {
    Cursors(row_entries, plan, pass, &begin, &end);
    const SpoolRecord* src = target(pass - 1);
    if (!Scatter(absl::MakeConstSpan(src, n), pass * plan.digit_bits, plan.mask,
                 &begin, end, target(pass))) {
      return mismatch;
    }
  }
  // Every row's records must now sit exactly in its range.
  size_t at = 0;
  const SpoolRecord* recs = out->data();
  for (size_t r = 0; r < row_entries.size(); ++r) {
    const size_t e = at + static_cast<size_t>(row_entries[r]);
    if (at < e && (recs[at].row != r || recs[e - 1].row != r)) return mismatch;
    at = e;
  }
  return absl::OkStatus();
}

void SortRow(SpoolRecord* begin, SpoolRecord* end) {
  if (end - begin <= 32) {
    for (SpoolRecord* i = begin + 1; i < end; ++i) {
      const SpoolRecord e = *i;
      SpoolRecord* j = i;
      while (j > begin && EntryLess(e, j[-1])) {
        *j = j[-1];
        --j;
      }
      *j = e;
    }
  } else {
    std::sort(begin, end, EntryLess);
  }
}

}  // namespace tailor
