#include "core/dataset/entity_table.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

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
  auto [it, added] = ordinal_of_key_.try_emplace(key);
  if (inserted != nullptr) *inserted = added;
  Slot& slot = it->second;
  const size_t inline_size = std::min(external_id.size(), kInlineIdBytes);
  if (added) {
    if (next == UINT32_MAX) {
      ordinal_of_key_.erase(it);
      return absl::ResourceExhaustedError(
          absl::StrCat("more than 2^32 - 1 distinct ", kind_, "s"));
    }
    slot.ordinal = next;
    slot.id_size =
        static_cast<uint8_t>(std::min<size_t>(external_id.size(), 255));
    std::memcpy(slot.id_prefix, external_id.data(), inline_size);
    keys_.push_back(key);
    ids_.append(external_id.data(), external_id.size());
    id_offsets_.push_back(ids_.size());
    return next;
  }
  // The stored id must be this id: compare the inline bytes, and the rest
  // in the arena only for long ids.
  bool same = slot.id_size == std::min<size_t>(external_id.size(), 255) &&
              std::memcmp(slot.id_prefix, external_id.data(), inline_size) == 0;
  if (same && external_id.size() > kInlineIdBytes) {
    same = this->external_id(slot.ordinal) == external_id;
  }
  if (!same) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s key collision: external ids \"%s\" and \"%s\" both hash to key "
        "%016x (a 64-bit hash collision); the dataset cannot hold both",
        kind_, absl::CHexEscape(this->external_id(slot.ordinal)),
        absl::CHexEscape(external_id), key));
  }
  return slot.ordinal;
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
  // Sorting (key, ordinal) pairs in place is much faster than sorting
  // ordinals through an indirection. Keys are unique.
  std::vector<std::pair<uint64_t, uint32_t>> pairs(keys_.size());
  for (uint32_t o = 0; o < keys_.size(); ++o) pairs[o] = {keys_[o], o};
  std::sort(pairs.begin(), pairs.end());
  std::vector<uint32_t> order(pairs.size());
  for (size_t d = 0; d < pairs.size(); ++d) order[d] = pairs[d].second;
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
