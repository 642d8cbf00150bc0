// Writes the seed files of the fuzz corpus (tests/fuzz/corpus/) with the
// real writers: small valid sparse blocks, a factor table, a
// parameter-server shard checkpoint, ingest inputs (plain and gzip), a
// complete model version, Rank requests, request sequences for the
// parameter server and the coordinator, and job specs. The output is
// committed (docs/fuzzing.md). Usage: make_seed_corpus OUTPUT_DIR

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/format/sparse_block.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"
#include "parameter_server/shard_state.h"
#include "tailor/v1/coordinator.pb.h"
#include "tailor/v1/parameter_server.pb.h"
#include "tailor/v1/ranker.pb.h"
#include "tests/fuzz/records.h"
#include "tests/fuzz/tiny_model.h"
#include "zlib.h"

namespace tailor {
namespace {

SparseBlock SmallBlock(bool with_extras) {
  SparseBlock block;
  block.first_row = 4;
  block.matrix.rows = 3;
  block.matrix.cols = 5;
  block.matrix.indptr = {0, 2, 2, 5};
  block.matrix.indices = {0, 3, 1, 2, 4};
  block.matrix.data = {1, 2.5f, 1, 3, 0.5f};
  if (with_extras) {
    block.timestamps = {1300000000, 1300000100, 1300000200, 1300000300,
                        1300000400};
    block.amounts = {9.5f, 1, 2, 3.25f, 4};
  }
  return block;
}

// `text` in the gzip format (one member), as `gzip` writes it.
absl::StatusOr<std::string> Gzip(const std::string& text) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("deflateInit2 failed");
  }
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return absl::InternalError("deflate failed");
  return out;
}

// Ingest inputs: an option byte, the interaction file, optionally NUL and
// the items file (the input layout of ingest_fuzzer.cc).
absl::Status WriteIngest(FileSystem* fs, const std::string& dir) {
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(dir));
  const std::string csv =
      "user,item,rating,ts\n"
      "u1,i1,5,1300000000\n"
      "\"u,2\",i2,3.5,2011-03-13 07:06:40\n"
      "u3,\"i \"\"3\"\"\",1,2011-03-13T07:06:40Z\r\n"
      "u1,i2,x,1300000001\n"
      ",i4,2,-5\n";
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(fs, JoinPath(dir, "csv_header.bin"),
                        std::string(1, 2 | 4 | 8 | 16) + csv));
  const std::string tsv =
      "17850.0\t85123A\t\t2010-12-01 08:26\t2.55\t6\n"
      "17850\t71053\t\t2010-12-01 08:26\t3.39\t-6\n"
      "\tC536379\t\t12/1/2010 9:41\t27.5\t1\n"
      "13047\t84879\t\t1291191960\t1.69\t32\n";
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(
      fs, JoinPath(dir, "tsv_prices.bin"),
      std::string(1, static_cast<char>(1 | 8 | 32 | 128)) + tsv));
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(
      fs, JoinPath(dir, "items_file.bin"),
      std::string(1, 2 | 4) + "user,item\nu1,i1\nu2,i2\nu2,i1\n" +
          std::string(1, '\0') + "item\tgenre\ni1\tDrama\ni2\tComedy|Crime\n"));
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(
      fs, JoinPath(dir, "latin1.bin"),
      std::string(1, static_cast<char>(4 | 64)) +
          "\xef\xbb\xbfuser,item\nJos\xe9,caf\xe9\nu2,na\xefve\n"));
  TAILOR_ASSIGN_OR_RETURN(std::string gz,
                          Gzip("user,item\nu1,i1\nu2,i1\nu2,i2\n"));
  return WriteStringToFile(fs, JoinPath(dir, "gzip.bin"),
                           std::string(1, 4) + gz);
}

// Model versions: "@@ <path>" lines each followed by the file's bytes (the
// input layout of model_version_fuzzer.cc).
absl::Status WriteModelVersions(FileSystem* fs, const std::string& dir) {
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(dir));
  TAILOR_ASSIGN_OR_RETURN(auto files, TinyModelFiles());
  std::string all, factors_only, no_blend;
  for (const auto& [path, bytes] : files) {
    const std::string part = "@@ " + path + "\n" + bytes + "\n";
    all += part;
    if (path == "item_factors.tft") factors_only += part;
    if (path != "blend.json") no_blend += part;
  }
  no_blend += "@@ job_spec\nalgorithm: \"ials\" regularization: 0.5 alpha: 2\n";
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(fs, JoinPath(dir, "complete.bin"), all));
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(fs, JoinPath(dir, "factors_only.bin"), factors_only));
  return WriteStringToFile(fs, JoinPath(dir, "default_blend.bin"), no_blend);
}

