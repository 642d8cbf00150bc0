#include "core/format/factor_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/format/format.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

// Section ids and the meta layout (docs/formats/factor_table.md).
constexpr uint32_t kMetaId = 1;
constexpr uint32_t kKeysId = 2;
constexpr uint32_t kFactorsId = 3;
constexpr uint32_t kBiasesId = 4;
constexpr size_t kMetaWords = 4;
enum MetaWord { kRows = 0, kDim = 1, kHasBiases = 2 };

// Index of the first non-finite value, or -1 (a branch-free scan first).
int64_t FirstNonFinite(const float* p, size_t n) {
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &p[i], sizeof(bits));
    bad |= static_cast<uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
  }
  if (bad == 0) return -1;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(p[i])) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace

FactorTable::FactorTable(int64_t rows, int dim) : rows_(rows), dim_(dim) {
  if (rows < 0 || dim < 0 || dim > kMaxDim) {
    std::fprintf(stderr, "FactorTable: bad shape rows=%lld dim=%d\n",
                 static_cast<long long>(rows), dim);
    std::abort();
  }
  data_.assign(static_cast<size_t>(rows) * dim, 0.0f);
  keys_.assign(rows, 0);
}

int64_t FactorTable::FindRow(uint64_t key) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
  if (it == keys_.end() || *it != key) return -1;
  return it - keys_.begin();
}

absl::Status ValidateFactorTable(const FactorTable& table,
                                 absl::string_view what) {
  const int64_t rows = table.rows();
  if (static_cast<int64_t>(table.keys().size()) != rows) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", table.keys().size(), " keys for ", rows, " rows"));
  }
  if (!table.biases().empty() &&
      static_cast<int64_t>(table.biases().size()) != rows) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", table.biases().size(), " biases for ", rows,
                     " rows (expected 0 or ", rows, ")"));
  }
  if (table.data().size() != static_cast<size_t>(rows) * table.dim()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", table.data().size(), " factor values for ",
                     rows, " rows of dim ", table.dim()));
  }
  const uint64_t* keys = table.keys().data();
  bool sorted = true;
  for (int64_t i = 1; i < rows; ++i) sorted &= keys[i - 1] < keys[i];
  if (!sorted) {
    for (int64_t i = 1; i < rows; ++i) {
      if (keys[i - 1] >= keys[i]) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": keys not strictly ascending at row ", i, " (",
                         keys[i - 1], " then ", keys[i], ")"));
      }
    }
  }
  int64_t bad = FirstNonFinite(table.data().data(), table.data().size());
  if (bad >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": non-finite factor ", table.data()[bad], " at row ",
        bad / table.dim(), " column ", bad % table.dim()));
  }
  bad = FirstNonFinite(table.biases().data(), table.biases().size());
  if (bad >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": non-finite bias ", table.biases()[bad], " at row ", bad));
  }
  return absl::OkStatus();
}

absl::Status WriteFactorTable(FileSystem* fs, const std::string& path,
                              const FactorTable& table) {
  TAILOR_RETURN_IF_ERROR(ValidateFactorTable(
      table, absl::StrCat(path, ": cannot write invalid factor table")));
  uint64_t meta[kMetaWords] = {};
  meta[kRows] = static_cast<uint64_t>(table.rows());
  meta[kDim] = static_cast<uint64_t>(table.dim());
  meta[kHasBiases] = table.has_biases() ? 1 : 0;
  FormatWriter writer(kFactorTableFileType);
  writer.AddSection<uint64_t>(kMetaId, "meta", meta);
  writer.AddSection<uint64_t>(kKeysId, "keys", table.keys());
  writer.AddSection<float>(kFactorsId, "factors", table.data());
  writer.AddSection<float>(kBiasesId, "biases", table.biases());
  return writer.WriteFile(fs, path);
}

absl::StatusOr<FactorTable> ReadFactorTable(FileSystem* fs,
                                            const std::string& path) {
  TAILOR_ASSIGN_OR_RETURN(AlignedBuffer buffer, ReadFileAligned(fs, path));
  TAILOR_ASSIGN_OR_RETURN(
      FormatReader reader,
      FormatReader::Open(buffer.view(), path, kFactorTableFileType));
  TAILOR_ASSIGN_OR_RETURN(auto meta, reader.Array<uint64_t>(kMetaId, "meta"));
  TAILOR_ASSIGN_OR_RETURN(auto keys, reader.Array<uint64_t>(kKeysId, "keys"));
  TAILOR_ASSIGN_OR_RETURN(auto factors,
                          reader.Array<float>(kFactorsId, "factors"));
  TAILOR_ASSIGN_OR_RETURN(auto biases,
                          reader.Array<float>(kBiasesId, "biases"));
  auto corrupt = [&path](auto&&... parts) {
    return absl::DataLossError(absl::StrCat(path, ": ", parts...));
  };
  if (meta.size() != kMetaWords) {
    return corrupt("section 'meta' has ", meta.size(), " words, expected ",
                   kMetaWords);
  }
  if (meta[3] != 0) return corrupt("meta word 3 is reserved but not 0");
  const uint64_t rows = meta[kRows];
  const uint64_t dim = meta[kDim];
  if (dim > static_cast<uint64_t>(FactorTable::kMaxDim)) {
    return corrupt("dim ", dim, " exceeds the maximum ", FactorTable::kMaxDim);
  }
  if (keys.size() != rows) {
    return corrupt("section 'keys' has ", keys.size(), " entries for ", rows,
                   " rows");
  }
  if ((dim == 0 && !factors.empty()) ||
      (dim != 0 &&
       (factors.size() % dim != 0 || factors.size() / dim != rows))) {
    return corrupt("section 'factors' has ", factors.size(),
                   " values, expected ", rows, " rows x dim ", dim);
  }
  if (meta[kHasBiases] > 1 ||
      biases.size() != (meta[kHasBiases] == 1 ? rows : 0)) {
    return corrupt("section 'biases' has ", biases.size(),
                   " entries but meta has_biases = ", meta[kHasBiases], " and ",
                   rows, " rows");
  }
  FactorTable table;
  table.rows_ = static_cast<int64_t>(rows);
  table.dim_ = static_cast<int>(dim);
  table.data_.assign(factors.begin(), factors.end());
  table.keys_.assign(keys.begin(), keys.end());
  table.biases_.assign(biases.begin(), biases.end());
  absl::Status valid = ValidateFactorTable(table, path);
  if (!valid.ok()) return absl::DataLossError(valid.message());
  return table;
}

}  // namespace tailor
