// Checks properties of the tailor.v1 contracts that the rest of the code
// relies on: the services' methods and streaming shapes, text-format job
// specs, the wire-size bounds of the largest chunks, and that the generated
// gRPC code works end to end (with structured error details).

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tailor/v1/common.pb.h"
#include "tailor/v1/coordinator.grpc.pb.h"
#include "tailor/v1/dataset.pb.h"
#include "tailor/v1/job.pb.h"
#include "tailor/v1/model.pb.h"
#include "tailor/v1/parameter_server.grpc.pb.h"
#include "tailor/v1/ranker.grpc.pb.h"

namespace tailor {
namespace {

using ::google::protobuf::FileDescriptor;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::ServiceDescriptor;

constexpr size_t kMaxPayloadBytes = v1::WIRE_LIMIT_MAX_CHUNK_PAYLOAD_BYTES;
constexpr size_t kMaxOverheadBytes = v1::WIRE_LIMIT_MAX_CHUNK_OVERHEAD_BYTES;
constexpr size_t kGrpcLimitBytes =
    v1::WIRE_LIMIT_GRPC_DEFAULT_MAX_MESSAGE_BYTES;

struct ExpectedMethod {
  const char* name;
  bool client_streaming;
  bool server_streaming;
};

// Checks that `service` has exactly `expected` methods with these streaming
// shapes, each taking <Name>Request and returning <Name>Response.
void ExpectMethods(const ServiceDescriptor* service,
                   const std::vector<ExpectedMethod>& expected) {
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->method_count(), static_cast<int>(expected.size()))
      << service->full_name();
  for (const ExpectedMethod& want : expected) {
    SCOPED_TRACE(service->full_name() + "." + want.name);
    const MethodDescriptor* method = service->FindMethodByName(want.name);
    ASSERT_NE(method, nullptr);
    EXPECT_EQ(method->client_streaming(), want.client_streaming);
    EXPECT_EQ(method->server_streaming(), want.server_streaming);
    EXPECT_EQ(method->input_type()->full_name(),
              std::string("tailor.v1.") + want.name + "Request");
    EXPECT_EQ(method->output_type()->full_name(),
              std::string("tailor.v1.") + want.name + "Response");
  }
}

TEST(ServicesTest, ParameterServerHasItsMethods) {
  const FileDescriptor* file = v1::PullRequest::descriptor()->file();
  ExpectMethods(file->FindServiceByName("ParameterServer"),
                {{"CreateTable", false, false},
                 {"Pull", false, true},
                 {"Push", true, false},
                 {"GramPartial", false, true},
                 {"Clock", false, false},
                 {"Barrier", false, false},
                 {"Checkpoint", false, false},
                 {"Restore", false, false},
                 {"GetStats", false, false},
                 {"Shutdown", false, false}});
}

TEST(ServicesTest, CoordinatorHasItsMethods) {
  const FileDescriptor* file = v1::RegisterRequest::descriptor()->file();
  ExpectMethods(file->FindServiceByName("Coordinator"),
                {{"Register", false, false},
                 {"Heartbeat", false, false},
                 {"GetTask", false, false},
                 {"ReportProgress", false, false},
                 {"GetJobStatus", false, false}});
}

TEST(ServicesTest, RankerHasItsMethods) {
  const FileDescriptor* file = v1::RankRequest::descriptor()->file();
  ExpectMethods(file->FindServiceByName("Ranker"),
                {{"Rank", false, false}, {"GetModelStatus", false, false}});
}

TEST(ServicesTest, EveryFileIsInPackageTailorV1) {
  for (const FileDescriptor* file :
       {v1::KeyBatch::descriptor()->file(),
        v1::PullRequest::descriptor()->file(), v1::Task::descriptor()->file(),
        v1::JobSpec::descriptor()->file(),
        v1::DatasetManifest::descriptor()->file(),
        v1::ModelManifest::descriptor()->file(),
        v1::RankRequest::descriptor()->file()}) {
    EXPECT_EQ(file->package(), "tailor.v1") << file->name();
    EXPECT_EQ(file->name().rfind("tailor/v1/", 0), 0u) << file->name();
  }
}

TEST(ServicesTest, KeysAreSixtyFourBitUnsigned) {
  const auto* field = v1::KeyBatch::descriptor()->FindFieldByName("keys");
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->cpp_type(),
            google::protobuf::FieldDescriptor::CPPTYPE_UINT64);
  EXPECT_TRUE(field->is_packed());
  const auto* values = v1::DenseRows::descriptor()->FindFieldByName("values");
  ASSERT_NE(values, nullptr);
  EXPECT_EQ(values->cpp_type(),
            google::protobuf::FieldDescriptor::CPPTYPE_FLOAT);
  EXPECT_TRUE(values->is_packed());
}

