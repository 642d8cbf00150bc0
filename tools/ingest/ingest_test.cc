#include "tools/ingest/ingest.h"

#include "absl/strings/str_cat.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "tools/ingest/test_util.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

// A generic CSV source: user,item,value,timestamp with a header.
InteractionSource Csv(const std::string& path) {
  InteractionSource s;
  s.path = path;
  s.user_column = "user";
  s.item_column = "item";
  s.value_column = "value";
  s.timestamp_column = "ts";
  return s;
}

class IngestTest : public ::testing::Test {
 protected:
  absl::StatusOr<IngestResult> Run(const std::string& contents,
                                   OnError on_error = OnError::kSkip,
                                   double max_rate = 1.0) {
    EXPECT_THAT(WriteStringToFile(fs_.get(), "/in.csv", contents), IsOk());
    IngestOptions o = Options();
    o.spec.interactions = {Csv("/in.csv")};
    o.on_error = on_error;
    o.max_error_rate = max_rate;
    return RunIngest(o);
  }
  IngestOptions Options() {
    IngestOptions o;
    o.fs = fs_.get();
    o.output_dir = absl::StrCat("/out", ++runs_);
    return o;
  }
  int64_t Rejected(const IngestResult& r, const std::string& reason) {
    auto it = r.manifest.rejected.find(reason);
    return it == r.manifest.rejected.end() ? 0 : it->second;
  }
  std::unique_ptr<FileSystem> fs_ = NewInMemoryFileSystem();
  int runs_ = 0;
};

TEST_F(IngestTest, HappyPathWritesDataset) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      IngestResult r, Run("user,item,value,ts\nu1,i1,5,100\nu2,i1,3,200\n"
                          "u1,i2,4,2010-12-01 08:26:00\n"));
  EXPECT_EQ(r.manifest.lines_read, 3);
  EXPECT_EQ(r.manifest.accepted, 3);
  EXPECT_EQ(r.manifest.users, 2);
  EXPECT_EQ(r.manifest.items, 2);
  EXPECT_EQ(r.manifest.interactions, 3);
  EXPECT_TRUE(r.manifest.rejected.empty());
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs_.get(), "/out1"));
  EXPECT_EQ(ds->manifest().max_timestamp, 1291191960);
  EXPECT_EQ(ds->users().keys[0] < ds->users().keys[1], true);
  EXPECT_EQ(ds->users().Find(KeyHasher::Public().UserKey("u1")) >= 0, true);
}

TEST_F(IngestTest, EmptyInputFailsClearly) {
  EXPECT_THAT(Run(""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("/in.csv"), HasSubstr("empty input"))));
  EXPECT_THAT(Run("user,item,value,ts\n"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("/in.csv"), HasSubstr("empty input"))));
  EXPECT_FALSE(fs_->Exists("/out1"));
  EXPECT_FALSE(fs_->Exists("/out2"));
}

TEST_F(IngestTest, BomAndCrlfAreHandled) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      IngestResult r,
      Run("\xEF\xBB\xBFuser,item,value,ts\r\nu1,i1,5,100\r\nu2,i2,4,1\r\n"));
  EXPECT_EQ(r.manifest.accepted, 2);
  EXPECT_EQ(r.manifest.lines_read, 2);
}

TEST_F(IngestTest, MissingAndExtraColumnsAreCountedWithLineNumbers) {
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r,
                              Run("user,item,value,ts\nu1,i1,5,100\nu2,i1\n"
                                  "u3,i1,1,2,extra\nu4,i2,2,3\n"));
  EXPECT_EQ(r.manifest.accepted, 2);
  EXPECT_EQ(Rejected(r, "missing_columns"), 1);
  EXPECT_EQ(Rejected(r, "extra_columns"), 1);
  const auto& ex = r.rejects.reasons().at("missing_columns").examples[0];
  EXPECT_EQ(ex.file, "/in.csv");
  EXPECT_EQ(ex.line, 3);
  EXPECT_EQ(ex.text, "u2,i1");
}

