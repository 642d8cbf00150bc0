#include "core/dataset/entity_table.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/base/config.h"
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

EntityTable::Probe EntityTable::MakeProbe(uint64_t key, absl::string_view id) {
  Probe p;
  p.key = key;
  p.id_size = static_cast<uint8_t>(std::min<size_t>(id.size(), 255));
  const size_t n = std::min(id.size(), kInlineIdBytes);
#if !defined(ABSL_HAVE_ADDRESS_SANITIZER) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // Two 8-byte loads masked to the id's first n bytes, when 16 bytes from
  // the id's start stay on its page (a read that cannot fault): no byte
  // copies, whose store-to-load forwarding stalls cost more than the rest
  // of the probe.
  if ((reinterpret_cast<uintptr_t>(id.data()) & 4095) <= 4096 - 16) {
    uint64_t lo, hi;
    std::memcpy(&lo, id.data(), 8);
    std::memcpy(&hi, id.data() + 8, 8);
    if (n < 8) lo &= (uint64_t{1} << (8 * n)) - 1;
    hi = n <= 8 ? 0 : hi & ((uint64_t{1} << (8 * (n - 8))) - 1);
    std::memcpy(p.id_prefix, &lo, 8);
    std::memcpy(p.id_prefix + 8, &hi, kInlineIdBytes - 8);
    return p;
  }
#endif
  std::memset(p.id_prefix, 0, kInlineIdBytes);
  std::memcpy(p.id_prefix, id.data(), n);
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
  Slot* slot =
      FindOrInsert(MakeProbe(key, external_id), &external_id, &added, &status);
  if (slot == nullptr) return status;
  if (inserted != nullptr) *inserted = added;
  return slot->ordinal;
}

absl::Status EntityTable::InternBatch(absl::Span<const uint64_t> keys,
                                      absl::Span<const absl::string_view> ids,
                                      uint32_t* ordinals,
                                      std::vector<uint32_t>* first_seen,
                                      size_t* failed_index) {
  // Lookups in batch order, each slot prefetched (for writing: its entry
  // count is incremented) kAhead lookups before it is needed, so about
  // kAhead cache misses are in flight at a time. (Putting the lookups in
  // table order first, by counting passes over the probes, cost more than
  // it saved: measured in docs/ingest.md.)
  const size_t n = keys.size();
  constexpr size_t kAhead = 16;
  for (size_t j = 0; j < std::min(n, kAhead); ++j) {
    __builtin_prefetch(&slots_[HomeOf(keys[j])], 1);
  }
  absl::Status status;
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n)
      __builtin_prefetch(&slots_[HomeOf(keys[i + kAhead])], 1);
    bool inserted = false;
    Slot* slot =
        FindOrInsert(MakeProbe(keys[i], ids[i]), &ids[i], &inserted, &status);
    if (slot == nullptr) {
      *failed_index = i;
      return status;
    }
    ++slot->entries;
    ordinals[i] = slot->ordinal;
    if (inserted) first_seen->push_back(static_cast<uint32_t>(i));
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
