// The gRPC adapter, through a real in-process server on 127.0.0.1:0 and the
// generated synchronous stub.

#include <memory>
#include <thread>
#include <vector>

#include "core/grpc_status.h"
#include "core/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parameter_server/initializer.h"
#include "parameter_server/ps_types.h"
#include "parameter_server/test_server.h"
#include "tailor/v1/parameter_server.grpc.pb.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TAILOR_ASSERT_OK_AND_ASSIGN(server_, TestServer::Start({}));
    stub_ = v1::ParameterServer::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
  }
  std::unique_ptr<grpc::ClientContext> Context(int timeout_ms = 10000) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(timeout_ms));
    return ctx;
  }
  void Create(const std::string& name, int dim) {
    v1::CreateTableRequest req;
    req.set_name(name);
    req.set_dim(dim);
    req.mutable_init()->set_kind(v1::Initializer::KIND_NORMAL);
    req.mutable_init()->set_seed(3);
    req.mutable_init()->set_stddev(0.5f);
    v1::CreateTableResponse resp;
    ASSERT_TRUE(stub_->CreateTable(Context().get(), req, &resp).ok());
  }
  // Pulls and returns the chunks.
  absl::StatusOr<std::vector<v1::PullResponse>> Pull(const v1::PullRequest& req,
                                                     int timeout_ms = 10000) {
    auto ctx = Context(timeout_ms);
    auto reader = stub_->Pull(ctx.get(), req);
    std::vector<v1::PullResponse> chunks;
    v1::PullResponse chunk;
    while (reader->Read(&chunk)) chunks.push_back(chunk);
    absl::Status s = FromGrpcStatus(reader->Finish());
    if (!s.ok()) return s;
    return chunks;
  }
  // Streams `chunks` as one Push.
  grpc::Status Push(const std::vector<v1::PushRequest>& chunks,
                    v1::PushResponse* resp) {
    auto ctx = Context();
    auto writer = stub_->Push(ctx.get(), resp);
    for (const auto& c : chunks) {
      if (!writer->Write(c)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }
  static v1::PushRequest Chunk(std::vector<uint64_t> keys, int dim, float value,
                               uint64_t request_id = 0) {
    v1::PushRequest r;
    if (request_id != 0) {
      r.mutable_header()->set_table("t");
      r.mutable_header()->set_op(v1::PUSH_OP_ASSIGN);
      r.mutable_header()->set_worker_id(1);
      r.mutable_header()->set_request_id(request_id);
    }
    for (uint64_t k : keys) r.mutable_block()->add_keys(k);
    r.mutable_block()->mutable_rows()->set_dim(dim);
    for (size_t i = 0; i < keys.size() * dim; ++i) {
      r.mutable_block()->mutable_rows()->add_values(value);
    }
    return r;
  }
  static v1::ErrorInfo Details(const grpc::Status& s) {
    v1::RpcStatus rpc;
    v1::ErrorInfo info;
    EXPECT_TRUE(rpc.ParseFromString(s.error_details()));
    EXPECT_EQ(rpc.code(), static_cast<int>(s.error_code()));
    EXPECT_TRUE(rpc.details_size() == 1 && rpc.details(0).UnpackTo(&info));
    return info;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::ParameterServer::Stub> stub_;
};

TEST_F(ServiceTest, PullStreamsChunksWithinTheLimitInKeyOrder) {
  const int dim = 64;
  Create("t", dim);
  v1::PullRequest req;
  req.set_table("t");
  for (uint64_t k = 0; k < 10000; ++k) req.mutable_keys()->add_keys(k * 7 + 1);
  TAILOR_ASSERT_OK_AND_ASSIGN(std::vector<v1::PullResponse> chunks, Pull(req));
  ASSERT_EQ(chunks.size(), 3u);  // 3971 rows per chunk at dim 64
  std::vector<uint64_t> keys;
  for (size_t c = 0; c < chunks.size(); ++c) {
    const v1::RowBlock& b = chunks[c].block();
    EXPECT_LE(b.keys_size() * (8 + 4 * dim), kMaxChunkPayloadBytes);
    EXPECT_LE(chunks[c].ByteSizeLong(), size_t{1 << 20} + 1024);
    EXPECT_EQ(chunks[c].last(), c + 1 == chunks.size());
    keys.insert(keys.end(), b.keys().begin(), b.keys().end());
  }
  ASSERT_EQ(keys.size(), 10000u);
  for (size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(keys[i], i * 7 + 1);
  // Unwritten rows carry their deterministic initial value.
  InitializerSpec init;
  init.kind = InitializerSpec::Kind::kNormal;
  init.seed = 3;
  init.stddev = 0.5f;
  std::vector<float> want(dim);
  InitialRow(init, chunks[1].block().keys(5), absl::MakeSpan(want));
  for (int c = 0; c < dim; ++c) {
    EXPECT_EQ(chunks[1].block().rows().values(5 * dim + c), want[c]);
  }
}

TEST_F(ServiceTest, PullHonoursMaxRowsPerChunkAndEmptyRequests) {
  Create("t", 4);
  v1::PullRequest req;
  req.set_table("t");
  req.set_max_rows_per_chunk(3);
  for (uint64_t k = 1; k <= 7; ++k) req.mutable_keys()->add_keys(k);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto chunks, Pull(req));
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[2].block().keys_size(), 1);
  req.mutable_keys()->clear_keys();
  TAILOR_ASSERT_OK_AND_ASSIGN(chunks, Pull(req));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_TRUE(chunks[0].last());
}

TEST_F(ServiceTest, UnsortedKeysAreInvalidArgumentWithDetails) {
  Create("t", 2);
  v1::PullRequest req;
  req.set_table("t");
  for (uint64_t k : {5, 9, 9}) req.mutable_keys()->add_keys(k);
  auto ctx = Context();
  auto reader = stub_->Pull(ctx.get(), req);
  v1::PullResponse chunk;
  while (reader->Read(&chunk)) {
  }
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("index 2"));
  v1::ErrorInfo info = Details(s);
  EXPECT_EQ(info.reason(), v1::ERROR_REASON_DUPLICATE_KEYS);
  EXPECT_EQ(info.index(), 2);
  req.set_table("missing");
  req.mutable_keys()->clear_keys();
  EXPECT_THAT(Pull(req), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ServiceTest, PushAcrossChunksThenPull) {
  Create("t", 3);
  v1::PushResponse resp;
  grpc::Status s =
      Push({Chunk({1, 2}, 3, 1.5f, 10), Chunk({5}, 3, 2.5f)}, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.rows_applied(), 3u);
  EXPECT_EQ(resp.rows_created(), 3u);
  EXPECT_EQ(resp.table_version(), 1u);
  v1::PullRequest req;
  req.set_table("t");
  req.set_require_existing(true);
  for (uint64_t k : {1, 5}) req.mutable_keys()->add_keys(k);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto chunks, Pull(req));
  const auto& v = chunks[0].block().rows().values();
  EXPECT_EQ(std::vector<float>(v.begin(), v.end()),
            (std::vector<float>{1.5f, 1.5f, 1.5f, 2.5f, 2.5f, 2.5f}));
  EXPECT_EQ(chunks[0].table_version(), 1u);
  // A repeat of the same request id is acknowledged, not applied.
  ASSERT_TRUE(Push({Chunk({1}, 3, 9.0f, 10)}, &resp).ok());
  EXPECT_TRUE(resp.already_applied());
}

