#include "parameter_server/table.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "parameter_server/initializer.h"
#include "parameter_server/ps_error.h"

namespace tailor {
namespace {

constexpr int64_t kBlockBytes = 1 << 20;

}  // namespace

Table::Table(const TableSpec& spec)
    : spec_(spec),
      rows_per_block_(std::max<int64_t>(
          1, kBlockBytes / (static_cast<int64_t>(sizeof(float)) * spec.dim))) {}

uint64_t Table::bytes() const {
  const uint64_t block = rows_per_block_ * spec_.dim * sizeof(float);
  return block * (blocks_.size() + acc_blocks_.size()) +
         index_.capacity() * (sizeof(uint64_t) + sizeof(uint32_t) + 1) +
         keys_.capacity() * sizeof(uint64_t);
}

float* Table::Row(uint32_t index) {
  return blocks_[index / rows_per_block_].get() +
         (index % rows_per_block_) * spec_.dim;
}

const float* Table::Row(uint32_t index) const {
  return blocks_[index / rows_per_block_].get() +
         (index % rows_per_block_) * spec_.dim;
}

float* Table::Accumulator(uint32_t index) {
  return acc_blocks_[index / rows_per_block_].get() +
         (index % rows_per_block_) * spec_.dim;
}

uint32_t Table::AddRow(uint64_t key) {
  const uint32_t index = static_cast<uint32_t>(keys_.size());
  if (index % rows_per_block_ == 0) {
    const size_t n = static_cast<size_t>(rows_per_block_) * spec_.dim;
    blocks_.emplace_back(new float[n]);
    if (acc_on_) {
      acc_blocks_.emplace_back(new float[n]);
      std::fill_n(acc_blocks_.back().get(), n, initial_accumulator_);
    }
  }
  keys_.push_back(key);
  index_.emplace(key, index);
  return index;
}

void Table::EnableAccumulators(float initial) {
  if (acc_on_) return;
  acc_on_ = true;
  initial_accumulator_ = initial;
  const size_t n = static_cast<size_t>(rows_per_block_) * spec_.dim;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    acc_blocks_.emplace_back(new float[n]);
    std::fill_n(acc_blocks_.back().get(), n, initial);
  }
}

absl::Status Table::Read(absl::Span<const uint64_t> keys, bool require_existing,
                         float* out) const {
  const int dim = spec_.dim;
  for (size_t i = 0; i < keys.size(); ++i) {
    float* dst = out + i * dim;
    auto it = index_.find(keys[i]);
    if (it != index_.end()) {
      std::memcpy(dst, Row(it->second), sizeof(float) * dim);
    } else if (require_existing) {
      ErrorDetail detail;
      detail.reason = v1::ERROR_REASON_KEY_NOT_FOUND;
      detail.subject = spec_.name;
      detail.field = "keys.keys";
      detail.index = static_cast<int64_t>(i);
      detail.key = keys[i];
      return PsError(
          absl::StatusCode::kNotFound, detail,
          absl::StrCat("Pull from table '", spec_.name, "': key ", keys[i],
                       " (index ", i, ") was never written"));
    } else {
      InitialRow(spec_.init, keys[i], absl::Span<float>(dst, dim));
    }
  }
  return absl::OkStatus();
}

Table::ApplyCounts Table::Apply(absl::Span<const uint64_t> keys,
                                const float* values, const UpdateRule& rule) {
  const int dim = spec_.dim;
  const float initial_acc = rule.InitialAccumulator();
  if (initial_acc > 0) EnableAccumulators(initial_acc);
  ApplyCounts counts;
  index_.reserve(index_.size() + keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    uint32_t index;
    auto it = index_.find(keys[i]);
    if (it != index_.end()) {
      index = it->second;
    } else {
      index = AddRow(keys[i]);
      ++counts.rows_created;
      if (!rule.OverwritesRow()) {
        InitialRow(spec_.init, keys[i], absl::Span<float>(Row(index), dim));
      }
    }
    rule.Apply(values + i * dim, Row(index),
               initial_acc > 0 ? Accumulator(index) : nullptr, dim);
  }
  counts.rows_applied = static_cast<int64_t>(keys.size());
  ++version_;
  return counts;
}

void Table::AddToGram(const GramSelection& selection,
                      GramAccumulator* gram) const {
  switch (selection.kind) {
    case GramSelection::Kind::kAllStored:
      for (uint32_t i = 0; i < keys_.size(); ++i) gram->AddRow(Row(i));
      return;
    case GramSelection::Kind::kKeyRange:
      for (uint32_t i = 0; i < keys_.size(); ++i) {
        const uint64_t key = keys_[i];
        if (key >= selection.begin &&
            (selection.end == 0 || key < selection.end)) {
          gram->AddRow(Row(i));
        }
      }
      return;
    case GramSelection::Kind::kKeys: {
      std::vector<float> scratch(spec_.dim);
      for (uint64_t key : selection.keys) {
        auto it = index_.find(key);
        if (it != index_.end()) {
          gram->AddRow(Row(it->second));
        } else {
          InitialRow(spec_.init, key, absl::MakeSpan(scratch));
          gram->AddRow(scratch.data());
        }
      }
      return;
    }
  }
}

void Table::ExportSorted(std::vector<uint64_t>* keys,
                         std::vector<float>* values,
                         std::vector<float>* accumulators) const {
  const int dim = spec_.dim;
  std::vector<uint32_t> order(keys_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [this](uint32_t a, uint32_t b) { return keys_[a] < keys_[b]; });
  keys->resize(order.size());
  values->resize(order.size() * dim);
  accumulators->clear();
  if (acc_on_) accumulators->resize(order.size() * dim);
  Table* self = const_cast<Table*>(this);  // Accumulator() has no const twin.
  for (size_t i = 0; i < order.size(); ++i) {
    (*keys)[i] = keys_[order[i]];
    std::memcpy(values->data() + i * dim, Row(order[i]), sizeof(float) * dim);
    if (acc_on_) {
      std::memcpy(accumulators->data() + i * dim, self->Accumulator(order[i]),
                  sizeof(float) * dim);
    }
  }
}

absl::StatusOr<std::unique_ptr<Table>> Table::FromRows(
    const TableSpec& spec, absl::Span<const uint64_t> keys,
    absl::Span<const float> values, absl::Span<const float> accumulators,
    float initial_accumulator, uint64_t version) {
  absl::Status valid = ValidateTableSpec(spec);
  if (!valid.ok()) return valid;
  const size_t dim = spec.dim;
  if (values.size() != keys.size() * dim ||
      (!accumulators.empty() && accumulators.size() != values.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "table '", spec.name, "': ", keys.size(), " keys of dim ", dim,
        " need ", keys.size() * dim, " values, have ", values.size(),
        " values and ", accumulators.size(), " accumulators"));
  }
  auto table = std::make_unique<Table>(spec);
  if (!accumulators.empty() || initial_accumulator > 0) {
    table->EnableAccumulators(initial_accumulator > 0 ? initial_accumulator
                                                      : 0.1f);
  }
  table->index_.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (table->index_.contains(keys[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table '", spec.name, "': key ", keys[i], " appears twice"));
    }
    const uint32_t index = table->AddRow(keys[i]);
    std::memcpy(table->Row(index), values.data() + i * dim,
                sizeof(float) * dim);
    if (!accumulators.empty()) {
      std::memcpy(table->Accumulator(index), accumulators.data() + i * dim,
                  sizeof(float) * dim);
    }
  }
  table->version_ = version;
  return table;
}

}  // namespace tailor
