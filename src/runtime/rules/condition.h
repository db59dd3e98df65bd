// Falco condition grammar: parsing condition text into an AST, and compiling an AST (with macros and lists
// resolved) into a Filter that evaluates an Event without allocating.
//
// Grammar (falcosecurity/libs userspace/libsinsp/filter/parser.h), precedence not > and > or:
//   expr    := and ('or' and)*
//   and     := not ('and' not)*
//   not     := 'not' not | primary
//   primary := '(' expr ')' | FIELD[arg] unary-op | FIELD[arg] binary-op value | MACRO
//   value   := quoted | bare | '(' item (',' item)* ')'     (list items may name a `list`)
#pragma once

#include <bitset>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "runtime/event.h"
#include "runtime/rules/fields.h"

namespace customs::runtime {

enum class CompareOp : uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kIntersects,
  kContains,
  kIContains,
  kBContains,
  kStartsWith,
  kBStartsWith,
  kEndsWith,
  kGlob,
  kIGlob,
  kPmatch,
  kExists,
  kRegex,
};
std::string_view CompareOpName(CompareOp op);

struct AstValue {
  std::string text;
  bool quoted = false;
};

struct AstNode {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kCompare, kMacro };
  Kind kind = Kind::kAnd;
  std::vector<std::unique_ptr<AstNode>> children;
  // kCompare
  std::string field;  // "proc.aname"
  std::string field_arg;
  bool has_field_arg = false;
  CompareOp op = CompareOp::kEq;
  std::vector<AstValue> values;
  bool list_value = false;  // the value was a parenthesised list
  // kMacro
  std::string macro;
  size_t offset = 0;  // byte offset in the condition text
};

// Parses condition text. Errors (kInvalidArgument) carry the byte offset: "at offset N: expected ...". Nesting
// deeper than 256 levels is an error, not a stack overflow.
[[nodiscard]] Result<std::unique_ptr<AstNode>> ParseCondition(std::string_view text);

// Deep copy (exceptions and appends build new trees from parsed pieces).
std::unique_ptr<AstNode> CloneAst(const AstNode& node);

// A compiled condition. Eval is const and thread-compatible (evt.arg.flags uses a thread-local scratch buffer).
class Filter {
 public:
  virtual ~Filter() = default;
  virtual bool Eval(const Event& event) const = 0;
};

using EventTypeSet = std::bitset<kEventTypeCount>;

// What a compile needs: macro ASTs and list items by name.
struct CompileEnv {
  const std::map<std::string, const AstNode*, std::less<>>* macros = nullptr;
  const std::map<std::string, std::vector<std::string>, std::less<>>* lists = nullptr;
  size_t max_nodes = 1'000'000;  // bound on the expanded tree (macro blow-up)
  size_t max_list_items = 2'000'000;
};

struct CompiledCondition {
  std::unique_ptr<Filter> filter;
  EventTypeSet event_types;                      // types the condition can match (superset)
  std::vector<std::string> unknown_event_types;  // evt.type values customs never produces
  size_t node_count = 0;
};

// Compiles an AST. Errors: kUnsupported "unknown field 'x'" (with " (in macro 'm')" when it comes from a macro),
// kInvalidArgument for bad values, undefined macros, macro recursion, or blow-up beyond max_nodes.
[[nodiscard]] Result<CompiledCondition> CompileCondition(const AstNode& ast, const CompileEnv& env);

// Glob matching as fnmatch(3) without flags: '*', '?', '[...]' with ranges and '!'/'^' negation; '\' escapes.
bool GlobMatch(std::string_view pattern, std::string_view text, bool case_insensitive = false);

}  // namespace customs::runtime