TEST_F(ServiceTest, PushIsAllOrNothing) {
  Create("t", 2);
  v1::PushResponse resp;
  grpc::Status s = Push({Chunk({1, 2}, 2, 1.0f, 11), Chunk({2, 3}, 2, 1.0f)},
                        &resp);  // key 2 repeats across chunks
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Details(s).reason(), v1::ERROR_REASON_DUPLICATE_KEYS);
  v1::PullRequest req;
  req.set_table("t");
  req.set_require_existing(true);
  req.mutable_keys()->add_keys(1);
  EXPECT_THAT(Pull(req), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ServiceTest, PushStreamOrderIsChecked) {
  Create("t", 2);
  v1::PushResponse resp;
  grpc::Status s = Push({Chunk({1}, 2, 1.0f)}, &resp);  // no header
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Details(s).reason(), v1::ERROR_REASON_WRONG_STREAM_ORDER);
  s = Push({Chunk({1}, 2, 1.0f, 1), Chunk({2}, 2, 1.0f, 2)}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  s = Push({Chunk({1}, 3, 1.0f, 3)}, &resp);  // wrong dim
  EXPECT_EQ(Details(s).reason(), v1::ERROR_REASON_SHAPE_MISMATCH);
}

TEST_F(ServiceTest, GramStreamsWholeRowsWithinTheDoubleLimit) {
  const int dim = 600;  // upper triangle: 180300 doubles, two chunks or more
  Create("t", dim);
  std::vector<v1::PushRequest> chunks = {Chunk({1, 2, 3}, dim, 0.5f, 1)};
  for (int i = 0; i < dim; ++i) {  // row 3 gets column index / 8
    chunks[0].mutable_block()->mutable_rows()->set_values(2 * dim + i,
                                                          i / 8.0f);
  }
  v1::PushResponse resp;
  ASSERT_TRUE(Push(chunks, &resp).ok());
  v1::GramPartialRequest req;
  req.set_table("t");
  req.set_layout(v1::GRAM_LAYOUT_UPPER_TRIANGLE);
  req.set_include_row_sum(true);
  auto ctx = Context();
  auto reader = stub_->GramPartial(ctx.get(), req);
  v1::GramPartialResponse chunk;
  std::vector<double> values;
  int chunks_seen = 0;
  uint32_t next_row = 0;
  while (reader->Read(&chunk)) {
    EXPECT_LE(chunk.values_size() + chunk.row_sum_size(), kMaxChunkDoubles);
    EXPECT_EQ(chunk.row_begin(), next_row);
    next_row = chunk.row_end();
    if (chunks_seen++ == 0) {
      EXPECT_EQ(chunk.rows_summed(), 3u);
      EXPECT_EQ(chunk.row_sum_size(), dim);
      EXPECT_EQ(chunk.row_sum(8), 0.5 + 0.5 + 1.0);
    }
    values.insert(values.end(), chunk.values().begin(), chunk.values().end());
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_GE(chunks_seen, 2);
  EXPECT_EQ(next_row, static_cast<uint32_t>(dim));
  ASSERT_EQ(values.size(), size_t{dim} * (dim + 1) / 2);
  // G(i, j) = 0.25 + 0.25 + (i/8)(j/8); check row 16 (i = 16) at j = 24.
  size_t offset = 0;
  for (int i = 0; i < 16; ++i) offset += dim - i;
  EXPECT_EQ(values[offset + (24 - 16)], 0.5 + 2.0 * 3.0);
}

TEST_F(ServiceTest, ClockIsABarrierForStalenessZero) {
  v1::ClockRequest a;
  a.set_worker_index(0);
  a.set_num_workers(2);
  a.set_clock(1);
  v1::ClockResponse ra, rb;
  grpc::Status sa;
  std::thread first([&] { sa = stub_->Clock(Context().get(), a, &ra); });
  v1::ClockRequest b = a;
  b.set_worker_index(1);
  grpc::Status sb = stub_->Clock(Context().get(), b, &rb);
  first.join();
  ASSERT_TRUE(sa.ok()) << sa.error_message();
  ASSERT_TRUE(sb.ok()) << sb.error_message();
  EXPECT_EQ(ra.min_clock(), 1);
  EXPECT_EQ(rb.min_clock(), 1);
}

TEST_F(ServiceTest, WaitingEndsWithDeadlineExceeded) {
  v1::ClockRequest a;
  a.set_worker_index(0);
  a.set_num_workers(2);
  a.set_clock(1);
  v1::ClockResponse r;
  grpc::Status s = stub_->Clock(Context(300).get(), a, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // A Pull waiting for min_clock 1 also gives up at its deadline.
  Create("t", 2);
  v1::PullRequest req;
  req.set_table("t");
  req.set_min_clock(1);
  req.mutable_keys()->add_keys(1);
  EXPECT_THAT(Pull(req, 300), StatusIs(absl::StatusCode::kDeadlineExceeded));
  // Once slot 1 arrives, the pull is served.
  v1::ClockRequest b = a;
  b.set_worker_index(1);
  b.set_staleness(1);
  ASSERT_TRUE(stub_->Clock(Context().get(), b, &r).ok());
  TAILOR_ASSERT_OK_AND_ASSIGN(auto chunks, Pull(req));
  EXPECT_EQ(chunks[0].clock(), 1);
  // Going back is refused.
  b.set_clock(0);
  s = stub_->Clock(Context().get(), b, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Details(s).reason(), v1::ERROR_REASON_CLOCK_MISMATCH);
}

TEST_F(ServiceTest, BarrierOpensForAllParticipants) {
  v1::BarrierRequest req;
  req.set_name("before_checkpoint");
  req.set_generation(4);
  req.set_participants(2);
  v1::BarrierResponse ra, rb;
  grpc::Status sa;
  std::thread first([&] { sa = stub_->Barrier(Context().get(), req, &ra); });
  v1::BarrierRequest other = req;
  other.set_worker_index(1);
  ASSERT_TRUE(stub_->Barrier(Context().get(), other, &rb).ok());
  first.join();
  ASSERT_TRUE(sa.ok());
  EXPECT_EQ(ra.arrived(), 2u);
}

TEST_F(ServiceTest, CheckpointRestoreAndStats) {
  Create("t", 2);
  v1::PushResponse resp;
  ASSERT_TRUE(Push({Chunk({4, 8}, 2, 3.0f, 1)}, &resp).ok());
  v1::CheckpointRequest creq;
  creq.set_directory("/ckpt");
  creq.set_iteration(1);
  v1::CheckpointResponse cresp;
  grpc::Status s = stub_->Checkpoint(Context().get(), creq, &cresp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(cresp.path(), "/ckpt/00000001/shard-0-of-1");
  EXPECT_EQ(cresp.rows(), 2u);
  ASSERT_EQ(cresp.files_size(), 1);
  ASSERT_TRUE(Push({Chunk({4}, 2, -1.0f, 2)}, &resp).ok());
  v1::RestoreRequest rreq;
  rreq.set_directory("/ckpt");
  rreq.set_iteration(-1);
  v1::RestoreResponse rresp;
  ASSERT_TRUE(stub_->Restore(Context().get(), rreq, &rresp).ok());
  EXPECT_EQ(rresp.iteration(), 1);
  EXPECT_EQ(rresp.rows(), 2u);
  creq.set_directory("relative/dir");
  s = stub_->Checkpoint(Context().get(), creq, &cresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::GetStatsRequest sreq;
  v1::GetStatsResponse stats;
  ASSERT_TRUE(stub_->GetStats(Context().get(), sreq, &stats).ok());
  EXPECT_EQ(stats.rows(), 2u);
  ASSERT_EQ(stats.tables_size(), 1);
  EXPECT_EQ(stats.tables(0).version(), 1u);  // restored version
  EXPECT_EQ(stats.methods().at("Push").requests(), 2u);
  EXPECT_EQ(stats.methods().at("Checkpoint").errors(), 1u);
  EXPECT_EQ(stats.bytes_in(), 3 * 8 + 3 * 2 * 4u);
  EXPECT_GT(stats.methods().at("Push").latency().max_us(), 0);
}

TEST_F(ServiceTest, ShutdownRefusesLaterCalls) {
  v1::ShutdownRequest req;
  req.set_reason("test");
  v1::ShutdownResponse resp;
  ASSERT_TRUE(stub_->Shutdown(Context().get(), req, &resp).ok());
  ASSERT_TRUE(stub_->Shutdown(Context().get(), req, &resp).ok());  // again
  v1::GetStatsResponse stats;
  grpc::Status s =
      stub_->GetStats(Context().get(), v1::GetStatsRequest(), &stats);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Details(s).reason(), v1::ERROR_REASON_SHUTTING_DOWN);
}

}  // namespace
}  // namespace tailor
