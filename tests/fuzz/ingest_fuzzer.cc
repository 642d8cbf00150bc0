// Fuzz target: the ingest parser (tools/ingest, docs/ingest.md). The whole
// RunIngest over an in-memory file system: line reading (chunk boundaries,
// over-long lines, CR/LF, byte-order marks), gzip / xz detection and
// decoding, CSV/TSV tokenizing with quoting, column mapping by header name
// or index, field parsing (ids, values, timestamps, prices, quantities),
// Latin-1 conversion, the item attribute file, and the dataset writer.
//
// Input layout: one option byte, then the interaction file; a NUL byte, if
// any, ends it and the rest is the items attribute file. Option bits:
//   0 tab (else comma)    1 quoting          2 header line
//   3 timestamp column    4 value column     5 price and quantity columns
//   6 Latin-1 text        7 numeric id normalization
// Columns are user, item, value, timestamp, price, quantity: by header
// name (user, item, rating, ts, price, qty) or by index when there is no
// header (0..5).

#include <cstring>
#include <memory>
#include <string>

#include "core/file_system.h"
#include "tests/fuzz/fuzz_target.h"
#include "tools/ingest/ingest.h"

namespace {

tailor::TableFormat Format(uint8_t options) {
  tailor::TableFormat format;
  format.dialect.delimiter = (options & 1) ? '\t' : ',';
  format.dialect.quoting = (options & 2) != 0;
  format.has_header = (options & 4) != 0;
  format.latin1 = (options & 64) != 0;
  return format;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static std::unique_ptr<tailor::FileSystem> fs =
      tailor::NewInMemoryFileSystem();
  const uint8_t options = data[0];
  const char* rest = reinterpret_cast<const char*>(data + 1);
  const size_t rest_size = size - 1;
  const void* nul = std::memchr(rest, 0, rest_size);
  const size_t split =
      nul == nullptr ? rest_size : static_cast<const char*>(nul) - rest;
  const std::string interactions(rest, split);
  const bool has_items = split < rest_size;
  const std::string items =
      has_items ? std::string(rest + split + 1, rest_size - split - 1) : "";

  (void)fs->DeleteRecursively("/in");
  (void)fs->DeleteRecursively("/out");
  if (!fs->CreateDirs("/in").ok() ||
      !tailor::WriteStringToFile(fs.get(), "/in/log.csv", interactions).ok()) {
    return 0;
  }

  const bool header = (options & 4) != 0;
  tailor::InteractionSource source;
  source.path = "/in/log.csv";
  source.format = Format(options);
  source.user_column = header ? "user" : "0";
  source.item_column = header ? "item" : "1";
  if (options & 16) source.value_column = header ? "rating" : "2";
  if (options & 8) source.timestamp_column = header ? "ts" : "3";
  if (options & 32) {
    source.price_column = header ? "price" : "4";
    source.quantity_column = header ? "qty" : "5";
    source.reject_non_positive_quantity = true;
    source.reject_non_positive_price = true;
  }
  source.normalize_numeric_ids = (options & 128) != 0;

  tailor::IngestOptions ingest;
  ingest.fs = fs.get();
  ingest.spec.interactions.push_back(source);
  if (has_items) {
    if (!tailor::WriteStringToFile(fs.get(), "/in/items.tsv", items).ok()) {
      return 0;
    }
    tailor::AttributeSource attributes;
    attributes.path = "/in/items.tsv";
    attributes.format = Format(options | 1);  // attribute files are TSV
    attributes.id_column = header ? "item" : "0";
    if (!header) {
      attributes.columns.push_back({"genre", "1", {}, {}});
    }
    ingest.spec.items.push_back(attributes);
  }
  ingest.output_dir = "/out";
  ingest.overwrite = true;
  // Bad lines are counted, never fatal, so the writer runs on what is left.
  ingest.on_error = tailor::OnError::kSkip;
  ingest.max_error_rate = 1.0;
  // Small buffers: chunk boundaries and over-long lines within a few KiB.
  ingest.max_line_bytes = 200;
  ingest.chunk_bytes = 1024;
  ingest.target_partition_entries = 64;
  ingest.spool_memory_bytes = 4096;
  (void)tailor::RunIngest(ingest);
  return 0;
}
