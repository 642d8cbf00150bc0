#include "trainer/marketing/content.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace tailor {
namespace {

absl::StatusOr<std::vector<int>> Columns(
    const EntityColumns& items, const std::vector<std::string>& requested,
    std::initializer_list<absl::string_view> defaults,
    std::vector<std::string>* used) {
  const auto& names = items.attribute_names;
  std::vector<int> columns;
  if (requested.size() == 1 && requested[0] == "none") return columns;
  if (requested.empty()) {
    for (size_t c = 0; c < names.size(); ++c) {
      if (std::find(defaults.begin(), defaults.end(), names[c]) !=
          defaults.end()) {
        columns.push_back(static_cast<int>(c));
      }
    }
  } else {
    for (const std::string& r : requested) {
      auto it = std::find(names.begin(), names.end(), r);
      if (it == names.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "content attribute '", r,
            "' is not an item attribute (items have: ",
            names.empty() ? "no attributes" : absl::StrJoin(names, ", "), ")"));
      }
      columns.push_back(static_cast<int>(it - names.begin()));
    }
  }
  for (int c : columns) used->push_back(names[c]);
  return columns;
}

}  // namespace

absl::StatusOr<ItemContent> BuildItemContent(const EntityColumns& items,
                                             const ContentOptions& options) {
  ItemContent out;
  auto text = Columns(items, options.text_attributes,
                      {"title", "name", "description", "text", "summary"},
                      &out.text_attributes);
  if (!text.ok()) return text.status();
  auto cats = Columns(items, options.category_attributes,
                      {"genres", "genre", "category", "categories", "brand"},
                      &out.category_attributes);
  if (!cats.ok()) return cats.status();
  const int64_t n = items.size();
  std::vector<std::string> texts(n);
  std::vector<std::vector<std::string>> extra(n);
  for (int64_t i = 0; i < n; ++i) {
    for (int c : *text) {
      if (!texts[i].empty()) texts[i].push_back(' ');
      texts[i] += items.attributes[i][c];
    }
    for (size_t k = 0; k < cats->size(); ++k) {
      for (absl::string_view v :
           absl::StrSplit(items.attributes[i][(*cats)[k]], '|')) {
        v = absl::StripAsciiWhitespace(v);
        if (v.empty()) continue;
        std::string term = absl::StrCat(out.category_attributes[k], "=", v);
        // Lowercase with the tokenizer's tables (keeps non-ASCII intact).
        std::string lower;
        size_t pos = 0;
        while (pos < term.size()) {
          const uint32_t cp = DecodeUtf8(term, &pos);
          if (cp != 0xFFFFFFFFu) AppendUtf8(LowercaseCodePoint(cp), &lower);
        }
        extra[i].push_back(std::move(lower));
      }
    }
  }
  auto tfidf = FitTfidf(texts, extra, options.tfidf);
  if (!tfidf.ok()) return tfidf.status();
  out.tfidf = std::move(*tfidf);
  for (int64_t i = 0; i < n; ++i) {
    if (out.tfidf.vectors.RowSize(i) == 0) ++out.items_without_terms;
  }
  return out;
}

CsrMatrix UserContentProfiles(const CsrMatrix& user_major,
                              const CsrMatrix& item_vectors) {
  CsrMatrix out;
  out.rows = user_major.rows;
  out.cols = item_vectors.cols;
  std::vector<std::vector<std::pair<uint32_t, float>>> rows(user_major.rows);
#pragma omp parallel
  {
    std::vector<double> acc(item_vectors.cols, 0.0);
    std::vector<uint32_t> touched;
#pragma omp for schedule(dynamic, 64)
    for (int64_t u = 0; u < user_major.rows; ++u) {
      const int64_t events = user_major.RowSize(u);
      if (events == 0) continue;
      for (int64_t k = user_major.indptr[u]; k < user_major.indptr[u + 1];
           ++k) {
        const uint32_t item = user_major.indices[k];
        for (int64_t j = item_vectors.indptr[item];
             j < item_vectors.indptr[item + 1]; ++j) {
          const uint32_t t = item_vectors.indices[j];
          if (acc[t] == 0.0) touched.push_back(t);
          acc[t] += item_vectors.data[j];
        }
      }
      std::sort(touched.begin(), touched.end());
      for (uint32_t t : touched) {
        rows[u].push_back({t, static_cast<float>(acc[t] / events)});
        acc[t] = 0.0;
      }
      touched.clear();
    }
  }
  out.indptr.assign(1, 0);
  for (const auto& row : rows) {
    for (const auto& [t, v] : row) {
      out.indices.push_back(t);
      out.data.push_back(v);
    }
    out.indptr.push_back(out.nnz());
  }
  return out;
}

NeighborTable NearestItems(const CsrMatrix& item_vectors, int neighbors) {
  const CsrMatrix by_term = Transpose(item_vectors);
  const int64_t n = item_vectors.rows;
  std::vector<std::vector<std::pair<uint32_t, float>>> rows(n);
#pragma omp parallel
  {
    std::vector<double> acc(n, 0.0);
    std::vector<uint32_t> touched;
#pragma omp for schedule(dynamic, 64)
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t k = item_vectors.indptr[i]; k < item_vectors.indptr[i + 1];
           ++k) {
        const uint32_t t = item_vectors.indices[k];
        const double w = item_vectors.data[k];
        for (int64_t j = by_term.indptr[t]; j < by_term.indptr[t + 1]; ++j) {
          const uint32_t other = by_term.indices[j];
          if (acc[other] == 0.0) touched.push_back(other);
          acc[other] += w * by_term.data[j];
        }
      }
      std::vector<std::pair<uint32_t, float>>& row = rows[i];
      for (uint32_t other : touched) {
        if (other != i && acc[other] > 0) {
          row.push_back({other, static_cast<float>(acc[other])});
        }
        acc[other] = 0.0;
      }
      touched.clear();
      auto better = [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      };
      if (static_cast<int>(row.size()) > neighbors) {
        std::partial_sort(row.begin(), row.begin() + neighbors, row.end(),
                          better);
        row.resize(neighbors);
      } else {
        std::sort(row.begin(), row.end(), better);
      }
    }
  }
  NeighborTable table;
  table.rows = n;
  for (const auto& row : rows) {
    for (const auto& [j, s] : row) {
      table.neighbors.push_back(j);
      table.similarities.push_back(s);
    }
    table.indptr.push_back(static_cast<int64_t>(table.neighbors.size()));
  }
  return table;
}

}  // namespace tailor
