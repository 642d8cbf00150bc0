#include "core/dataset/entity_table.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/dataset/tsv.h"

namespace tailor {
namespace {

// Fibonacci hashing: keys are already hashes, but tests and callers may use
// small keys; multiplying spreads any key over the table.
constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;
constexpr int kInitialBits = 10;

}  // namespace

EntityTable::EntityTable(std::string kind) : kind_(std::move(kind)) {
  Slot empty{};
  empty.ordinal = kEmpty;
  slots_.assign(size_t{1} << kInitialBits, empty);
  shift_ = 64 - kInitialBits;
  grow_at_ = slots_.size() * 7 / 10;
}

size_t EntityTable::HomeOf(uint64_t key) const {
  return static_cast<size_t>((key * kMultiplier) >> shift_);
}

void EntityTable::Grow() {
  Slot empty{};
  empty.ordinal = kEmpty;
  std::vector<Slot, AlignedAllocator<Slot>> old(slots_.size() * 2, empty);
  old.swap(slots_);
  --shift_;
  grow_at_ = slots_.size() * 7 / 10;
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.ordinal == kEmpty) continue;
    size_t i = HomeOf(s.key);
    while (slots_[i].ordinal != kEmpty) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

EntityTable::Probe EntityTable::MakeProbe(uint64_t key, absl::string_view id,
                                          uint32_t index) {
  Probe p;
  p.key = key;
  p.index = index;
  p.id_size = static_cast<uint8_t>(std::min<size_t>(id.size(), 255));
  std::memset(p.id_prefix, 0, kInlineIdBytes);
  std::memcpy(p.id_prefix, id.data(), std::min(id.size(), kInlineIdBytes));
  return p;
}

inline EntityTable::Slot* EntityTable::FindOrInsert(const Probe& probe,
                                                    const absl::string_view* id,
                                                    bool* inserted,
                                                    absl::Status* status) {
  if (keys_.size() >= grow_at_) Grow();
  const size_t mask = slots_.size() - 1;
  const uint64_t key = probe.key;
  for (size_t i = HomeOf(key);; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.ordinal == kEmpty) {
      if (keys_.size() >= kEmpty - 1) {
        *status = absl::ResourceExhaustedError(
            absl::StrCat("more than 2^32 - 1 distinct ", kind_, "s"));
        return nullptr;
      }
      slot.key = key;
      slot.entries = 0;
      slot.ordinal = static_cast<uint32_t>(keys_.size());
      std::memcpy(&slot.id_size, &probe.id_size, 1 + kInlineIdBytes);
      keys_.push_back(key);
      ids_.append(id->data(), id->size());
      id_offsets_.push_back(ids_.size());
      *inserted = true;
      return &slot;
    }
    if (slot.key != key) continue;
    // The stored id must be this id: compare size and inline bytes (fixed
    // size, inside the slot), and the rest in the arena only for long ids.
    bool same =
        std::memcmp(&slot.id_size, &probe.id_size, 1 + kInlineIdBytes) == 0;
    if (same && probe.id_size > kInlineIdBytes) {
      same = this->external_id(slot.ordinal) == *id;
    }
    if (!same) {
      *status = absl::FailedPreconditionError(absl::StrFormat(
          "%s key collision: external ids \"%s\" and \"%s\" both hash to key "
          "%016x (a 64-bit hash collision); the dataset cannot hold both",
          kind_, absl::CHexEscape(this->external_id(slot.ordinal)),
          absl::CHexEscape(*id), key));
      return nullptr;
    }
    *inserted = false;
    return &slot;
  }
}

absl::StatusOr<uint32_t> EntityTable::Intern(uint64_t key,
                                             absl::string_view external_id,
                                             bool* inserted) {
  bool added = false;
  absl::Status status;
  Slot* slot = FindOrInsert(MakeProbe(key, external_id, 0), &external_id,
                            &added, &status);
  if (slot == nullptr) return status;
  if (inserted != nullptr) *inserted = added;
  return slot->ordinal;
}