TEST_F(IngestTest, NonNumericAndNonFiniteValues) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      IngestResult r,
      Run("user,item,value,ts\nu1,i1,five,1\nu1,i1,nan,1\nu1,i1,inf,1\n"
          "u1,i1,-Infinity,1\nu1,i1,1e99,1\nu1,i1,2,noon\nu1,i1,2,1\n"));
  EXPECT_EQ(r.manifest.accepted, 1);
  EXPECT_EQ(Rejected(r, "bad_value"), 1);
  EXPECT_EQ(Rejected(r, "non_finite_value"), 4);
  EXPECT_EQ(Rejected(r, "bad_timestamp"), 1);
}

TEST_F(IngestTest, QuotedFieldsWithDelimitersAndDoubledQuotes) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      IngestResult r, Run("user,item,value,ts\n\"u,1\",\"i \"\"x\"\"\",1,1\n"
                          "u2,\"broken,1,1\nu3,\"a\"b,1,1\n"));
  EXPECT_EQ(r.manifest.accepted, 1);
  EXPECT_EQ(Rejected(r, "unterminated_quote"), 1);
  EXPECT_EQ(Rejected(r, "bad_quote"), 1);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs_.get(), "/out1"));
  EXPECT_EQ(ds->users().external_ids[0], "u,1");
  EXPECT_EQ(ds->items().external_ids[0], "i \"x\"");
}

TEST_F(IngestTest, DuplicateHeaderUsableByIndexOnly) {
  ASSERT_THAT(WriteStringToFile(fs_.get(), "/d.csv",
                                "user,item,value,ts,item\nu,i,1,1,j\n"),
              IsOk());
  IngestOptions o = Options();
  o.spec.interactions = {Csv("/d.csv")};
  EXPECT_THAT(RunIngest(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                     AllOf(HasSubstr("/d.csv"),
                                           HasSubstr("duplicate header"))));
  o.spec.interactions[0].item_column = "4";
  o.output_dir = "/dup";
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r, RunIngest(o));
  EXPECT_EQ(r.manifest.accepted, 1);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("duplicate header"));
}

TEST_F(IngestTest, InvalidUtf8IdsAndBlankLines) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      IngestResult r, Run("user,item,value,ts\nu\xE9,i,1,1\n\nu,\xFF,1,1\n"
                          ",i,1,1\nu,,1,1\nu,i,1,1\n"));
  EXPECT_EQ(Rejected(r, "invalid_utf8"), 2);
  EXPECT_EQ(Rejected(r, "blank_line"), 1);
  EXPECT_EQ(Rejected(r, "missing_user_id"), 1);
  EXPECT_EQ(Rejected(r, "missing_item_id"), 1);
  EXPECT_EQ(r.manifest.accepted, 1);
  EXPECT_EQ(r.rejects.errors(), 4);  // blank lines are not errors
}

TEST_F(IngestTest, OverlongLinesAreRejected) {
  IngestOptions o = Options();
  o.max_line_bytes = 64;
  const std::string huge(10000, 'x');
  const std::string medium(100, 'y');
  ASSERT_THAT(WriteStringToFile(fs_.get(), "/l.csv",
                                "user,item,value,ts\nu,i,1,1\n" + huge +
                                    "\nu," + medium + ",1,1\nv,i,1,1\n"),
              IsOk());
  o.spec.interactions = {Csv("/l.csv")};
  o.max_error_rate = 1;
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r, RunIngest(o));
  EXPECT_EQ(r.manifest.lines_read, 4);
  EXPECT_EQ(Rejected(r, "line_too_long"), 2);
  EXPECT_EQ(r.manifest.accepted, 2);
  EXPECT_EQ(r.rejects.reasons().at("line_too_long").examples[0].line, 3);
  EXPECT_EQ(r.rejects.reasons().at("line_too_long").examples[1].line, 4);
}

TEST_F(IngestTest, FailModeNamesFileLineAndReason) {
  EXPECT_THAT(
      Run("user,item,value,ts\nu,i,1,1\nu,i,x,1\n", OnError::kFail),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("/in.csv:3: bad_value"), HasSubstr("u,i,x,1"))));
  EXPECT_FALSE(fs_->Exists("/out1"));
  EXPECT_FALSE(fs_->Exists("/out1.tmp-ingest"));
}