// ---------------------------------------------------------------------------
// Job spec text format

constexpr char kJobText[] = R"pb(
  # A comment, as people write them.
  dataset_dir: "/data/ml100k"
  algorithm: "ials"
  factors: 64
  iterations: 15
  regularization: 0.01
  alpha: 10
  solver: SOLVER_CG
  cg_steps: 3
  seed: 42
  partitions: 8
  consistency: CONSISTENCY_MODE_BOUNDED_STALENESS
  staleness_bound: 2
  learning_rate_schedule: LEARNING_RATE_SCHEDULE_EXPONENTIAL
  checkpoint { dir: "/tmp/ckpt" every_iterations: 5 }
  evaluation {
    protocol: EVAL_PROTOCOL_STRATIFIED_RANDOM
    metric: "ndcg@10"
    early_stopping_patience: 3
  }
  model_export { base_dir: "/models" model_name: "retail" }
  options { key: "block_size" value: "16" }
)pb";

TEST(JobSpecTest, ParsesFromTextFormat) {
  v1::JobSpec job;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kJobText, &job));
  EXPECT_EQ(job.dataset_dir(), "/data/ml100k");
  EXPECT_EQ(job.algorithm(), "ials");
  EXPECT_EQ(job.factors(), 64u);
  EXPECT_EQ(job.iterations(), 15u);
  EXPECT_DOUBLE_EQ(job.regularization(), 0.01);
  EXPECT_EQ(job.solver(), v1::SOLVER_CG);
  EXPECT_EQ(job.cg_steps(), 3u);
  EXPECT_EQ(job.seed(), 42u);
  EXPECT_EQ(job.consistency(), v1::CONSISTENCY_MODE_BOUNDED_STALENESS);
  EXPECT_EQ(job.staleness_bound(), 2u);
  EXPECT_EQ(job.checkpoint().every_iterations(), 5u);
  EXPECT_EQ(job.evaluation().protocol(), v1::EVAL_PROTOCOL_STRATIFIED_RANDOM);
  EXPECT_EQ(job.evaluation().metric(), "ndcg@10");
  EXPECT_EQ(job.evaluation().early_stopping_patience(), 3u);
  EXPECT_EQ(job.model_export().model_name(), "retail");
  EXPECT_EQ(job.options().at("block_size"), "16");
}

TEST(JobSpecTest, RejectsMisspelledField) {
  v1::JobSpec job;
  // TextFormat reports the error to the log; parsing must fail, not guess.
  EXPECT_FALSE(google::protobuf::TextFormat::ParseFromString(
      "dataset_dir: \"/d\"\nfactor: 8\n", &job));
}

TEST(JobSpecTest, RejectsUnknownEnumName) {
  v1::JobSpec job;
  EXPECT_FALSE(google::protobuf::TextFormat::ParseFromString(
      "solver: SOLVER_LU\n", &job));
}

// ---------------------------------------------------------------------------
// Manifests: the messages are the schemas of the manifest.json files, so a
// file shaped like the writers' output (core/dataset/manifest.cc,
// core/model/model_version.cc) must parse with no unknown key.

google::protobuf::util::JsonParseOptions StrictJson() {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return options;
}

