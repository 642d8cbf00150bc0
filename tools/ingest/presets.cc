#include "tools/ingest/presets.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "tools/ingest/input_stream.h"

namespace tailor {
namespace {

// The first of `names` (each tried plain and with the suffixes) in `dir`.
absl::StatusOr<std::string> FindFile(FileSystem* fs, const std::string& dir,
                                     const std::vector<std::string>& names,
                                     bool required) {
  std::vector<std::string> tried;
  for (const std::string& name : names) {
    for (const char* suffix : {"", ".gz", ".xz"}) {
      const std::string path = JoinPath(dir, name + suffix);
      if (fs->Exists(path)) return path;
      tried.push_back(path);
    }
  }
  if (!required) return std::string();
  return absl::NotFoundError(
      absl::StrCat("input file not found; tried ", absl::StrJoin(tried, ", ")));
}

// MovieLens genre names in u.item's flag order (used when u.genre is absent).
std::vector<std::string> DefaultGenres() {
  return {"unknown",   "Action",   "Adventure",   "Animation", "Children's",
          "Comedy",    "Crime",    "Documentary", "Drama",     "Fantasy",
          "Film-Noir", "Horror",   "Musical",     "Mystery",   "Romance",
          "Sci-Fi",    "Thriller", "War",         "Western"};
}

// Reads u.genre ("name|index" per line) when present.
absl::StatusOr<std::vector<std::string>> ReadGenres(FileSystem* fs,
                                                    const std::string& dir) {
  TAILOR_ASSIGN_OR_RETURN(std::string path,
                          FindFile(fs, dir, {"u.genre"}, false));
  if (path.empty()) return DefaultGenres();
  TAILOR_ASSIGN_OR_RETURN(OpenedInput in, OpenInputStream(fs, path));
  std::string text;
  char buf[4096];
  for (;;) {
    TAILOR_ASSIGN_OR_RETURN(size_t n, in.stream->Read(buf, sizeof(buf)));
    if (n == 0) break;
    text.append(buf, n);
  }
  std::vector<std::string> genres;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, '|');
    if (parts.size() != 2 || parts[1] != std::to_string(genres.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": expected \"name|", genres.size(), "\", got \"", line, "\""));
    }
    genres.emplace_back(parts[0]);
  }
  return genres;
}

absl::StatusOr<IngestSpec> MovieLens100k(FileSystem* fs,
                                         const std::string& dir) {
  IngestSpec spec;
  spec.preset = "movielens100k";
  spec.value_name = "rating";
  InteractionSource data;
  TAILOR_ASSIGN_OR_RETURN(data.path, FindFile(fs, dir, {"u.data"}, true));
  data.format.dialect = {'\t', false};
  data.format.has_header = false;
  data.user_column = "0";
  data.item_column = "1";
  data.value_column = "2";
  data.timestamp_column = "3";
  data.timestamp_format = TimestampFormat::kUnixSeconds;
  spec.interactions.push_back(data);

  TAILOR_ASSIGN_OR_RETURN(std::string user_path,
                          FindFile(fs, dir, {"u.user"}, false));
  if (!user_path.empty()) {
    AttributeSource users;
    users.path = user_path;
    users.format.dialect = {'|', false};
    users.format.has_header = false;
    users.id_column = "0";
    users.columns = {{"age", "1", {}, {}},
                     {"gender", "2", {}, {}},
                     {"occupation", "3", {}, {}},
                     {"zip", "4", {}, {}}};
    spec.users.push_back(users);
  }
  TAILOR_ASSIGN_OR_RETURN(std::string item_path,
                          FindFile(fs, dir, {"u.item"}, false));
  if (!item_path.empty()) {
    AttributeSource items;
    items.path = item_path;
    items.format.dialect = {'|', false};
    items.format.has_header = false;
    items.format.latin1 = true;
    items.id_column = "0";
    TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> genres,
                            ReadGenres(fs, dir));
    AttributeColumn genre_col{"genres", "", {}, genres};
    for (size_t i = 0; i < genres.size(); ++i) {
      genre_col.flag_columns.push_back(std::to_string(5 + i));
    }
    items.columns = {{"title", "1", {}, {}},
                     {"release_date", "2", {}, {}},
                     {"video_release_date", "3", {}, {}},
                     {"imdb_url", "4", {}, {}},
                     genre_col};
    spec.items.push_back(items);
  }
  spec.policy.push_back(
      "movielens100k: every rating is kept as one entry (value = rating "
      "1-5, timestamp = unix seconds); u.item is read as ISO-8859-1 and "
      "stored as UTF-8; genres are the names of the set flags joined by '|'");
  return spec;
}

