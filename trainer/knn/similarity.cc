#include "trainer/knn/similarity.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace tailor {
namespace {

struct Candidate {
  float sim;
  uint32_t id;
};

// Higher similarity first, then lower id. A function object so the heap
// and sort algorithms inline it.
struct BetterFn {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.sim > b.sim || (a.sim == b.sim && a.id < b.id);
  }
};
constexpr BetterFn Better;

// Per-metric accumulators over the co-occurring rows j of the current row,
// one cell per j holding the sums and the common-entry count n together (one
// cache line touched per update). Add() sees the current row's value x and
// row j's value y on one shared column and returns the count before it;
// Sim() turns the sums into a similarity; Reset() clears cell j.
struct CosineAcc {
  struct Cell {
    float dot = 0;
    int32_t n = 0;
  };
  std::vector<Cell> cells;
  const std::vector<float>* norms;
  void Resize(int64_t n) { cells.assign(n, Cell()); }
  int32_t Add(uint32_t j, float x, float y) {
    Cell& c = cells[j];
    c.dot += x * y;
    return c.n++;
  }
  int32_t Count(uint32_t j) const { return cells[j].n; }
  float Sim(int64_t e, uint32_t j) const {
    const float d = (*norms)[e] * (*norms)[j];
    return d > 0 ? cells[j].dot / d : 0.0f;
  }
  void Reset(uint32_t j) { cells[j] = Cell(); }
};

struct CoRatedCosineAcc {
  struct Cell {
    double prods = 0, sqi = 0, sqj = 0;
    int32_t n = 0;
  };
  std::vector<Cell> cells;
  void Resize(int64_t n) { cells.assign(n, Cell()); }
  int32_t Add(uint32_t j, float x, float y) {
    Cell& c = cells[j];
    c.prods += double{x} * y;
    c.sqi += double{x} * x;
    c.sqj += double{y} * y;
    return c.n++;
  }
  int32_t Count(uint32_t j) const { return cells[j].n; }
  float Sim(int64_t, uint32_t j) const {
    const Cell& c = cells[j];
    const double d = std::sqrt(c.sqi * c.sqj);
    return d > 0 ? static_cast<float>(c.prods / d) : 0.0f;
  }
  void Reset(uint32_t j) { cells[j] = Cell(); }
};

struct PearsonAcc {
  struct Cell {
    double prods = 0, si = 0, sj = 0, sqi = 0, sqj = 0;
    int32_t n = 0;
  };
  std::vector<Cell> cells;
  void Resize(int64_t n) { cells.assign(n, Cell()); }
  int32_t Add(uint32_t j, float x, float y) {
    Cell& c = cells[j];
    c.prods += double{x} * y;
    c.si += x;
    c.sj += y;
    c.sqi += double{x} * x;
    c.sqj += double{y} * y;
    return c.n++;
  }
  int32_t Count(uint32_t j) const { return cells[j].n; }
  float Sim(int64_t, uint32_t j) const {
    const Cell& c = cells[j];
    const double n = c.n;
    const double num = n * c.prods - c.si * c.sj;
    const double vi = n * c.sqi - c.si * c.si;
    const double vj = n * c.sqj - c.sj * c.sj;
    if (vi <= 0 || vj <= 0) return 0.0f;
    return static_cast<float>(num / (std::sqrt(vi) * std::sqrt(vj)));
  }
  void Reset(uint32_t j) { cells[j] = Cell(); }
};

struct MsdAcc {
  struct Cell {
    double sqdiff = 0;
    int32_t n = 0;
  };
  std::vector<Cell> cells;
  void Resize(int64_t n) { cells.assign(n, Cell()); }
  int32_t Add(uint32_t j, float x, float y) {
    Cell& c = cells[j];
    const double d = double{x} - y;
    c.sqdiff += d * d;
    return c.n++;
  }
  int32_t Count(uint32_t j) const { return cells[j].n; }
  float Sim(int64_t, uint32_t j) const {
    return static_cast<float>(1.0 / (cells[j].sqdiff / cells[j].n + 1.0));
  }
  void Reset(uint32_t j) { cells[j] = Cell(); }
};

