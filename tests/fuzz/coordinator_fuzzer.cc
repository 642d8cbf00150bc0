// Fuzz target: the training coordinator's request handling
// (trainer/distributed/coordinator.h: Register, Heartbeat, GetTask,
// ReportProgress, GetJobStatus, the methods its gRPC adapter forwards to)
// on a fresh coordinator per input, over a tiny ingested dataset in an
// in-memory file system. The coordinator's driver (Run) is not started, so
// no task is ever assigned: the target covers membership, leases, worker
// ids and the checks of every field a worker sends, not the task protocol
// of a running job. The parameter-server client is created but never
// contacted (Create does not connect; only Run talks to the shards).
//
// Input layout: records (tests/fuzz/records.h), op byte modulo 5:
//   0 Register  1 Heartbeat  2 GetTask  3 ReportProgress  4 GetJobStatus
// each payload the request in binary wire format.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/file_system.h"
#include "parameter_server/ps_client.h"
#include "tailor/v1/coordinator.pb.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/records.h"
#include "tools/ingest/ingest.h"
#include "trainer/distributed/coordinator.h"

namespace {

// A tiny dataset (4 users, 4 items) ingested into `fs` at /ds.
void WriteDataset(tailor::FileSystem* fs) {
  std::string csv = "user,item\n";
  for (int u = 0; u < 4; ++u) {
    for (int i = 0; i <= u; ++i) {
      csv += "u" + std::to_string(u) + ",i" + std::to_string(i) + "\n";
    }
  }
  tailor::InteractionSource source;
  source.path = "/in.csv";
  source.user_column = "user";
  source.item_column = "item";
  tailor::IngestOptions o;
  o.fs = fs;
  o.spec.interactions.push_back(source);
  o.output_dir = "/ds";
  auto done = tailor::WriteStringToFile(fs, "/in.csv", csv);
  auto result = done.ok() ? tailor::RunIngest(o).status() : done;
  if (!result.ok()) {
    std::fprintf(stderr, "coordinator_fuzzer: %s\n", result.ToString().c_str());
    std::abort();
  }
}

template <typename Request, typename Response, typename Method>
void Call(tailor::distributed::Coordinator* c, Method method,
          const std::string& payload) {
  Request request;
  Response response;
  if (!request.ParseFromString(payload)) return;
  (void)(c->*method)(request, &response);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tailor::distributed::Coordinator;
  namespace v1 = tailor::v1;
  static tailor::FileSystem* fs = [] {
    tailor::FileSystem* f = tailor::NewInMemoryFileSystem().release();
    WriteDataset(f);
    return f;
  }();
  const auto records = tailor::SplitRecords(data, size, 64);
  if (records.empty()) return 0;

  tailor::distributed::CoordinatorOptions o;
  o.spec.set_algorithm("ials");
  o.spec.set_dataset_dir("/ds");
  o.spec.set_factors(2);
  o.spec.set_iterations(1);
  o.ps_addresses = {"127.0.0.1:1"};
  o.state_dir = "/state";
  o.num_workers = 2;
  o.fs = fs;
  o.progress = [](const std::string&) {};
  tailor::PsClientOptions ps_options;
  ps_options.shard_addresses = o.ps_addresses;
  auto ps = tailor::PsClient::Create(ps_options);
  if (!ps.ok()) std::abort();
  auto coordinator = Coordinator::Create(o, std::move(*ps));
  if (!coordinator.ok()) {
    std::fprintf(stderr, "coordinator_fuzzer: %s\n",
                 coordinator.status().ToString().c_str());
    std::abort();
  }
  Coordinator* c = coordinator->get();
  for (const tailor::FuzzRecord& r : records) {
    switch (r.op % 5) {
      case 0:
        Call<v1::RegisterRequest, v1::RegisterResponse>(
            c, &Coordinator::Register, r.payload);
        break;
      case 1:
        Call<v1::HeartbeatRequest, v1::HeartbeatResponse>(
            c, &Coordinator::Heartbeat, r.payload);
        break;
      case 2:
        Call<v1::GetTaskRequest, v1::GetTaskResponse>(c, &Coordinator::GetTask,
                                                      r.payload);
        break;
      case 3:
        Call<v1::ReportProgressRequest, v1::ReportProgressResponse>(
            c, &Coordinator::ReportProgress, r.payload);
        break;
      default:
        Call<v1::GetJobStatusRequest, v1::GetJobStatusResponse>(
            c, &Coordinator::GetJobStatus, r.payload);
        break;
    }
  }
  return 0;
}