// Rank requests for the tiny model: text ('T' + text format) and binary.
absl::Status WriteRankRequests(FileSystem* fs, const std::string& dir) {
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(dir));
  const char* kTexts[] = {
      R"(model_name: "shop" user_key: 100 count: 3)",
      R"(model_name: "shop" version_label: "canary" user_key: 200 explain: true
         diversity: 0.5 context { country: "GB" timestamp_unix_ms: 1700000000000 }
         filters { exclude_seen: true include_categories: "blue" min_price: 1
                   max_price: 7 exclude_item_ids: "i5" })",
      R"(model_name: "shop" user_id: "someone" unit_id: "u-17"
         recent_interactions { item_id: "i0" weight: 5 }
         recent_interactions { item_key: 22 timestamp_unix_ms: 5 }
         candidate_item_ids: "i1" candidate_item_ids: "i4"
         candidate_item_ids: "nope" request_id: "r1")",
      R"(model_name: "shop" version: 1 count: 1000
         filters { exclude_categories: "red" exclude_item_keys: 11 })",
  };
  int n = 0;
  for (const char* text : kTexts) {
    tailor::v1::RankRequest r;
    if (!google::protobuf::TextFormat::ParseFromString(text, &r)) {
      return absl::InternalError(absl::StrCat("bad seed request: ", text));
    }
    ++n;
    TAILOR_RETURN_IF_ERROR(
        WriteStringToFile(fs, JoinPath(dir, absl::StrCat("text_", n, ".bin")),
                          std::string("T") + text));
    TAILOR_RETURN_IF_ERROR(
        WriteStringToFile(fs, JoinPath(dir, absl::StrCat("wire_", n, ".bin")),
                          r.SerializeAsString()));
  }
  return absl::OkStatus();
}

// Parameter-server request sequences (ps_requests_fuzzer.cc's records).
absl::Status WritePsRequests(FileSystem* fs, const std::string& dir) {
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(dir));
  namespace v1 = tailor::v1;
  v1::CreateTableRequest create;
  create.set_name("items");
  create.set_dim(2);
  create.mutable_init()->set_kind(v1::Initializer::KIND_NORMAL);
  create.mutable_init()->set_seed(7);
  v1::PushRequest push;
  push.mutable_header()->set_table("items");
  push.mutable_header()->set_op(v1::PUSH_OP_ADD);
  push.mutable_header()->set_worker_id(1);
  push.mutable_header()->set_request_id(1);
  push.mutable_block()->set_table("items");
  for (uint64_t k : {3, 5, 9}) push.mutable_block()->add_keys(k);
  push.mutable_block()->mutable_rows()->set_dim(2);
  for (float v : {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}) {
    push.mutable_block()->mutable_rows()->add_values(v);
  }
  std::string push_stream;
  AppendRecord(0, push.SerializeAsString(), &push_stream);
  v1::PullRequest pull;
  pull.set_table("items");
  for (uint64_t k : {1, 3, 9}) pull.mutable_keys()->add_keys(k);
  v1::GramPartialRequest gram;
  gram.set_table("items");
  gram.set_include_row_sum(true);
  gram.mutable_key_range()->set_begin(0);
  v1::CheckpointRequest checkpoint;
  checkpoint.set_directory("/ckpt");
  checkpoint.set_iteration(1);
  v1::RestoreRequest restore;
  restore.set_directory("/ckpt");
  restore.set_iteration(-1);
  v1::GetStatsRequest stats;
  std::string all;
  AppendRecord(0, create.SerializeAsString(), &all);
  AppendRecord(2, push_stream, &all);
  AppendRecord(1, pull.SerializeAsString(), &all);
  AppendRecord(3, gram.SerializeAsString(), &all);
  AppendRecord(4, checkpoint.SerializeAsString(), &all);
  AppendRecord(5, restore.SerializeAsString(), &all);
  AppendRecord(6, stats.SerializeAsString(), &all);
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(fs, JoinPath(dir, "all.bin"), all));
  std::string pull_only;
  AppendRecord(0, create.SerializeAsString(), &pull_only);
  pull.set_require_existing(true);
  AppendRecord(1, pull.SerializeAsString(), &pull_only);
  return WriteStringToFile(fs, JoinPath(dir, "pull.bin"), pull_only);
}

