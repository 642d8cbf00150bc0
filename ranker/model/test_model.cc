#include "ranker/model/test_model.h"

#include <string>

namespace tailor::ranker {

HybridModelData MakeTestModelData() {
  HybridModelData d;
  d.algorithm = "ials";
  Catalogue& c = d.catalogue;
  c.category_names = {"blue", "red"};
  for (int i = 0; i < 8; ++i) {
    c.keys.push_back(11 * (i + 1));
    c.ids.push_back("i" + std::to_string(i));
    c.descriptions.push_back("item " + std::to_string(i));
    c.prices.push_back(static_cast<float>(i + 1));
    c.categories.push_back(i < 4 ? 1 : 0);
    c.category_indptr.push_back(i + 1);
  }
  d.dim = 2;
  d.item_factors.assign(16, 0.0f);
  d.has_factors.assign(8, 1);
  for (int i = 0; i < 8; ++i) {
    // Within a group, lower rows score higher.
    const float v = 1.0f - 0.1f * (i % 4);
    d.item_factors[i * 2 + (i < 4 ? 0 : 1)] = v;
  }
  d.item_factors[14] = d.item_factors[15] = 0.0f;
  d.has_factors[7] = 0;
  d.user_factors = FactorTable(2, 2);
  d.user_factors.keys() = {kRedUser, kBlueUser};
  d.user_factors.Row(0)[0] = 1.0f;
  d.user_factors.Row(1)[1] = 1.0f;
  d.user_history_keys = {kRedUser, kBlueUser};
  d.user_history.rows = 2;
  d.user_history.cols = 8;
  d.user_history.indptr = {0, 2, 3};
  d.user_history.indices = {0, 1, 4};
  d.user_history.data = {1, 1, 1};
  // Content: term 0 red, 1 blue, 2 + i own term; unit norm rows.
  CsrMatrix& v = d.item_vectors;
  v.rows = 8;
  v.cols = 10;
  v.indptr = {0};
  const float a = 0.70710678f;
  for (int i = 0; i < 8; ++i) {
    v.indices.push_back(i < 4 ? 0 : 1);
    v.data.push_back(a);
    v.indices.push_back(2 + i);
    v.data.push_back(a);
    v.indptr.push_back(v.indices.size());
  }
  d.segments.user_keys = {kRedUser, kBlueUser};
  d.segments.kmeans = {0, 1};
  d.segments.rfm = {0, 0};
  d.segments.kmeans_names = {"red lovers", "blue lovers"};
  d.affinity.segments = 2;
  d.affinity.items = 8;
  d.affinity.prior_events = 1;
  d.affinity.default_lift = {0.5f, 0.5f};
  d.affinity.lift.rows = 2;
  d.affinity.lift.cols = 8;
  d.affinity.lift.indptr = {0, 1, 2};
  d.affinity.lift.indices = {2, 6};
  d.affinity.lift.data = {4.0f, 4.0f};
  d.popularity.item_events = {5, 1, 1, 1, 1, 1, 1, 20};
  d.popularity.max_item_events = 20;
  ContextCounts gb;
  gb.total_events = 12;
  gb.items = {{5, 10}, {0, 2}};
  d.popularity.by_context["country"]["GB"] = gb;
  return d;
}

}  // namespace tailor::ranker