absl::Status EntityTable::InternBatch(absl::Span<const uint64_t> keys,
                                      absl::Span<const absl::string_view> ids,
                                      uint32_t* ordinals,
                                      std::vector<uint32_t>* first_seen,
                                      size_t* failed_index) {
  const size_t n = keys.size();
  // Large tables: visit the batch in order of the top 16 bits of the home
  // slot (stable counting passes, so the first index of a new id still
  // comes first): with batches of about a million, lookups sweep the table
  // almost sequentially instead of missing at random. The first pass (top 8
  // bits) goes through memory; the second sorts each of its 256 buckets in
  // cache. The probes carry what a lookup reads, so the sorted pass reads
  // them sequentially too.
  const int table_bits = 64 - shift_;
  const bool reorder = n >= 1024 && table_bits > 15;
  probes_.resize(n);
  probes_scratch_.resize(reorder ? n : 0);
  Probe* const made = reorder ? probes_scratch_.data() : probes_.data();
  if (reorder) counts_.assign(256, 0);
  for (size_t i = 0; i < n; ++i) {
    made[i] = MakeProbe(keys[i], ids[i], static_cast<uint32_t>(i));
    if (reorder) ++counts_[(keys[i] * kMultiplier) >> 56];
  }
  const Probe* order = probes_.data();
  if (reorder) {
    uint32_t sum = 0;
    for (uint32_t& c : counts_) {
      const uint32_t k = c;
      c = sum;
      sum += k;
    }
    for (size_t i = 0; i < n; ++i) {
      probes_[counts_[(made[i].key * kMultiplier) >> 56]++] = made[i];
    }
    // Then each bucket (a few thousand probes, in cache) by the next 8 bits,
    // back into the scratch array: the lookups then sweep the table in
    // order, 1/65536 of it at a time.
    uint32_t sub[256];
    uint32_t begin = 0;
    for (size_t b = 0; b < 256; ++b) {
      const uint32_t end = counts_[b];
      if (end - begin <= 1) {
        if (end > begin) probes_scratch_[begin] = probes_[begin];
        begin = end;
        continue;
      }
      std::fill(sub, sub + 256, 0);
      for (uint32_t i = begin; i < end; ++i) {
        ++sub[((probes_[i].key * kMultiplier) >> 48) & 255];
      }
      uint32_t at = begin;
      for (uint32_t& c : sub) {
        const uint32_t k = c;
        c = at;
        at += k;
      }
      for (uint32_t i = begin; i < end; ++i) {
        const Probe& p = probes_[i];
        probes_scratch_[sub[((p.key * kMultiplier) >> 48) & 255]++] = p;
      }
      begin = end;
    }
    order = probes_scratch_.data();
  }
  constexpr size_t kAhead = 16;
  for (size_t j = 0; j < std::min(n, kAhead); ++j) {
    __builtin_prefetch(&slots_[HomeOf(order[j].key)]);
  }
  absl::Status status;
  for (size_t j = 0; j < n; ++j) {
    if (j + kAhead < n)
      __builtin_prefetch(&slots_[HomeOf(order[j + kAhead].key)]);
    const Probe& probe = order[j];
    const uint32_t i = probe.index;
    bool inserted = false;
    Slot* slot = FindOrInsert(probe, &ids[i], &inserted, &status);
    if (slot == nullptr) {
      *failed_index = i;
      return status;
    }
    ++slot->entries;
    ordinals[i] = slot->ordinal;
    if (inserted) first_seen->push_back(i);
  }
  return absl::OkStatus();
}

void EntityTable::AddEntries(uint32_t ordinal, int64_t n) {
  const uint64_t key = keys_[ordinal];
  const size_t mask = slots_.size() - 1;
  size_t i = HomeOf(key);
  while (slots_[i].ordinal != ordinal) i = (i + 1) & mask;
  slots_[i].entries += static_cast<uint64_t>(n);
}

std::vector<int64_t> EntityTable::EntryCounts() const {
  std::vector<int64_t> counts(keys_.size(), 0);
  for (const Slot& s : slots_) {
    if (s.ordinal != kEmpty)
      counts[s.ordinal] = static_cast<int64_t>(s.entries);
  }
  return counts;
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
  // LSD radix sort of (key, ordinal) pairs by 8-bit digits; digits that all
  // keys share are skipped. Keys are unique.
  const size_t n = keys_.size();
  std::vector<std::pair<uint64_t, uint32_t>> a(n), b(n);
  std::vector<size_t> counts(8 * 256, 0);
  for (uint32_t o = 0; o < n; ++o) {
    a[o] = {keys_[o], o};
    for (int d = 0; d < 8; ++d)
      ++counts[d * 256 + ((keys_[o] >> (8 * d)) & 255)];
  }
  for (int d = 0; d < 8; ++d) {
    size_t* c = &counts[d * 256];
    if (std::any_of(c, c + 256, [n](size_t x) { return x == n; })) continue;
    size_t sum = 0;
    for (int v = 0; v < 256; ++v) {
      const size_t k = c[v];
      c[v] = sum;
      sum += k;
    }
    for (const auto& p : a) b[c[(p.first >> (8 * d)) & 255]++] = p;
    a.swap(b);
  }
  std::vector<uint32_t> order(n);
  for (size_t d = 0; d < n; ++d) order[d] = a[d].second;
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

void EntityTable::PrefetchTsvLine(uint32_t ordinal) const {
  __builtin_prefetch(&keys_[ordinal]);
  __builtin_prefetch(&id_offsets_[ordinal]);
}

void EntityTable::AppendTsvLine(uint32_t ordinal, std::string* out) const {
  static constexpr char kHex[] = "0123456789abcdef";
  char hex[17];
  const uint64_t key = keys_[ordinal];
  for (int i = 0; i < 16; ++i) hex[i] = kHex[(key >> (60 - 4 * i)) & 15];
  hex[16] = '\t';
  out->append(hex, sizeof(hex));
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
