#ifndef TAILOR_CORE_DATASET_ENTITY_TABLE_H_
#define TAILOR_CORE_DATASET_ENTITY_TABLE_H_

// The users or items met while writing a dataset: key -> ordinal (first-seen
// order), the external id of each, optional attributes, and the writer of
// users.tsv / items.tsv. Memory grows with the number of entities only.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/format/aligned_buffer.h"

namespace tailor {

// Not thread-safe.
class EntityTable {
 public:
  // `kind` ("user" or "item") appears in error messages.
  explicit EntityTable(std::string kind) : kind_(std::move(kind)) {}

  // Returns the ordinal of `key`, adding it (with `external_id`) when new;
  // `*inserted` (optional) says which. FAILED_PRECONDITION when `key` is
  // already held by a different external id (a 64-bit hash collision); the
  // message names both ids.
  absl::StatusOr<uint32_t> Intern(uint64_t key, absl::string_view external_id,
                                  bool* inserted = nullptr);

  void SetAttributeNames(std::vector<std::string> names);
  const std::vector<std::string>& attribute_names() const { return names_; }
  // `values` must hold one value per attribute name.
  void SetAttributes(uint32_t ordinal, absl::Span<const std::string> values);
  bool HasAttributes(uint32_t ordinal) const;

  // Hints that `key` will be interned soon (prefetches its hash slot).
  void Prefetch(uint64_t key) const { ordinal_of_key_.prefetch(key); }

  size_t size() const { return keys_.size(); }
  uint64_t key(uint32_t ordinal) const { return keys_[ordinal]; }
  absl::string_view external_id(uint32_t ordinal) const;

  // Ordinals in ascending key order: SortedOrder()[dense] = ordinal.
  std::vector<uint32_t> SortedOrder() const;

  // Appends the TSV header line ("key\tid\t<attributes>\n").
  void AppendTsvHeader(std::string* out) const;
  // Appends the TSV line of `ordinal`: key as 16 lowercase hex digits, the
  // id, then the attributes (empty when unset), all escaped.
  void AppendTsvLine(uint32_t ordinal, std::string* out) const;

 private:
  // The ordinal of a key and the id's first bytes, so that the id check on
  // a lookup usually needs no second memory access (ids up to
  // kInlineIdBytes long are compared entirely inside the hash slot).
  static constexpr size_t kInlineIdBytes = 11;
  struct Slot {
    uint32_t ordinal;
    uint8_t id_size;  // min(id size, 255)
    char id_prefix[kInlineIdBytes];
  };

  // Large tables come from huge pages (AlignedAllocator), which saves a TLB
  // miss on most lookups once the table outgrows the TLB's reach.
  using Map =
      absl::flat_hash_map<uint64_t, Slot, absl::Hash<uint64_t>,
                          std::equal_to<uint64_t>,
                          AlignedAllocator<std::pair<const uint64_t, Slot>>>;

  std::string kind_;
  Map ordinal_of_key_;
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> id_offsets_ = {0};  // ids_[offsets[o], offsets[o+1])
  std::string ids_;
  std::vector<std::string> names_;
  std::vector<std::vector<std::string>> attributes_;  // by ordinal; lazily
};

}  // namespace tailor

#endif  // TAILOR_CORE_DATASET_ENTITY_TABLE_H_