TEST_F(IngestTest, MaxErrorRateFailsWithCountsByReason) {
  const std::string in =
      "user,item,value,ts\nu,i,1,1\nu,i,x,1\nu,i,1,1\nu,i,1,1\n";
  EXPECT_THAT(Run(in, OnError::kSkip, 0.1),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("bad_value=1"),
                             HasSubstr("/in.csv:3: bad_value"))));
  EXPECT_THAT(Run(in, OnError::kSkip, 0.25), IsOk());
}

TEST_F(IngestTest, TruncatedGzipFailsNamingTheFile) {
  std::string body = "user,item,value,ts\n";
  for (int i = 0; i < 5000; ++i)
    body += absl::StrCat("u", i, ",i", i % 7, ",1,1\n");
  const std::string gz = GzipCompress(body);
  ASSERT_THAT(
      WriteStringToFile(fs_.get(), "/t.csv.gz", gz.substr(0, gz.size() / 2)),
      IsOk());
  IngestOptions o = Options();
  o.spec.interactions = {Csv("/t.csv.gz")};
  EXPECT_THAT(RunIngest(o),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("/t.csv.gz"), HasSubstr("truncated"))));
  ASSERT_THAT(WriteStringToFile(fs_.get(), "/t.csv.gz", gz), IsOk());
  o.output_dir = "/gz_ok";
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r, RunIngest(o));
  EXPECT_EQ(r.manifest.accepted, 5000);
  EXPECT_EQ(r.manifest.sources[0].compression, "gzip");
}

TEST_F(IngestTest, RetailPoliciesRejectUnderTheirOwnReasons) {
  InteractionSource s;
  s.path = "/retail.csv";
  s.user_column = "CustomerID";
  s.item_column = "StockCode";
  s.value_column = "Quantity";
  s.quantity_column = "Quantity";
  s.price_column = "UnitPrice";
  s.timestamp_column = "InvoiceDate";
  s.normalize_numeric_ids = true;
  s.cancel_column = "InvoiceNo";
  s.missing_user_is_policy = true;
  s.reject_non_positive_quantity = true;
  s.reject_non_positive_price = true;
  s.user_attributes = {{"country", "Country", {}, {}}};
  s.item_attributes = {{"description", "Description", {}, {}}};
  ASSERT_THAT(
      WriteStringToFile(
          fs_.get(), "/retail.csv",
          "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
          "CustomerID,Country\n"
          "536365,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850.0,United "
          "Kingdom\n"
          "C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United "
          "Kingdom\n"
          "536414,22139,,56,2010-12-01 11:52:00,0,,United Kingdom\n"
          "536381,82567,\"AIRLINE LOUNGE,METAL SIGN\",2,2010-12-01 "
          "09:41:00,2.1,17850,United Kingdom\n"
          "536382,X,thing,0,2010-12-01 09:41:00,2.1,12000.0,France\n"
          "536383,Y,free,1,2010-12-01 09:41:00,0.0,12000.0,France\n"),
      IsOk());
  IngestOptions o = Options();
  o.spec.interactions = {s};
  o.on_error = OnError::kFail;  // policy rejections never fail
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r, RunIngest(o));
  EXPECT_EQ(r.manifest.lines_read, 6);
  EXPECT_EQ(r.manifest.accepted, 2);
  EXPECT_EQ(Rejected(r, "cancellation"), 1);
  EXPECT_EQ(Rejected(r, "missing_user_id"), 1);
  EXPECT_EQ(Rejected(r, "non_positive_quantity"), 1);
  EXPECT_EQ(Rejected(r, "non_positive_price"), 1);
  EXPECT_EQ(r.manifest.users, 1);  // "17850.0" and "17850" are one customer
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs_.get(), "/out1"));
  EXPECT_EQ(ds->users().external_ids[0], "17850");
  EXPECT_EQ(ds->users().attributes[0][0], "United Kingdom");
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock um, ds->LoadUserMajor());
  ASSERT_EQ(um.amounts.size(), 2u);
  EXPECT_FLOAT_EQ(um.amounts[0] + um.amounts[1], 6 * 2.55f + 2 * 2.1f);
  const int64_t airline =
      ds->items().Find(KeyHasher::Public().ItemKey("82567"));
  ASSERT_GE(airline, 0);
  EXPECT_EQ(ds->items().attributes[airline][0], "AIRLINE LOUNGE,METAL SIGN");
}