// Coordinator request sequences (coordinator_fuzzer.cc's records).
absl::Status WriteCoordinatorRequests(FileSystem* fs, const std::string& dir) {
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(dir));
  namespace v1 = tailor::v1;
  v1::RegisterRequest reg;
  reg.set_address("127.0.0.1:5000");
  reg.mutable_capabilities()->set_threads(2);
  reg.mutable_capabilities()->add_algorithms("ials");
  reg.set_requested_worker_index(1);
  v1::HeartbeatRequest heartbeat;
  heartbeat.set_worker_id(1);
  heartbeat.mutable_progress()->set_task_id(1);
  heartbeat.mutable_progress()->set_fraction_done(0.5);
  v1::GetTaskRequest get_task;
  get_task.set_worker_id(1);
  v1::ReportProgressRequest report;
  report.set_worker_id(1);
  report.set_task_id(1);
  report.set_state(v1::TASK_STATE_DONE);
  v1::GetJobStatusRequest status;
  status.set_full_history(true);
  std::string all;
  AppendRecord(0, reg.SerializeAsString(), &all);
  reg.set_requested_worker_index(-1);
  AppendRecord(0, reg.SerializeAsString(), &all);
  AppendRecord(1, heartbeat.SerializeAsString(), &all);
  AppendRecord(2, get_task.SerializeAsString(), &all);
  AppendRecord(3, report.SerializeAsString(), &all);
  AppendRecord(4, status.SerializeAsString(), &all);
  return WriteStringToFile(fs, JoinPath(dir, "sequence.bin"), all);
}

absl::Status Write(const std::string& out) {
  FileSystem* fs = PosixFileSystem();
  const std::string readers = JoinPath(out, "format_readers");
  const std::string checkpoint = JoinPath(out, "ps_checkpoint");
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(readers));
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(checkpoint));
  TAILOR_RETURN_IF_ERROR(WriteSparseBlock(
      fs, JoinPath(readers, "block_plain.tsb"), SmallBlock(false)));
  TAILOR_RETURN_IF_ERROR(WriteSparseBlock(
      fs, JoinPath(readers, "block_extras.tsb"), SmallBlock(true)));
  FactorTable table(3, 3);
  table.keys() = {7, 19, 1000};
  const float factors[] = {0.1f, -0.2f, 0.3f, 1, 2, 3, -1, 0, 0.5f};
  std::copy(factors, factors + 9, table.data().begin());
  table.biases() = {0.5f, -0.5f, 0};
  TAILOR_RETURN_IF_ERROR(
      WriteFactorTable(fs, JoinPath(readers, "factors.tft"), table));

  // A one-table shard checkpoint, stored as manifest.json, NUL, table file
  // (the input layout of ps_checkpoint_fuzzer.cc).
  auto memory = NewInMemoryFileSystem();
  ShardStateOptions options;
  options.fs = memory.get();
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<ShardState> shard,
                          ShardState::Create(options));
  TableSpec spec;
  spec.name = "item_factors";
  spec.dim = 4;
  bool existed = false;
  TAILOR_RETURN_IF_ERROR(shard->CreateTable(spec, &existed).status());
  TAILOR_RETURN_IF_ERROR(shard->Checkpoint("/ckpt", 3, {}).status());
  const std::string dir = "/ckpt/00000003/shard-0-of-1";
  TAILOR_ASSIGN_OR_RETURN(
      std::string manifest,
      ReadFileToString(memory.get(), JoinPath(dir, "manifest.json")));
  TAILOR_ASSIGN_OR_RETURN(
      std::string file,
      ReadFileToString(memory.get(), JoinPath(dir, "table-item_factors.tps")));
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(fs, JoinPath(checkpoint, "shard.bin"),
                        manifest + std::string(1, '\0') + file));
  TAILOR_RETURN_IF_ERROR(WriteIngest(fs, JoinPath(out, "ingest")));
  TAILOR_RETURN_IF_ERROR(
      WriteModelVersions(fs, JoinPath(out, "model_version")));
  TAILOR_RETURN_IF_ERROR(WriteRankRequests(fs, JoinPath(out, "rank_request")));
  TAILOR_RETURN_IF_ERROR(WritePsRequests(fs, JoinPath(out, "ps_requests")));
  return WriteCoordinatorRequests(fs, JoinPath(out, "coordinator"));
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seed_corpus OUTPUT_DIR\n");
    return 2;
  }
  const absl::Status status = tailor::Write(argv[1]);
  if (!status.ok()) {
    std::fprintf(stderr, "make_seed_corpus: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
