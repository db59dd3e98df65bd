// BuildKit's Dockerfile word lexer (frontend/dockerfile/shell/lex.go semantics): quote removal, escapes, word
// splitting and variable substitution with every modifier BuildKit supports (${v:-w} ${v-w} ${v:+w} ${v+w}
// ${v?w} ${v:?w} ${v#p} ${v##p} ${v%p} ${v%%p} ${v/p/r} ${v//p/r}). Pure functions; thread-compatible.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace customs::lint {

// Looks a variable up; nullopt means unset (an empty string is "set but empty").
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

struct LexOptions {
  char32_t escape = U'\\';
  bool raw_quotes = false;      // keep quote characters in the output
  bool raw_escapes = false;     // keep escape characters in the output
  bool skip_unset_env = false;  // leave ${UNSET} as written instead of expanding to ""
};

struct ProcessResult {
  std::string result;               // the whole input expanded as one word (spaces kept)
  std::vector<std::string> words;   // the input split into words after expansion
  std::set<std::string> matched;    // variables that were looked up and set
  std::set<std::string> unmatched;  // variables that were looked up and unset
};

// Expands `input`. Errors (kInvalidArgument) for unterminated quotes, bad substitutions and `${v?}` on unset.
[[nodiscard]] Result<ProcessResult> ProcessShellWord(std::string_view input, const EnvLookup& env,
                                                     const LexOptions& options = {});

}  // namespace customs::lint
