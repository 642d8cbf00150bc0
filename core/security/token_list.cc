#include "core/security/token_list.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tailor::security {
namespace {

constexpr size_t kMinTokenLength = 16;

bool ValidCaller(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

bool ValidToken(absl::string_view s) {
  if (s.size() < kMinTokenLength) return false;
  for (char c : s) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

// Equal contents, in time that depends on the lengths only.
bool SameBytes(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

absl::StatusOr<TokenList> TokenList::Parse(absl::string_view text,
                                           absl::string_view source) {
  TokenList list;
  std::set<std::string> callers, tokens;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string where = absl::StrCat(source, ":", line_number, ": ");
    if (fields.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "expected '<caller> <token>', got ",
                       fields.size(), " fields"));
    }
    if (!ValidCaller(fields[0])) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "caller name '", fields[0], "' is not [A-Za-z0-9_.-]+"));
    }
    if (!ValidToken(fields[1])) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "the token of '", fields[0], "' must be at least ",
          kMinTokenLength, " printable characters without spaces"));
    }
    if (!callers.insert(std::string(fields[0])).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "caller '", fields[0], "' appears twice"));
    }
    if (!tokens.insert(std::string(fields[1])).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "the token of '", fields[0], "' is already used"));
    }
    list.entries_.emplace_back(fields[0], fields[1]);
  }
  if (list.entries_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no tokens (lines '<caller> <token>')"));
  }
  return list;
}

absl::StatusOr<TokenList> TokenList::Load(FileSystem* fs,
                                          const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(fs, path);
  if (!text.ok()) {
    return absl::Status(
        text.status().code(),
        absl::StrCat("token file ", path, ": ", text.status().message()));
  }
  return Parse(*text, path);
}

absl::StatusOr<std::string> TokenList::CallerFor(
    absl::string_view token) const {
  const std::string* found = nullptr;
  for (const auto& [caller, known] : entries_) {  // no early exit
    if (SameBytes(known, token)) found = &caller;
  }
  if (found == nullptr) return absl::NotFoundError("unknown token");
  return *found;
}

absl::StatusOr<std::string> TokenList::CallerForHeader(
    absl::string_view header) const {
  absl::string_view token = header;
  if (!absl::ConsumePrefix(&token, "Bearer ") &&
      !absl::ConsumePrefix(&token, "bearer ")) {
    return absl::UnauthenticatedError(
        "the authorization metadata is not 'Bearer <token>'");
  }
  absl::StatusOr<std::string> caller =
      CallerFor(absl::StripAsciiWhitespace(token));
  if (!caller.ok()) {
    return absl::UnauthenticatedError(
        "the bearer token is not in the server's token file");
  }
  return caller;
}

}  // namespace tailor::security