constexpr char kDatasetManifestJson[] = R"json({
  "format": "tailor.dataset",
  "format_version": 1,
  "preset": "movielens100k",
  "lines_read": 100003,
  "accepted": 100000,
  "rejected": {"bad_rating": 2, "missing_user": 1},
  "users": 943,
  "items": 1682,
  "interactions": 100000,
  "value_name": "rating",
  "has_timestamps": true,
  "has_amounts": false,
  "time_range": {"min_unix_seconds": 874724710, "max_unix_seconds": 893286638},
  "key_hashing": {"users": "pseudonymized", "items": "public"},
  "user_attributes": ["age", "gender", "occupation", "zip"],
  "item_attributes": ["title", "genres"],
  "policy": ["bad lines are skipped and counted"],
  "sources": [{"role": "interactions", "path": "/data/ml-100k/u.data",
               "compression": "none", "lines_read": 100003,
               "accepted": 100000}],
  "partitions": {
    "user_major": [{"path": "user_major/part-00000.blk", "first_row": 0,
                    "rows": 943, "entries": 100000}],
    "item_major": [{"path": "item_major/part-00000.blk", "first_row": 0,
                    "rows": 1682, "entries": 100000}]
  },
  "files": [{"path": "user_major/part-00000.blk", "bytes": 812345,
             "crc32c": 3735928559}],
  "ingest_seconds": 0.42
})json";

TEST(ManifestTest, DatasetManifestJsonParses) {
  v1::DatasetManifest manifest;
  auto status = google::protobuf::util::JsonStringToMessage(
      kDatasetManifestJson, &manifest, StrictJson());
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(manifest.lines_read(), 100003);
  EXPECT_EQ(manifest.rejected().at("bad_rating"), 2);
  EXPECT_EQ(manifest.users(), 943);
  EXPECT_EQ(manifest.time_range().max_unix_seconds(), 893286638);
  EXPECT_EQ(manifest.key_hashing().users(), "pseudonymized");
  EXPECT_EQ(manifest.partitions().item_major(0).rows(), 1682u);
  EXPECT_EQ(manifest.files(0).crc32c(), 3735928559u);
  EXPECT_DOUBLE_EQ(manifest.ingest_seconds(), 0.42);

  // Printed by protobuf with the proto field names, it reads back the same.
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string json;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(manifest, &json, print).ok());
  EXPECT_NE(json.find("\"lines_read\""), std::string::npos);
  v1::DatasetManifest again;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json, &again, StrictJson())
          .ok());
  // Map fields serialize in no fixed order, so compare field by field.
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(again, manifest))
      << again.DebugString() << "\nvs\n"
      << manifest.DebugString();
}

TEST(ManifestTest, ModelManifestJsonParses) {
  constexpr char kJson[] = R"json({
    "format_version": 1, "model_name": "retail", "version": 3,
    "algorithm": "ials", "factors": 64,
    "hyperparameters": {"regularization": 0.01, "solver": "cg", "cg_steps": 3},
    "dataset": "/data/retail", "dataset_fingerprint": "crc32c:0a1b2c3d",
    "metrics": {"ndcg@10": 0.31, "recall@20": 0.2},
    "training": {"epochs": 15, "seconds": 12.5, "stop_reason": "iterations"},
    "created": "2026-11-23T15:02:42+00:00",
    "files": [{"path": "item_factors.tft", "bytes": 123456,
               "crc32c": "deadbeef"}]
  })json";
  v1::ModelManifest manifest;
  auto status = google::protobuf::util::JsonStringToMessage(kJson, &manifest,
                                                            StrictJson());
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(manifest.version(), 3);
  EXPECT_EQ(manifest.factors(), 64);
  EXPECT_EQ(manifest.hyperparameters().fields().at("solver").string_value(),
            "cg");
  EXPECT_DOUBLE_EQ(manifest.metrics().at("ndcg@10"), 0.31);
  EXPECT_EQ(manifest.created().seconds(), 1795446162);
  EXPECT_EQ(manifest.files(0).crc32c(), "deadbeef");
}

TEST(ManifestTest, UnknownKeyIsRejectedWhenStrict) {
  v1::ModelManifest manifest;
  EXPECT_FALSE(
      google::protobuf::util::JsonStringToMessage(
          R"({"format_version": 1, "factorz": 8})", &manifest, StrictJson())
          .ok());
}

// ---------------------------------------------------------------------------
// Wire-size bounds

// Rows per RowBlock chunk allowed by the documented payload rule.
size_t MaxRowsPerChunk(size_t dim) { return kMaxPayloadBytes / (8 + 4 * dim); }

