// Falco condition grammar: parsing condition text into an AST, and compiling an AST (with macros and lists
// resolved) into a Filter that evaluates an Event without allocating.
//
// Grammar (falcosecurity/libs userspace/libsinsp/filter/parser.h), precedence not > and > or:
//   expr    := and ('or' and)*
//   and     := not ('and' not)*
//   not     := 'not' not | primary
//   primary := '(' expr ')' | lhs unary-op | lhs binary-op value | MACRO
//   lhs     := FIELD[arg] | TRANSFORMER '(' lhs ')'          (tolower, toupper, b64, basename, len)
//   value   := quoted | bare | 'val(' FIELD[arg] ')' | '(' item (',' item)* ')'   (list items may name a `list`)
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
  bool field_ref = false;  // val(FIELD): compare with another field of the same event; text is the field
};

// Falco's field transformers (applied to the left-hand field before the comparison).
enum class Transformer : uint8_t { kToLower, kToUpper, kB64, kBasename, kLen };
std::string_view TransformerName(Transformer transformer);

struct AstNode {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kCompare, kMacro };
  Kind kind = Kind::kAnd;
  std::vector<std::unique_ptr<AstNode>> children;
  // kCompare
  std::string field;  // "proc.aname"
  std::string field_arg;
  bool has_field_arg = false;
  std::vector<Transformer> transformers;  // innermost first: toupper(tolower(x)) = {kToLower, kToUpper}
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

class DomainSet;

// What a compile needs: macro ASTs and list items by name.
struct CompileEnv {
  const std::map<std::string, const AstNode*, std::less<>>* macros = nullptr;
  const std::map<std::string, std::vector<std::string>, std::less<>>* lists = nullptr;
  size_t max_nodes = 1'000'000;  // bound on the expanded tree (macro blow-up)
  size_t max_list_items = 2'000'000;
  // Receives the domain-name sets of fd.*.name comparisons (resolved later by a DomainRefresher); may be null.
  std::vector<std::shared_ptr<DomainSet>>* domain_sets = nullptr;
};

struct CompiledCondition {
  std::unique_ptr<Filter> filter;
  EventTypeSet event_types;                      // types the condition can match (superset)
  std::vector<std::string> unknown_event_types;  // evt.type values customs never produces
  size_t node_count = 0;
};

// Falco's canonical text of a condition: every comparison and list parenthesised ("(evt.type = open)"), list items
// separated by ", ", strings quoted when they need it.
std::string AstToString(const AstNode& node);

// Inlines macros and lists: the result has no kMacro node, and list names inside value lists are replaced by their
// items (recursively). Errors as CompileCondition's (undefined macro, recursion, blow-up beyond max_nodes).
[[nodiscard]] Result<std::unique_ptr<AstNode>> ExpandAst(const AstNode& node, const CompileEnv& env);

// Compiles an AST. Errors: kUnsupported "unknown field 'x'" (with " (in macro 'm')" when it comes from a macro),
// kInvalidArgument for bad values, undefined macros, macro recursion, or blow-up beyond max_nodes.
[[nodiscard]] Result<CompiledCondition> CompileCondition(const AstNode& ast, const CompileEnv& env);

// Glob matching as fnmatch(3) without flags: '*', '?', '[...]' with ranges and '!'/'^' negation; '\' escapes.
bool GlobMatch(std::string_view pattern, std::string_view text, bool case_insensitive = false);

}  // namespace customs::runtime
