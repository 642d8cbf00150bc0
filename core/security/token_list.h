#ifndef TAILOR_CORE_SECURITY_TOKEN_LIST_H_
#define TAILOR_CORE_SECURITY_TOKEN_LIST_H_

// The bearer tokens a server accepts, each naming its caller. File format
// (docs/security.md): one "<caller> <token>" pair per line, '#' starts a
// comment line, blank lines are ignored; caller names are [A-Za-z0-9_.-]+,
// tokens are at least 16 printable ASCII characters without spaces, and
// neither repeats. Lookups compare in time independent of where a token
// differs. Immutable; thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/file_system.h"

namespace tailor::security {

class TokenList {
 public:
  // `source` names the input in error messages ("file:line: ...").
  static absl::StatusOr<TokenList> Parse(absl::string_view text,
                                         absl::string_view source);
  static absl::StatusOr<TokenList> Load(FileSystem* fs,
                                        const std::string& path);

  // The caller named for `token`, or NOT_FOUND.
  absl::StatusOr<std::string> CallerFor(absl::string_view token) const;
  // The caller for an "authorization" metadata value "Bearer <token>";
  // UNAUTHENTICATED for a malformed value or an unknown token.
  absl::StatusOr<std::string> CallerForHeader(absl::string_view header) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;  // caller, token
};

}  // namespace tailor::security

#endif  // TAILOR_CORE_SECURITY_TOKEN_LIST_H_