TEST_F(IngestTest, AttributeFilesAddUsersAndItemsInKeyOrder) {
  ASSERT_THAT(
      WriteStringToFile(fs_.get(), "/u.data", "1\t10\t5\t100\n2\t10\t3\t50\n"),
      IsOk());
  ASSERT_THAT(WriteStringToFile(fs_.get(), "/u.item",
                                "10|Caf\xE9 (1995)|0|1\n11|Other|1|1\n"),
              IsOk());
  IngestOptions o = Options();
  InteractionSource s;
  s.path = "/u.data";
  s.format.dialect = {'\t', false};
  s.format.has_header = false;
  s.user_column = "0";
  s.item_column = "1";
  s.value_column = "2";
  s.timestamp_column = "3";
  o.spec.interactions = {s};
  AttributeSource items;
  items.path = "/u.item";
  items.format.dialect = {'|', false};
  items.format.has_header = false;
  items.format.latin1 = true;
  items.id_column = "0";
  items.columns = {{"title", "1", {}, {}},
                   {"genres", "", {"2", "3"}, {"A", "B"}}};
  o.spec.items = {items};
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r, RunIngest(o));
  EXPECT_EQ(r.manifest.items, 2);  // item 11 has no ratings but is listed
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs_.get(), "/out1"));
  const int64_t d = ds->items().Find(KeyHasher::Public().ItemKey("10"));
  ASSERT_GE(d, 0);
  EXPECT_EQ(ds->items().attributes[d][0], "Caf\xC3\xA9 (1995)");
  EXPECT_EQ(ds->items().attributes[d][1], "B");
  EXPECT_EQ(ds->items().attributes[1 - d][1], "A|B");
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock im, ds->LoadItemMajor());
  EXPECT_EQ(im.matrix.RowSize(1 - d), 0);
}

TEST_F(IngestTest, PseudonymizedUserKeysAreRecorded) {
  ASSERT_THAT(
      WriteStringToFile(fs_.get(), "/in.csv", "user,item,value,ts\nu,i,1,1\n"),
      IsOk());
  IngestOptions o = Options();
  o.spec.interactions = {Csv("/in.csv")};
  o.hasher =
      KeyHasher::WithUserSecret("00112233445566778899aabbccddeeff").value();
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r, RunIngest(o));
  EXPECT_EQ(r.manifest.user_key_hashing, "pseudonymized");
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs_.get(), "/out1"));
  EXPECT_NE(ds->users().keys[0], KeyHasher::Public().UserKey("u"));
  EXPECT_EQ(ds->users().keys[0], o.hasher.UserKey("u"));
}

TEST_F(IngestTest, ProgressIsReportedWithAFakeClock) {
  FakeClock clock;
  std::string in = "user,item,value,ts\n";
  for (int i = 0; i < 100; ++i) in += "u,i,1,1\n";
  ASSERT_THAT(WriteStringToFile(fs_.get(), "/in.csv", in), IsOk());
  IngestOptions o = Options();
  o.spec.interactions = {Csv("/in.csv"), Csv("/in.csv")};
  o.clock = &clock;
  o.progress_interval = absl::ZeroDuration();
  std::vector<int64_t> seen;
  o.progress = [&](const IngestProgress& p) {
    seen.push_back(p.lines_read);
    clock.Advance(absl::Seconds(1));
  };
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r, RunIngest(o));
  EXPECT_EQ(r.manifest.lines_read, 200);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), 200);
}

TEST_F(IngestTest, OutputThatExistsIsNotOverwrittenByDefault) {
  ASSERT_THAT(fs_->CreateDirs("/out1"), IsOk());
  ASSERT_THAT(WriteStringToFile(fs_.get(), "/out1/keep.txt", "x"), IsOk());
  EXPECT_THAT(
      Run("user,item,value,ts\nu,i,1,1\n"),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("/out1")));
  EXPECT_TRUE(fs_->Exists("/out1/keep.txt"));
}

}  // namespace
}  // namespace tailor
