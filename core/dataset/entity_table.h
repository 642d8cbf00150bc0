#ifndef TAILOR_CORE_DATASET_ENTITY_TABLE_H_
#define TAILOR_CORE_DATASET_ENTITY_TABLE_H_

// The users or items met while writing a dataset: key -> ordinal (first-seen
// order), the external id of each, the number of entries (interactions) of
// each, optional attributes, and the writer of users.tsv / items.tsv. Memory
// grows with the number of entities only.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/format/aligned_buffer.h"

namespace tailor {

// Not thread-safe.
class EntityTable {
 public:
  // `kind` ("user" or "item") appears in error messages.
  explicit EntityTable(std::string kind);

  // Returns the ordinal of `key`, adding it (with `external_id`) when new;
  // `*inserted` (optional) says which. FAILED_PRECONDITION when `key` is
  // already held by a different external id (a 64-bit hash collision); the
  // message names both ids. Counts no entry.
  absl::StatusOr<uint32_t> Intern(uint64_t key, absl::string_view external_id,
                                  bool* inserted = nullptr);

  // Interns ids[i] under keys[i] for every i, sets ordinals[i] and adds one
  // entry to the count of each id (one interaction per element). Indices i
  // that added a new id are appended to *first_seen (the smallest index of
  // each new id). Lookups are prefetched several elements ahead, so a batch
  // overlaps its cache misses. On a key
  // collision returns FAILED_PRECONDITION (as Intern) and sets *failed_index;
  // elements may then be partly interned.
  absl::Status InternBatch(absl::Span<const uint64_t> keys,
                           absl::Span<const absl::string_view> ids,
                           uint32_t* ordinals,
                           std::vector<uint32_t>* first_seen,
                           size_t* failed_index);

  // Adds `n` entries to the count of `ordinal` (< size()).
  void AddEntries(uint32_t ordinal, int64_t n);
  // Entries counted so far, by ordinal.
  std::vector<int64_t> EntryCounts() const;

  void SetAttributeNames(std::vector<std::string> names);
  const std::vector<std::string>& attribute_names() const { return names_; }
  // `values` must hold one value per attribute name.
  void SetAttributes(uint32_t ordinal, absl::Span<const std::string> values);
  bool HasAttributes(uint32_t ordinal) const;

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
  // Hints that AppendTsvLine(ordinal) comes soon (a cache prefetch).
  void PrefetchTsvLine(uint32_t ordinal) const;

 private:
  // One slot of the open-addressing (linear probing) table, half a cache
  // line: the key, its entry count, its ordinal and the id's first bytes, so
  // that the id check on a lookup usually needs no second memory access (ids
  // up to kInlineIdBytes long are compared entirely inside the slot).
  static constexpr size_t kInlineIdBytes = 11;
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t key;
    uint64_t entries;
    uint32_t ordinal;                // kEmpty: free slot
    uint8_t id_size;                 // min(id size, 255)
    char id_prefix[kInlineIdBytes];  // zero-padded
  };
  static_assert(sizeof(Slot) == 32, "two slots per cache line");
  // A lookup: the key, and the id's size and zero-padded first bytes laid
  // out as in Slot, so that comparing them is two fixed-size loads that stay
  // inside the slot's cache line.
  struct Probe {
    uint64_t key;
    uint8_t id_size;
    char id_prefix[kInlineIdBytes];
  };
  static_assert(sizeof(Probe) == 24, "probe layout");
  static Probe MakeProbe(uint64_t key, absl::string_view id);

  size_t HomeOf(uint64_t key) const;
  void Grow();
  // Finds or inserts `key` in slot `home` onwards; returns the slot or
  // nullptr on a collision or when the ordinal space is exhausted (*status).
  // `*id` is read only to insert or to compare a long id.
  Slot* FindOrInsert(const Probe& probe, const absl::string_view* id,
                     bool* inserted, absl::Status* status);

  std::string kind_;
  // Huge-page backed (AlignedAllocator): saves a TLB miss on most lookups
  // once the table outgrows the TLB's reach.
  std::vector<Slot, AlignedAllocator<Slot>> slots_;
  int shift_ = 64;  // home slot = (key * multiplier) >> shift_
  size_t grow_at_ = 0;
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> id_offsets_ = {0};  // ids_[offsets[o], offsets[o+1])
  std::string ids_;
  std::vector<std::string> names_;
  std::vector<std::vector<std::string>> attributes_;  // by ordinal; lazily
};

}  // namespace tailor

#endif  // TAILOR_CORE_DATASET_ENTITY_TABLE_H_
