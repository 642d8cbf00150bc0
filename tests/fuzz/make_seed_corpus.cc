// Writes the binary seed files of the fuzz corpus (tests/fuzz/corpus/) with
// the real writers: small valid sparse blocks, a factor table and a
// parameter-server shard checkpoint. Run by make_seed_corpus.sh; the output
// is committed. Usage: make_seed_corpus OUTPUT_DIR

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/format/sparse_block.h"
#include "core/status_macros.h"
#include "parameter_server/shard_state.h"

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
  return WriteStringToFile(fs, JoinPath(checkpoint, "shard.bin"),
                           manifest + std::string(1, '\0') + file);
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
