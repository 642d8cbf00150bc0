#include "core/dataset/entity_table.h"

#include <algorithm>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/dataset/tsv.h"

namespace tailor {

absl::StatusOr<uint32_t> EntityTable::Intern(uint64_t key,
                                             absl::string_view external_id,
                                             bool* inserted) {
  const uint32_t next = static_cast<uint32_t>(keys_.size());
  auto [it, added] = ordinal_of_key_.try_emplace(key, next);
  if (inserted != nullptr) *inserted = added;
  if (added) {
    if (next == UINT32_MAX) {
      ordinal_of_key_.erase(it);
      return absl::ResourceExhaustedError(
          absl::StrCat("more than 2^32 - 1 distinct ", kind_, "s"));
    }
    keys_.push_back(key);
    ids_.append(external_id.data(), external_id.size());
    id_offsets_.push_back(ids_.size());
    return next;
  }
  const uint32_t ordinal = it->second;
  const absl::string_view stored = this->external_id(ordinal);
  if (stored != external_id) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s key collision: external ids \"%s\" and \"%s\" both hash to key "
        "%016x (a 64-bit hash collision); the dataset cannot hold both",
        kind_, absl::CHexEscape(stored), absl::CHexEscape(external_id), key));
  }
  return ordinal;
}

absl::string_view EntityTable::external_id(uint32_t ordinal) const {
  return absl::string_view(ids_).substr(
      id_offsets_[ordinal], id_offsets_[ordinal + 1] - id_offsets_[ordinal]);
}

void EntityTable::SetAttributeNames(std::vector<std::string> names) {
  names_ = std::move(names);
}

void EntityTable::SetAttributes(uint32_t ordinal,
                                absl::Span<const std::string> values) {
  if (attributes_.size() <= ordinal) attributes_.resize(ordinal + 1);
  attributes_[ordinal].assign(values.begin(), values.end());
}

bool EntityTable::HasAttributes(uint32_t ordinal) const {
  return ordinal < attributes_.size() && !attributes_[ordinal].empty();
}

std::vector<uint32_t> EntityTable::SortedOrder() const {
  std::vector<uint32_t> order(keys_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [this](uint32_t a, uint32_t b) { return keys_[a] < keys_[b]; });
  return order;
}

void EntityTable::AppendTsvHeader(std::string* out) const {
  out->append("key\tid");
  for (const std::string& name : names_) {
    out->push_back('\t');
    AppendTsvEscaped(name, out);
  }
  out->push_back('\n');
}

void EntityTable::AppendTsvLine(uint32_t ordinal, std::string* out) const {
  absl::StrAppendFormat(out, "%016x\t", keys_[ordinal]);
  AppendTsvEscaped(external_id(ordinal), out);
  const bool has = HasAttributes(ordinal);
  for (size_t i = 0; i < names_.size(); ++i) {
    out->push_back('\t');
    if (has && i < attributes_[ordinal].size()) {
      AppendTsvEscaped(attributes_[ordinal][i], out);
    }
  }
  out->push_back('\n');
}

}  // namespace tailor