// Fills out[e] with row e's best neighbours, sorted.
template <typename Acc>
void ComputeRows(const CsrMatrix& a, const CsrMatrix& at,
                 const SimilarityOptions& options, const Acc& proto,
                 std::vector<std::vector<Candidate>>& out) {
  const size_t k = options.max_neighbors;
  const double shrinkage = options.shrinkage;
  const int min_support = options.min_support;
#pragma omp parallel
  {
    Acc acc = proto;
    acc.Resize(a.rows);
    std::vector<uint32_t> touched;
    std::vector<Candidate> heap;
#pragma omp for schedule(dynamic, 16)
    for (int64_t e = 0; e < a.rows; ++e) {
      // Dense rows (many updates) skip the touched-list bookkeeping and scan
      // every slot afterwards; sparse rows track the slots they touch.
      int64_t updates = 0;
      for (int64_t p = a.indptr[e]; p < a.indptr[e + 1]; ++p) {
        updates += at.RowSize(a.indices[p]);
      }
      const bool dense = updates * 4 >= a.rows;
      const int64_t row_end = a.indptr[e + 1];
      for (int64_t p = a.indptr[e]; p < row_end; ++p) {
        const uint32_t o = a.indices[p];
        const float x = a.data[p];
        const int64_t end = at.indptr[o + 1];
        if (p + 4 < row_end) {
          // The other-side rows are visited in scattered order: fetch the
          // start of a later one while this one is processed.
          const int64_t ahead = at.indptr[a.indices[p + 4]];
          __builtin_prefetch(at.indices.data() + ahead);
          __builtin_prefetch(at.data.data() + ahead);
        }
        if (dense) {
          for (int64_t q = at.indptr[o]; q < end; ++q) {
            const uint32_t j = at.indices[q];
            acc.Add(j, x, at.data[q]);
          }
        } else {
          for (int64_t q = at.indptr[o]; q < end; ++q) {
            const uint32_t j = at.indices[q];
            if (acc.Add(j, x, at.data[q]) == 0) touched.push_back(j);
          }
        }
      }
      if (dense) {
        touched.clear();
        for (int64_t j = 0; j < a.rows; ++j) {
          if (acc.Count(j) != 0) touched.push_back(static_cast<uint32_t>(j));
        }
      }
      heap.clear();
      for (uint32_t j : touched) {
        const int32_t n = acc.Count(j);
        if (n >= min_support && j != e) {
          float s = acc.Sim(e, j);
          if (shrinkage > 0) s = static_cast<float>(s * n / (n + shrinkage));
          if (s > 0 && std::isfinite(s)) {
            const Candidate c{s, j};
            if (k == 0 || heap.size() < k) {
              heap.push_back(c);
              if (k != 0) std::push_heap(heap.begin(), heap.end(), Better);
            } else if (Better(c, heap.front())) {
              std::pop_heap(heap.begin(), heap.end(), Better);
              heap.back() = c;
              std::push_heap(heap.begin(), heap.end(), Better);
            }
          }
        }
        acc.Reset(j);
      }
      touched.clear();
      std::sort(heap.begin(), heap.end(), Better);
      out[e] = heap;
    }
  }
}

}  // namespace

const char* SimilarityMetricName(SimilarityMetric metric) {
  switch (metric) {
    case SimilarityMetric::kCosine:
      return "cosine";
    case SimilarityMetric::kCosineCoRated:
      return "cosine_corated";
    case SimilarityMetric::kPearson:
      return "pearson";
    case SimilarityMetric::kAdjustedCosine:
      return "adjusted_cosine";
    case SimilarityMetric::kMsd:
      return "msd";
  }
  return "unknown";
}

