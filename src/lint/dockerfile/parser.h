// Parses a Dockerfile with BuildKit's semantics (frontend/dockerfile/parser): parser directives, escape token,
// continuations (comments and blank lines inside them skipped), heredocs (several per line, after a continued
// line), JSON versus shell form, builder flags, ENV/LABEL in both forms, ONBUILD.
//
// Errors (kInvalidArgument) carry "line N: reason", e.g. "file with no instructions", "unterminated heredoc",
// "ENV must have two arguments". Runs in time linear in the input (heredoc lines are scanned once).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "lint/dockerfile/ast.h"

namespace customs::lint {

[[nodiscard]] Result<Dockerfile> ParseDockerfile(std::string_view content);

// BuildKit's heredoc word parser: "<<EOF", "<<-'EOF'", "3<<EOF". nullopt when the word is not a heredoc;
// an error for an unterminated quote.
[[nodiscard]] Result<std::optional<Heredoc>> ParseHeredocWord(std::string_view word);

// Heredoc delimiters found on one instruction line, in order.
[[nodiscard]] Result<std::vector<Heredoc>> HeredocsFromLine(std::string_view line);

// BuildKit's parseWords (ENV/LABEL/ARG word splitting that keeps quotes).
std::vector<std::string> ParseWords(std::string_view rest, char escape);

}  // namespace customs::lint
