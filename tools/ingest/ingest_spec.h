#ifndef TAILOR_TOOLS_INGEST_INGEST_SPEC_H_
#define TAILOR_TOOLS_INGEST_INGEST_SPEC_H_

// What to read and how: input files, their dialect, which column means what,
// and the preset's policies. Filled by a preset (presets.h) or by flags.
// Columns are named by header name, or by 0-based index written as digits
// (the only way for files without a header). Plain value types.

#include <string>
#include <vector>

#include "tools/ingest/csv_tokenizer.h"
#include "tools/ingest/field_parsers.h"

namespace tailor {

struct TableFormat {
  CsvDialect dialect;
  bool has_header = true;
  bool latin1 = false;  // convert ISO-8859-1 text to UTF-8
};

// One attribute column of users.tsv / items.tsv: either a column copied as
// is, or a group of 0/1 flag columns whose names (those set to 1) are joined
// with '|' (MovieLens genres).
struct AttributeColumn {
  std::string name;    // column name in users.tsv / items.tsv
  std::string column;  // source column; unused when flag_columns is set
  std::vector<std::string> flag_columns;
  std::vector<std::string> flag_names;  // one per flag column
};

struct InteractionSource {
  std::string path;
  TableFormat format;
  std::string user_column;
  std::string item_column;
  std::string value_column;  // empty: every value is default_value
  float default_value = 1.0f;
  std::string timestamp_column;  // empty: no timestamps
  TimestampFormat timestamp_format = TimestampFormat::kAuto;
  // amount = quantity * price when both are set, price alone when only
  // price is set; no amounts when price is empty.
  std::string price_column;
  std::string quantity_column;
  bool normalize_numeric_ids = false;  // "17850.0" -> "17850"
  // Policies: each rejects the line under its own reason (not an error).
  std::string cancel_column;  // lines whose value starts with cancel_prefix
  std::string cancel_prefix = "C";            // -> "cancellation"
  bool missing_user_is_policy = false;        // -> "missing_user_id"
  bool reject_non_positive_quantity = false;  // -> "non_positive_quantity"
  bool reject_non_positive_price = false;     // -> "non_positive_price"
  // Attributes taken from the first accepted line of each user / item.
  std::vector<AttributeColumn> user_attributes;
  std::vector<AttributeColumn> item_attributes;
};

// A users or items file: one line per id with attribute columns.
struct AttributeSource {
  std::string path;
  TableFormat format;
  std::string id_column;
  bool normalize_numeric_ids = false;
  // Empty: every column except the id, named by the header.
  std::vector<AttributeColumn> columns;
};

struct IngestSpec {
  std::string preset;  // "" for generic
  std::string value_name = "value";
  std::vector<InteractionSource> interactions;
  std::vector<AttributeSource> users;  // zero or one
  std::vector<AttributeSource> items;  // zero or one
  std::vector<std::string> policy;     // notes for the manifest and summary
};

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_INGEST_SPEC_H_
