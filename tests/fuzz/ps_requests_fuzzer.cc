// Fuzz target: the parameter server's request handling: the gRPC handlers
// of one shard (parameter_server/parameter_server_service.cc,
// service_streams.cc) with their request checks (request_checks.h) over a
// fresh in-memory ShardState per input. The shard is the in-process test
// server (parameter_server/test_server.h: loopback, port chosen by the OS),
// because the handlers are callback-API reactors; a gRPC stub sends each
// request of the input in order.
//
// Input layout: records (tests/fuzz/records.h), op byte modulo 7:
//   0 CreateTable  1 Pull  2 Push (the payload is itself records, one
//   PushRequest message each, sent as one stream)  3 GramPartial
//   4 Checkpoint  5 Restore  6 GetStats
// Waits on a worker clock (min_clock > 0) would only end at the deadline,
// so min_clock is cleared when positive.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "parameter_server/test_server.h"
#include "tailor/v1/parameter_server.grpc.pb.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/records.h"

namespace {

using tailor::v1::ParameterServer;

void Deadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

void Run(ParameterServer::Stub* stub, const tailor::FuzzRecord& record) {
  grpc::ClientContext ctx;
  Deadline(&ctx);
  switch (record.op % 7) {
    case 0: {
      tailor::v1::CreateTableRequest req;
      tailor::v1::CreateTableResponse resp;
      if (!req.ParseFromString(record.payload)) return;
      (void)stub->CreateTable(&ctx, req, &resp);
      break;
    }
    case 1: {
      tailor::v1::PullRequest req;
      if (!req.ParseFromString(record.payload)) return;
      if (req.has_min_clock() && req.min_clock() > 0) req.clear_min_clock();
      auto reader = stub->Pull(&ctx, req);
      tailor::v1::PullResponse resp;
      while (reader->Read(&resp)) {
      }
      (void)reader->Finish();
      break;
    }
    case 2: {
      tailor::v1::PushResponse resp;
      auto writer = stub->Push(&ctx, &resp);
      const auto messages = tailor::SplitRecords(
          reinterpret_cast<const uint8_t*>(record.payload.data()),
          record.payload.size(), 16);
      for (const tailor::FuzzRecord& m : messages) {
        tailor::v1::PushRequest req;
        if (!req.ParseFromString(m.payload)) continue;
        if (!writer->Write(req)) break;
      }
      writer->WritesDone();
      (void)writer->Finish();
      break;
    }
    case 3: {
      tailor::v1::GramPartialRequest req;
      if (!req.ParseFromString(record.payload)) return;
      if (req.has_min_clock() && req.min_clock() > 0) req.clear_min_clock();
      auto reader = stub->GramPartial(&ctx, req);
      tailor::v1::GramPartialResponse resp;
      while (reader->Read(&resp)) {
      }
      (void)reader->Finish();
      break;
    }
    case 4: {
      tailor::v1::CheckpointRequest req;
      tailor::v1::CheckpointResponse resp;
      if (!req.ParseFromString(record.payload)) return;
      (void)stub->Checkpoint(&ctx, req, &resp);
      break;
    }
    case 5: {
      tailor::v1::RestoreRequest req;
      tailor::v1::RestoreResponse resp;
      if (!req.ParseFromString(record.payload)) return;
      (void)stub->Restore(&ctx, req, &resp);
      break;
    }
    default: {
      tailor::v1::GetStatsRequest req;
      tailor::v1::GetStatsResponse resp;
      if (!req.ParseFromString(record.payload)) return;
      (void)stub->GetStats(&ctx, req, &resp);
      break;
    }
  }
}

}  // namespace

// LeakSanitizer (--config=fuzz): gRPC itself can leak a transport and its
// thread record when a server shuts down while a connection is still being
// set up, which starting a server per input does thousands of times. The
// stacks hold only libgrpc / libgpr frames; a leak in the shard's handlers or
// state has frames of its own and is still reported.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:grpc_create_chttp2_transport\n"
         "leak:grpc_core::Thread::Thread\n";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto records = tailor::SplitRecords(data, size, 32);
  if (records.empty()) return 0;
  auto server = tailor::TestServer::Start({});
  if (!server.ok()) {
    std::fprintf(stderr, "ps_requests_fuzzer: %s\n",
                 server.status().ToString().c_str());
    std::abort();
  }
  auto stub = ParameterServer::NewStub(grpc::CreateChannel(
      (*server)->address(), grpc::InsecureChannelCredentials()));
  for (const tailor::FuzzRecord& r : records) Run(stub.get(), r);
  return 0;
}