absl::StatusOr<NeighborTable> ComputeNeighbors(
    const CsrMatrix& rows_major, const SimilarityOptions& options) {
  absl::Status valid = ValidateCsr(rows_major);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("similarity: invalid matrix: ", valid.message()));
  }
  if (options.max_neighbors < 0 || !(options.shrinkage >= 0) ||
      options.min_support < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "similarity: need max_neighbors >= 0, shrinkage >= 0, min_support "
        ">= 1; got ",
        options.max_neighbors, ", ", options.shrinkage, ", ",
        options.min_support));
  }
  if (rows_major.rows > static_cast<int64_t>(UINT32_MAX)) {
    return absl::InvalidArgumentError("similarity: too many rows for uint32");
  }
  CsrMatrix centred;
  const CsrMatrix* a = &rows_major;
  if (options.metric == SimilarityMetric::kAdjustedCosine) {
    // Centre every value by the mean of its column (the other side's row).
    std::vector<double> sum(rows_major.cols, 0.0);
    std::vector<int64_t> n(rows_major.cols, 0);
    for (int64_t p = 0; p < rows_major.nnz(); ++p) {
      sum[rows_major.indices[p]] += rows_major.data[p];
      ++n[rows_major.indices[p]];
    }
    centred = rows_major;
    for (int64_t p = 0; p < centred.nnz(); ++p) {
      const uint32_t c = centred.indices[p];
      centred.data[p] = static_cast<float>(centred.data[p] - sum[c] / n[c]);
    }
    a = &centred;
  }
  const CsrMatrix at = Transpose(*a);
  std::vector<std::vector<Candidate>> rows(a->rows);
  switch (options.metric) {
    case SimilarityMetric::kCosine: {
      std::vector<float> norms(a->rows);
      for (int64_t r = 0; r < a->rows; ++r) {
        double s = 0;
        for (int64_t p = a->indptr[r]; p < a->indptr[r + 1]; ++p) {
          s += double{a->data[p]} * a->data[p];
        }
        norms[r] = static_cast<float>(std::sqrt(s));
      }
      CosineAcc proto;
      proto.norms = &norms;
      ComputeRows(*a, at, options, proto, rows);
      break;
    }
    case SimilarityMetric::kCosineCoRated:
    case SimilarityMetric::kAdjustedCosine:
      ComputeRows(*a, at, options, CoRatedCosineAcc(), rows);
      break;
    case SimilarityMetric::kPearson:
      ComputeRows(*a, at, options, PearsonAcc(), rows);
      break;
    case SimilarityMetric::kMsd:
      ComputeRows(*a, at, options, MsdAcc(), rows);
      break;
  }
  NeighborTable table;
  table.rows = a->rows;
  table.indptr.assign(1, 0);
  int64_t total = 0;
  for (const auto& row : rows) total += row.size();
  table.neighbors.reserve(total);
  table.similarities.reserve(total);
  for (auto& row : rows) {
    for (const Candidate& c : row) {
      table.neighbors.push_back(c.id);
      table.similarities.push_back(c.sim);
    }
    table.indptr.push_back(static_cast<int64_t>(table.neighbors.size()));
    std::vector<Candidate>().swap(row);
  }
  return table;
}

absl::Status ValidateNeighborTable(const NeighborTable& t) {
  if (t.rows < 0 || static_cast<int64_t>(t.indptr.size()) != t.rows + 1 ||
      t.indptr[0] != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("neighbor table: ", t.indptr.size(), " row offsets for ",
                     t.rows, " rows (need rows + 1, starting at 0)"));
  }
  if (t.neighbors.size() != t.similarities.size() ||
      t.indptr.back() != static_cast<int64_t>(t.neighbors.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "neighbor table: ", t.neighbors.size(), " neighbours, ",
        t.similarities.size(), " similarities, last offset ", t.indptr.back()));
  }
  for (int64_t r = 0; r < t.rows; ++r) {
    if (t.indptr[r + 1] < t.indptr[r]) {
      return absl::InvalidArgumentError(
          absl::StrCat("neighbor table: row ", r, " has a negative length"));
    }
    for (int64_t p = t.indptr[r]; p < t.indptr[r + 1]; ++p) {
      const float s = t.similarities[p];
      if (t.neighbors[p] >= t.rows || t.neighbors[p] == r ||
          !std::isfinite(s) || s <= 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "neighbor table: row ", r, " entry ", p - t.indptr[r],
            " (neighbour ", t.neighbors[p], ", similarity ", s,
            ") is out of range, the row itself, or not a positive number"));
      }
      if (p > t.indptr[r] &&
          Better(Candidate{s, t.neighbors[p]},
                 Candidate{t.similarities[p - 1], t.neighbors[p - 1]})) {
        return absl::InvalidArgumentError(absl::StrCat(
            "neighbor table: row ", r, " is not sorted by similarity"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tailor