absl::StatusOr<IngestSpec> OnlineRetail(FileSystem* fs,
                                        const std::string& input) {
  IngestSpec spec;
  spec.preset = "online_retail";
  spec.value_name = "quantity";
  InteractionSource src;
  if (fs->ListDir(input).ok()) {  // a directory: look for the file
    TAILOR_ASSIGN_OR_RETURN(
        src.path,
        FindFile(fs, input, {"online_retail.csv", "Online Retail.csv"}, true));
  } else {
    src.path = input;
  }
  src.format.dialect = {',', true};
  src.format.has_header = true;
  src.user_column = "CustomerID";
  src.item_column = "StockCode";
  src.value_column = "Quantity";
  src.timestamp_column = "InvoiceDate";
  src.timestamp_format = TimestampFormat::kIso;
  src.quantity_column = "Quantity";
  src.price_column = "UnitPrice";
  src.normalize_numeric_ids = true;
  src.cancel_column = "InvoiceNo";
  src.cancel_prefix = "C";
  src.missing_user_is_policy = true;
  src.reject_non_positive_quantity = true;
  src.reject_non_positive_price = true;
  src.user_attributes = {{"country", "Country", {}, {}}};
  src.item_attributes = {{"description", "Description", {}, {}},
                         {"unit_price", "UnitPrice", {}, {}}};
  spec.interactions.push_back(src);
  spec.policy = {
      "online_retail: checks run in this order and the first that applies "
      "names the reason",
      "cancellation: InvoiceNo starting with 'C' (a cancelled invoice) is "
      "rejected, not netted against the original purchase",
      "missing_user_id: empty CustomerID (anonymous purchase) is rejected",
      "non_positive_quantity: Quantity <= 0 (returns, adjustments) is "
      "rejected",
      "non_positive_price: UnitPrice <= 0 (free items, bad debt, "
      "adjustments) is rejected",
      "accepted lines keep every event: value = Quantity, amount = Quantity * "
      "UnitPrice, timestamp = InvoiceDate read as UTC; CustomerID \"17850.0\" "
      "becomes \"17850\"; item attributes (Description, UnitPrice) and the "
      "user's Country come from the first accepted line of each"};
  return spec;
}

absl::StatusOr<IngestSpec> Synth(FileSystem* fs, const std::string& dir) {
  IngestSpec spec;
  spec.preset = "synth";
  spec.value_name = "value";
  InteractionSource src;
  TAILOR_ASSIGN_OR_RETURN(src.path,
                          FindFile(fs, dir, {"interactions.csv"}, true));
  src.format.dialect = {',', true};
  src.user_column = "user_id";
  src.item_column = "item_id";
  src.value_column = "value";
  src.timestamp_column = "timestamp";
  src.timestamp_format = TimestampFormat::kAuto;
  src.price_column = "price";
  spec.interactions.push_back(src);
  TAILOR_ASSIGN_OR_RETURN(std::string users,
                          FindFile(fs, dir, {"users.csv"}, false));
  if (!users.empty()) {
    AttributeSource a;
    a.path = users;
    a.id_column = "user_id";
    spec.users.push_back(a);  // every other column is an attribute
  }
  TAILOR_ASSIGN_OR_RETURN(std::string items,
                          FindFile(fs, dir, {"items.csv"}, false));
  if (!items.empty()) {
    AttributeSource a;
    a.path = items;
    a.id_column = "item_id";
    spec.items.push_back(a);
  }
  spec.policy.push_back(
      "synth: every event is kept; value = value column, amount = price "
      "column, timestamp = timestamp column (unix seconds or ISO)");
  return spec;
}

}  // namespace

std::vector<std::string> PresetNames() {
  return {"movielens100k", "online_retail", "synth"};
}

absl::StatusOr<IngestSpec> PresetSpec(FileSystem* fs, const std::string& name,
                                      const std::string& input) {
  if (input.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--preset=", name, " needs --input"));
  }
  if (!fs->Exists(input)) {
    return absl::NotFoundError(
        absl::StrCat("--input ", input, " does not exist"));
  }
  if (name == "movielens100k") return MovieLens100k(fs, input);
  if (name == "synth") return Synth(fs, input);
  if (name == "online_retail") return OnlineRetail(fs, input);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown --preset=", name,
                   "; known: ", absl::StrJoin(PresetNames(), ", ")));
}

}  // namespace tailor