// Fills `block` with `rows` keys near the top of the uint64 range and random
// (incompressible) values: the largest encoding a chunk can have.
void FillWorstCaseBlock(size_t rows, size_t dim, v1::RowBlock* block) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1e30f, 1e30f);
  const uint64_t first = std::numeric_limits<uint64_t>::max() - rows;
  for (size_t i = 0; i < rows; ++i) block->add_keys(first + i);
  block->mutable_rows()->set_dim(static_cast<uint32_t>(dim));
  auto* values = block->mutable_rows()->mutable_values();
  values->Reserve(static_cast<int>(rows * dim));
  for (size_t i = 0; i < rows * dim; ++i) values->Add(dist(rng));
}

TEST(WireLimitTest, LargestPullChunkStaysUnderOneMebibytePlusOverhead) {
  for (size_t dim : {1, 2, 3, 8, 16, 64, 100, 128, 257, 1000, 1024, 4096}) {
    SCOPED_TRACE(dim);
    const size_t rows = MaxRowsPerChunk(dim);
    ASSERT_GE(rows, 1u);
    v1::PullResponse chunk;
    FillWorstCaseBlock(rows, dim, chunk.mutable_block());
    chunk.set_clock(std::numeric_limits<int64_t>::min());  // 10-byte varint
    chunk.set_table_version(std::numeric_limits<uint64_t>::max());
    chunk.set_last(true);
    const size_t bytes = chunk.ByteSizeLong();
    EXPECT_LE(rows * (8 + 4 * dim), kMaxPayloadBytes);
    EXPECT_LE(bytes, kMaxPayloadBytes + kMaxOverheadBytes);
    EXPECT_LT(bytes, kGrpcLimitBytes);
    EXPECT_EQ(chunk.SerializeAsString().size(), bytes);
    std::printf("pull chunk dim=%zu rows=%zu serialized_bytes=%zu\n", dim, rows,
                bytes);
  }
}

TEST(WireLimitTest, LargestPushChunkWithHeaderStaysUnderBound) {
  for (size_t dim : {1, 64, 4096}) {
    SCOPED_TRACE(dim);
    v1::PushRequest chunk;
    v1::PushHeader* header = chunk.mutable_header();
    header->set_table(std::string(v1::WIRE_LIMIT_MAX_TABLE_NAME_BYTES, 'x'));
    header->set_op(v1::PUSH_OP_OPTIMIZER_STEP);
    header->mutable_optimizer()->set_kind(v1::OptimizerConfig::KIND_ADAGRAD);
    header->mutable_optimizer()->set_learning_rate(0.1f);
    header->mutable_optimizer()->set_l2(0.01f);
    header->mutable_optimizer()->set_epsilon(1e-8f);
    header->mutable_optimizer()->set_initial_accumulator(0.1f);
    header->set_worker_id(std::numeric_limits<uint64_t>::max());
    header->set_request_id(std::numeric_limits<uint64_t>::max());
    header->set_clock(std::numeric_limits<int64_t>::min());
    FillWorstCaseBlock(MaxRowsPerChunk(dim), dim, chunk.mutable_block());
    chunk.mutable_block()->set_table(header->table());
    EXPECT_LE(chunk.ByteSizeLong(), kMaxPayloadBytes + kMaxOverheadBytes);
  }
}

TEST(WireLimitTest, LargestGramChunkStaysUnderBound) {
  const uint32_t dim = v1::WIRE_LIMIT_MAX_TABLE_DIM;
  v1::GramPartialResponse chunk;
  chunk.set_dim(dim);
  chunk.set_layout(v1::GRAM_LAYOUT_FULL);
  // First chunk with the row sum: values + row_sum <= the doubles limit.
  const uint32_t rows = (v1::WIRE_LIMIT_MAX_CHUNK_DOUBLES - dim) / dim;
  chunk.set_row_begin(0);
  chunk.set_row_end(rows);
  for (uint32_t i = 0; i < rows * dim; ++i) chunk.add_values(1.0 / (i + 3));
  for (uint32_t i = 0; i < dim; ++i) chunk.add_row_sum(1.0 / (i + 7));
  chunk.set_rows_summed(std::numeric_limits<uint64_t>::max());
  chunk.set_clock(std::numeric_limits<int64_t>::min());
  chunk.set_last(false);
  EXPECT_LE(chunk.values_size() + chunk.row_sum_size(),
            v1::WIRE_LIMIT_MAX_CHUNK_DOUBLES);
  EXPECT_LE(chunk.ByteSizeLong(), kMaxPayloadBytes + kMaxOverheadBytes);
}

