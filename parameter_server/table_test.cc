#include "parameter_server/table.h"

#include <vector>

#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "parameter_server/initializer.h"
#include "parameter_server/ps_error.h"

namespace tailor {
namespace {

TableSpec Spec(int dim) {
  TableSpec s;
  s.name = "items";
  s.dim = dim;
  s.init.kind = InitializerSpec::Kind::kNormal;
  s.init.seed = 11;
  s.init.stddev = 0.5f;
  return s;
}

std::vector<float> Init(const TableSpec& spec, uint64_t key) {
  std::vector<float> row(spec.dim);
  InitialRow(spec.init, key, absl::MakeSpan(row));
  return row;
}

std::vector<float> Read(const Table& t, std::vector<uint64_t> keys) {
  std::vector<float> out(keys.size() * t.dim());
  EXPECT_THAT(t.Read(keys, false, out.data()), IsOk());
  return out;
}

std::unique_ptr<UpdateRule> Rule(PushOp op) {
  return *MakeUpdateRule(op, OptimizerConfig());
}

TEST(TableTest, UnwrittenRowsReadAsInitialWithoutBeingStored) {
  Table t(Spec(3));
  EXPECT_EQ(Read(t, {42}), Init(t.spec(), 42));
  EXPECT_EQ(t.rows(), 0);
  EXPECT_EQ(t.version(), 0u);
}

TEST(TableTest, RequireExistingNamesTheMissingKey) {
  Table t(Spec(2));
  std::vector<float> v = {1, 2};
  t.Apply(std::vector<uint64_t>{5}, v.data(), *Rule(PushOp::kAssign));
  std::vector<float> out(4);
  absl::Status s = t.Read(std::vector<uint64_t>{5, 9}, true, out.data());
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound,
                          testing::HasSubstr("key 9 (index 1)")));
  ASSERT_TRUE(GetErrorInfo(s).has_value());
  EXPECT_EQ(GetErrorInfo(s)->reason(), v1::ERROR_REASON_KEY_NOT_FOUND);
  EXPECT_EQ(GetErrorInfo(s)->key(), 9u);
}

TEST(TableTest, AssignStoresRowsAndCountsCreations) {
  Table t(Spec(2));
  std::vector<float> v = {1, 2, 3, 4};
  Table::ApplyCounts c =
      t.Apply(std::vector<uint64_t>{3, 8}, v.data(), *Rule(PushOp::kAssign));
  EXPECT_EQ(c.rows_applied, 2);
  EXPECT_EQ(c.rows_created, 2);
  EXPECT_EQ(Read(t, {8, 3}), (std::vector<float>{3, 4, 1, 2}));
  c = t.Apply(std::vector<uint64_t>{8}, v.data(), *Rule(PushOp::kAssign));
  EXPECT_EQ(c.rows_created, 0);
  EXPECT_EQ(t.version(), 2u);
  EXPECT_EQ(t.rows(), 2);
}

TEST(TableTest, AddToANewRowStartsFromItsInitialValue) {
  Table t(Spec(3));
  std::vector<float> v = {1, 1, 1};
  t.Apply(std::vector<uint64_t>{77}, v.data(), *Rule(PushOp::kAdd));
  std::vector<float> want = Init(t.spec(), 77);
  for (float& x : want) x += 1;
  EXPECT_EQ(Read(t, {77}), want);
}

TEST(TableTest, ManyRowsSpanSeveralArenaBlocks) {
  Table t(Spec(1024));  // 256 rows per 1 MiB block
  const int n = 1000;
  std::vector<uint64_t> keys(n);
  std::vector<float> v(n * 1024);
  for (int i = 0; i < n; ++i) {
    keys[i] = i * 3;
    for (int c = 0; c < 1024; ++c) v[i * 1024 + c] = i + c * 1e-3f;
  }
  t.Apply(keys, v.data(), *Rule(PushOp::kAssign));
  std::vector<float> out(n * 1024);
  TAILOR_ASSERT_OK(t.Read(keys, true, out.data()));
  EXPECT_EQ(out, v);
  EXPECT_GE(t.bytes(), uint64_t{n} * 1024 * 4);
}

TEST(TableTest, AdaGradKeepsAccumulatorsThatExportAndImport) {
  Table t(Spec(2));
  OptimizerConfig c;
  c.kind = OptimizerConfig::Kind::kAdaGrad;
  c.learning_rate = 0.1f;
  c.initial_accumulator = 0.5f;
  auto rule = *MakeUpdateRule(PushOp::kOptimizerStep, c);
  std::vector<float> g = {1, 2, 3, 4};
  t.Apply(std::vector<uint64_t>{9, 4}, g.data(), *rule);
  EXPECT_TRUE(t.has_accumulators());
  std::vector<uint64_t> keys;
  std::vector<float> values, acc;
  t.ExportSorted(&keys, &values, &acc);
  EXPECT_EQ(keys, (std::vector<uint64_t>{4, 9}));
  ASSERT_EQ(acc.size(), 4u);
  // key 4 got gradient (3, 4) plus l2 0: acc = 0.5 + g^2.
  EXPECT_FLOAT_EQ(acc[0], 0.5f + 9);
  EXPECT_FLOAT_EQ(acc[1], 0.5f + 16);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Table> copy,
      Table::FromRows(t.spec(), keys, values, acc, 0.5f, t.version()));
  std::vector<uint64_t> keys2;
  std::vector<float> values2, acc2;
  copy->ExportSorted(&keys2, &values2, &acc2);
  EXPECT_EQ(keys2, keys);
  EXPECT_EQ(values2, values);
  EXPECT_EQ(acc2, acc);
  EXPECT_EQ(copy->version(), 1u);
}

TEST(TableTest, FromRowsRefusesBadShapesAndDuplicates) {
  std::vector<float> v = {1, 2, 3};
  EXPECT_THAT(
      Table::FromRows(Spec(2), std::vector<uint64_t>{1, 2}, v, {}, 0, 0),
      StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<float> v4 = {1, 2, 3, 4};
  EXPECT_THAT(
      Table::FromRows(Spec(2), std::vector<uint64_t>{1, 1}, v4, {}, 0, 0),
      StatusIs(absl::StatusCode::kInvalidArgument,
               testing::HasSubstr("twice")));
}

TEST(TableTest, GramSelections) {
  Table t(Spec(2));
  std::vector<float> v = {1, 2, 3, 4, 5, 6};
  t.Apply(std::vector<uint64_t>{10, 20, 30}, v.data(), *Rule(PushOp::kAssign));
  GramAccumulator all(2);
  t.AddToGram(GramSelection(), &all);
  EXPECT_EQ(all.rows(), 3);
  EXPECT_EQ(all.Full()[0], 1.0 + 9 + 25);
  GramSelection range;
  range.kind = GramSelection::Kind::kKeyRange;
  range.begin = 15;
  range.end = 30;
  GramAccumulator ranged(2);
  t.AddToGram(range, &ranged);
  EXPECT_EQ(ranged.rows(), 1);
  EXPECT_EQ(ranged.Full()[1], 3.0 * 4);
  GramSelection keys;
  keys.kind = GramSelection::Kind::kKeys;
  std::vector<uint64_t> k = {30, 99};
  keys.keys = k;
  GramAccumulator keyed(2);
  t.AddToGram(keys, &keyed);
  const std::vector<float> init = Init(t.spec(), 99);
  EXPECT_EQ(keyed.rows(), 2);
  EXPECT_EQ(keyed.Full()[3], 36.0 + double{init[1]} * init[1]);
}

}  // namespace
}  // namespace tailor
