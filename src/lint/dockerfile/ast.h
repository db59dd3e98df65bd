// The Dockerfile syntax tree, shaped like BuildKit's parser.Node but flattened: one Instruction per line group.
// Every instruction keeps its exact line span (1-based, inclusive) and its original text (continuations joined).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace customs::lint {

struct Heredoc {
  std::string name;
  std::string content;  // the body lines, each with its newline, exactly as written (no tab stripping)
  bool expand = true;   // false when any part of the delimiter was quoted
  bool chomp = false;   // <<- : leading tabs are stripped when the heredoc is used
  unsigned file_descriptor = 0;
};

struct Instruction {
  std::string cmd;                  // upper case: "RUN"; unknown instructions keep their spelling, upper-cased
  std::string keyword;              // as written: "run"
  int start_line = 0;               // 1-based
  int end_line = 0;                 // includes heredoc bodies
  int text_end_line = 0;            // last line of the instruction text itself (before heredoc bodies)
  bool empty_continuation = false;  // a blank line inside the continuation (BuildKit NoEmptyContinuation)
  std::vector<std::string> flags;   // "--mount=type=cache,target=/root" (quotes removed as BuildKit does)
  bool json_form = false;
  // BuildKit's argument list: JSON elements; the single shell-form string for RUN/CMD/ENTRYPOINT/SHELL; the
  // whitespace-split words for FROM/EXPOSE/ADD/COPY/VOLUME; key,value,sep triples for ENV/LABEL ("=" or "").
  std::vector<std::string> args;
  std::vector<Heredoc> heredocs;
  std::string original;  // the instruction's text with continuations joined
  // Comment lines directly above, as BuildKit's PrevComment: text after '#', trimmed; an empty `#` line resets the
  // list, blank lines do not; parser directives are not included.
  std::vector<std::string> comments;
  std::unique_ptr<Instruction> onbuild_child;  // ONBUILD's instruction (its lines are 0)

  // The text after the flags (shell-form command for RUN/CMD/ENTRYPOINT), for convenience.
  std::string rest;
};

struct ParserDirective {
  std::string name;  // lower case: syntax, escape, check
  std::string value;
  int line = 0;
};

struct Dockerfile {
  char escape = '\\';
  std::vector<ParserDirective> directives;
  std::vector<Instruction> instructions;
  std::vector<std::string> warnings;  // BuildKit's parser warnings ("Empty continuation line found in: ...")
  int line_count = 0;
};

}  // namespace customs::lint
