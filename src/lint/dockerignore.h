// .dockerignore with Docker's semantics (github.com/moby/patternmatcher and its ignorefile package, which BuildKit
// uses): lines starting with '#' are comments, patterns are cleaned like Go's filepath.Clean and made relative,
// `*` and `?` stay within one path component, `**` spans any number of components, a leading `!` re-includes, and
// patterns apply in order so the last match wins. A path is excluded when it or any of its parent directories
// matches.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace customs::lint {

class DockerIgnore {
 public:
  // Parses .dockerignore content. Errors (kInvalidArgument): a lone "!" or a malformed pattern such as "[a".
  [[nodiscard]] static Result<DockerIgnore> Parse(std::string_view content);

  DockerIgnore(DockerIgnore&&) noexcept;
  DockerIgnore& operator=(DockerIgnore&&) noexcept;
  ~DockerIgnore();

  // patternmatcher.MatchesOrParentMatches: is `path` (relative to the context, '/'-separated, cleaned) excluded?
  bool MatchesOrParentMatches(std::string_view path) const;
  // True when any pattern is an exclusion ("!..."); BuildKit's CopyIgnoredFile check is off then.
  bool HasExclusions() const;
  // True when a non-exclusion pattern is "*", "**" or "**/*" (everything at the context root is excluded).
  bool ExcludesContextRoot() const;
  std::size_t size() const;

 private:
  struct Pattern;
  DockerIgnore();
  std::vector<std::unique_ptr<Pattern>> patterns_;
  bool exclusions_ = false;
};

// Go's path.Clean: the shortest equivalent path ("a//b/../c/" -> "a/c", "" -> ".").
std::string CleanPath(std::string_view path);

}  // namespace customs::lint