TEST(WireLimitTest, LargestPullRequestKeySetStaysUnderBound) {
  v1::PullRequest request;
  request.set_table(std::string(v1::WIRE_LIMIT_MAX_TABLE_NAME_BYTES, 't'));
  for (uint64_t i = 0; i < v1::WIRE_LIMIT_MAX_REQUEST_KEYS; ++i) {
    request.mutable_keys()->add_keys(std::numeric_limits<uint64_t>::max() - i);
  }
  request.set_min_clock(std::numeric_limits<int64_t>::min());
  request.set_require_existing(true);
  request.set_max_rows_per_chunk(std::numeric_limits<uint32_t>::max());
  EXPECT_LE(request.ByteSizeLong(), kMaxPayloadBytes + kMaxOverheadBytes);
}

TEST(WireLimitTest, OneMoreRowBreaksThePayloadRule) {
  // The documented maximum is tight: one more row exceeds the payload.
  for (size_t dim : {1, 64, 4096}) {
    EXPECT_GT((MaxRowsPerChunk(dim) + 1) * (8 + 4 * dim), kMaxPayloadBytes);
  }
}

// ---------------------------------------------------------------------------
// gRPC round trip

// A trivial Ranker: returns `count` items with descending scores, echoing the
// request, or INVALID_ARGUMENT with an ErrorInfo detail when model_name is
// empty.
class FakeRanker final : public v1::Ranker::CallbackService {
 public:
  grpc::ServerUnaryReactor* Rank(grpc::CallbackServerContext* context,
                                 const v1::RankRequest* request,
                                 v1::RankResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->model_name().empty()) {
      v1::ErrorInfo info;
      info.set_reason(v1::ERROR_REASON_MISSING_FIELD);
      info.set_field("model_name");
      info.set_index(-1);
      v1::RpcStatus status;
      status.set_code(grpc::StatusCode::INVALID_ARGUMENT);
      status.set_message("Rank: model_name is required");
      status.add_details()->PackFrom(info);
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   status.message(),
                                   status.SerializeAsString()));
      return reactor;
    }
    for (uint32_t i = 0; i < request->count(); ++i) {
      v1::RankedItem* item = response->add_items();
      item->set_item_key(1000 + i);
      item->set_item_id("item-" + std::to_string(i));
      item->set_score(1.0f / (1 + i));
      item->set_reason(v1::REASON_CODE_POPULAR);
    }
    response->set_model_name(request->model_name());
    response->set_model_version(request->version());
    response->set_request_id(request->request_id());
    response->set_cold_start(request->user_case() ==
                             v1::RankRequest::USER_NOT_SET);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class RankerRoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = v1::Ranker::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  static void SetDeadline(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
  }

  FakeRanker service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Ranker::Stub> stub_;
};

TEST_F(RankerRoundTripTest, UnaryRankReturnsItems) {
  v1::RankRequest request;
  request.set_model_name("retail");
  request.set_version(3);
  request.set_user_id("u-17");
  request.set_count(5);
  request.set_request_id("req-1");
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::RankResponse response;
  grpc::Status status = stub_->Rank(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.items_size(), 5);
  EXPECT_EQ(response.items(0).item_key(), 1000u);
  EXPECT_EQ(response.items(4).item_id(), "item-4");
  EXPECT_GT(response.items(0).score(), response.items(1).score());
  EXPECT_EQ(response.model_name(), "retail");
  EXPECT_EQ(response.model_version(), 3);
  EXPECT_EQ(response.request_id(), "req-1");
  EXPECT_FALSE(response.cold_start());
}

TEST_F(RankerRoundTripTest, ErrorCarriesErrorInfoDetail) {
  v1::RankRequest request;  // no model_name
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::RankResponse response;
  grpc::Status status = stub_->Rank(&context, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::RpcStatus details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(details.details_size(), 1);
  v1::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), v1::ERROR_REASON_MISSING_FIELD);
  EXPECT_EQ(info.field(), "model_name");
}

}  // namespace
}  // namespace tailor
