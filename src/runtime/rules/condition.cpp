#include "runtime/rules/condition.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <set>
#include <unordered_set>

namespace customs::runtime {
namespace {

constexpr int kMaxDepth = 256;

struct OpName {
  std::string_view name;
  CompareOp op;
};
constexpr OpName kWordOps[] = {
    {"contains", CompareOp::kContains},
    {"icontains", CompareOp::kIContains},
    {"bcontains", CompareOp::kBContains},
    {"startswith", CompareOp::kStartsWith},
    {"bstartswith", CompareOp::kBStartsWith},
    {"endswith", CompareOp::kEndsWith},
    {"glob", CompareOp::kGlob},
    {"iglob", CompareOp::kIGlob},
    {"pmatch", CompareOp::kPmatch},
    {"in", CompareOp::kIn},
    {"intersects", CompareOp::kIntersects},
    {"exists", CompareOp::kExists},
    {"regex", CompareOp::kRegex},
};

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}
// Falco RGX_BARESTR: anything but parentheses, quotes, whitespace, '=' and ','.
bool IsBareChar(char c) {
  return c != '(' && c != ')' && c != '"' && c != '\'' && c != '=' && c != ',' &&
         !std::isspace(static_cast<unsigned char>(c)) && c != '\0';
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<std::unique_ptr<AstNode>> Parse() {
    CUSTOMS_ASSIGN_OR_RETURN(auto node, ParseOr(0));
    SkipSpace();
    if (pos_ != text_.size()) {
      return Fail("unexpected text '{}'", Context());
    }
    return node;
  }

 private:
  template <class... Args>
  tl::unexpected<Error> Fail(fmt::format_string<Args...> format, Args&&... args) {
    return tl::unexpected<Error>(
        Error(ErrorCode::kInvalidArgument,
              fmt::format("at offset {}: {}", pos_, fmt::format(format, std::forward<Args>(args)...))));
  }

  std::string Context() const { return std::string(text_.substr(pos_, 24)); }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }

  // True if the keyword `word` is next (followed by a non-identifier character); consumes it.
  bool AcceptKeyword(std::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) {
      return false;
    }
    size_t end = pos_ + word.size();
    if (end < text_.size() && IsIdentChar(text_[end])) {
      return false;
    }
    pos_ = end;
    return true;
  }

  Result<std::unique_ptr<AstNode>> ParseOr(int depth) {
    if (depth > kMaxDepth) {
      return Fail("conditions nested deeper than {} levels", kMaxDepth);
    }
    CUSTOMS_ASSIGN_OR_RETURN(auto left, ParseAnd(depth + 1));
    if (!PeekKeyword("or")) {
      return left;
    }
    auto node = std::make_unique<AstNode>();
    node->kind = AstNode::Kind::kOr;
    node->offset = left->offset;
    node->children.push_back(std::move(left));
    while (AcceptKeyword("or")) {
      CUSTOMS_ASSIGN_OR_RETURN(auto right, ParseAnd(depth + 1));
      node->children.push_back(std::move(right));
    }
    return node;
  }

  bool PeekKeyword(std::string_view word) {
    size_t saved = pos_;
    bool found = AcceptKeyword(word);
    pos_ = saved;
    return found;
  }

  Result<std::unique_ptr<AstNode>> ParseAnd(int depth) {
    CUSTOMS_ASSIGN_OR_RETURN(auto left, ParseNot(depth + 1));
    if (!PeekKeyword("and")) {
      return left;
    }
    auto node = std::make_unique<AstNode>();
    node->kind = AstNode::Kind::kAnd;
    node->offset = left->offset;
    node->children.push_back(std::move(left));
    while (AcceptKeyword("and")) {
      CUSTOMS_ASSIGN_OR_RETURN(auto right, ParseNot(depth + 1));
      node->children.push_back(std::move(right));
    }
    return node;
  }

  Result<std::unique_ptr<AstNode>> ParseNot(int depth) {
    if (depth > kMaxDepth) {
      return Fail("conditions nested deeper than {} levels", kMaxDepth);
    }
    SkipSpace();
    size_t start = pos_;
    if (AcceptKeyword("not")) {
      CUSTOMS_ASSIGN_OR_RETURN(auto child, ParseNot(depth + 1));
      auto node = std::make_unique<AstNode>();
      node->kind = AstNode::Kind::kNot;
      node->offset = start;
      node->children.push_back(std::move(child));
      return node;
    }
    return ParsePrimary(depth + 1);
  }

  Result<std::unique_ptr<AstNode>> ParsePrimary(int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) {
      return Fail("unexpected end of condition");
    }
    size_t start = pos_;
    if (text_[pos_] == '(') {
      ++pos_;
      CUSTOMS_ASSIGN_OR_RETURN(auto inner, ParseOr(depth + 1));
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ')') {
        return Fail("expected ')'");
      }
      ++pos_;
      return inner;
    }
    if (!IsIdentStart(text_[pos_])) {
      return Fail("expected a field, a macro or '(' at '{}'", Context());
    }
    size_t end = pos_;
    while (end < text_.size() && IsIdentChar(text_[end])) {
      ++end;
    }
    std::string_view ident = text_.substr(pos_, end - pos_);
    if (ident == "and" || ident == "or") {
      return Fail("unexpected '{}'", ident);
    }
    pos_ = end;
    if (pos_ < text_.size() && text_[pos_] == '(') {
      return Fail("field transformers such as '{}(...)' are not supported", ident);
    }
    auto node = std::make_unique<AstNode>();
    node->offset = start;
    if (ident.find('.') == std::string_view::npos) {
      node->kind = AstNode::Kind::kMacro;
      node->macro = std::string(ident);
      return node;
    }
    node->kind = AstNode::Kind::kCompare;
    node->field = std::string(ident);
    if (pos_ < text_.size() && text_[pos_] == '[') {
      size_t close = text_.find(']', pos_);
      if (close == std::string_view::npos) {
        return Fail("missing ']' after field argument");
      }
      node->field_arg = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
      node->has_field_arg = true;
      pos_ = close + 1;
    }
    CUSTOMS_ASSIGN_OR_RETURN(node->op, ParseOperator());
    if (node->op == CompareOp::kExists) {
      return node;
    }
    CUSTOMS_RETURN_IF_ERROR(ParseValue(*node));
    return node;
  }

  Result<CompareOp> ParseOperator() {
    SkipSpace();
    if (pos_ >= text_.size()) {
      return Fail("expected an operator");
    }
    std::string_view rest = text_.substr(pos_);
    struct Sym {
      std::string_view text;
      CompareOp op;
    };
    static constexpr Sym kSymbols[] = {{"==", CompareOp::kEq}, {"!=", CompareOp::kNe}, {"<=", CompareOp::kLe},
                                       {">=", CompareOp::kGe}, {"=", CompareOp::kEq},  {"<", CompareOp::kLt},
                                       {">", CompareOp::kGt}};
    for (const Sym& sym : kSymbols) {
      if (rest.substr(0, sym.text.size()) == sym.text) {
        pos_ += sym.text.size();
        return sym.op;
      }
    }
    for (const OpName& op : kWordOps) {
      if (AcceptKeyword(op.name)) {
        return op.op;
      }
    }
    return Fail("expected an operator at '{}'", Context());
  }

  Result<AstValue> ParseScalar() {
    SkipSpace();
    if (pos_ >= text_.size()) {
      return Fail("expected a value");
    }
    char c = text_[pos_];
    if (c == '"' || c == '\'') {
      char quote = c;
      ++pos_;
      AstValue value;
      value.quoted = true;
      while (true) {
        if (pos_ >= text_.size()) {
          return Fail("unterminated string");
        }
        char ch = text_[pos_++];
        if (ch == quote) {
          break;
        }
        if (ch == '\\' && pos_ < text_.size()) {
          char next = text_[pos_++];
          if (next == quote || next == '\\') {
            value.text.push_back(next);
          } else {
            value.text.push_back('\\');
            value.text.push_back(next);
          }
          continue;
        }
        value.text.push_back(ch);
      }
      return value;
    }
    size_t start = pos_;
    while (pos_ < text_.size() && IsBareChar(text_[pos_])) {
      ++pos_;
    }
    if (pos_ == start) {
      return Fail("expected a value at '{}'", Context());
    }
    return AstValue{std::string(text_.substr(start, pos_ - start)), false};
  }

  Status ParseValue(AstNode& node) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      node.list_value = true;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ')') {
        ++pos_;
        return Ok();
      }
      while (true) {
        CUSTOMS_ASSIGN_OR_RETURN(AstValue item, ParseScalar());
        node.values.push_back(std::move(item));
        SkipSpace();
        if (pos_ >= text_.size()) {
          return Fail("unterminated list");
        }
        if (text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (text_[pos_] == ')') {
          ++pos_;
          break;
        }
        // Falco also accepts whitespace-separated items.
      }
      return Ok();
    }
    CUSTOMS_ASSIGN_OR_RETURN(AstValue value, ParseScalar());
    node.values.push_back(std::move(value));
    return Ok();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------------------------
// Compiled filters.

class AndFilter final : public Filter {
 public:
  explicit AndFilter(std::vector<std::unique_ptr<Filter>> children) : children_(std::move(children)) {}
  bool Eval(const Event& event) const override {
    for (const auto& child : children_) {
      if (!child->Eval(event)) {
        return false;
      }
    }
    return true;
  }

 private:
  std::vector<std::unique_ptr<Filter>> children_;
};

class OrFilter final : public Filter {
 public:
  explicit OrFilter(std::vector<std::unique_ptr<Filter>> children) : children_(std::move(children)) {}
  bool Eval(const Event& event) const override {
    for (const auto& child : children_) {
      if (child->Eval(event)) {
        return true;
      }
    }
    return false;
  }

 private:
  std::vector<std::unique_ptr<Filter>> children_;
};

class NotFilter final : public Filter {
 public:
  explicit NotFilter(std::unique_ptr<Filter> child) : child_(std::move(child)) {}
  bool Eval(const Event& event) const override { return !child_->Eval(event); }

 private:
  std::unique_ptr<Filter> child_;
};

class ConstFilter final : public Filter {
 public:
  explicit ConstFilter(bool value) : value_(value) {}
  bool Eval(const Event&) const override { return value_; }

 private:
  bool value_;
};

class EventTypeFilter final : public Filter {
 public:
  EventTypeFilter(EventTypeSet set, bool negate) : set_(set), negate_(negate) {}
  bool Eval(const Event& event) const override { return set_.test(static_cast<size_t>(event.type)) != negate_; }

 private:
  EventTypeSet set_;
  bool negate_;
};

class ExistsFilter final : public Filter {
 public:
  explicit ExistsFilter(FieldRef ref) : ref_(ref) {}
  bool Eval(const Event& event) const override {
    switch (ref_.spec->type) {
      case FieldType::kString: {
        if (IsMultiValued(ref_)) {
          return AnyString(event, ref_, [](std::string_view) { return true; });
        }
        std::string_view value;
        return ExtractString(event, ref_, &value);
      }
      case FieldType::kInt: {
        int64_t value;
        return ExtractInt(event, ref_, &value);
      }
      case FieldType::kBool: {
        bool value;
        return ExtractBool(event, ref_, &value);
      }
      case FieldType::kIp: {
        uint8_t family;
        const uint8_t* addr;
        return ExtractIp(event, ref_, &family, &addr);
      }
      case FieldType::kEventType: return true;
    }
    return false;
  }

 private:
  FieldRef ref_;
};

char Lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool IContains(std::string_view haystack, std::string_view lower_needle) {
  if (lower_needle.empty()) {
    return true;
  }
  if (haystack.size() < lower_needle.size()) {
    return false;
  }
  auto it = std::search(haystack.begin(), haystack.end(), lower_needle.begin(), lower_needle.end(),
                        [](char a, char b) { return Lower(a) == b; });
  return it != haystack.end();
}

bool PathUnder(std::string_view path, std::string_view prefix) {
  if (path.size() < prefix.size() || path.substr(0, prefix.size()) != prefix) {
    return false;
  }
  if (path.size() == prefix.size()) {
    return true;
  }
  return prefix.empty() || prefix.back() == '/' || path[prefix.size()] == '/';
}

struct StringViewHash {
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class StringFilter final : public Filter {
 public:
  StringFilter(FieldRef ref, CompareOp op) : ref_(ref), op_(op) {}

  Status Init(std::vector<std::string> values) {
    values_ = std::move(values);
    if (op_ == CompareOp::kIContains) {
      for (auto& v : values_) {
        std::transform(v.begin(), v.end(), v.begin(), Lower);
      }
    }
    if (op_ == CompareOp::kIGlob) {
      for (auto& v : values_) {
        std::transform(v.begin(), v.end(), v.begin(), Lower);
      }
    }
    if (op_ == CompareOp::kBContains || op_ == CompareOp::kBStartsWith) {
      for (auto& v : values_) {
        CUSTOMS_ASSIGN_OR_RETURN(v, DecodeHex(v));
      }
    }
    if (op_ == CompareOp::kRegex) {
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(8 << 20);
      regex_ = std::make_unique<RE2>(values_[0], options);
      if (!regex_->ok()) {
        return MakeError(ErrorCode::kInvalidArgument, "bad regex '{}': {}", values_[0].substr(0, 80), regex_->error());
      }
    }
    if ((op_ == CompareOp::kIn || op_ == CompareOp::kIntersects) && values_.size() > 8) {
      set_.reserve(values_.size());
      for (const auto& v : values_) {
        set_.insert(v);
      }
    }
    return Ok();
  }

  bool Eval(const Event& event) const override {
    if (IsMultiValued(ref_)) {
      return AnyString(event, ref_, [this](std::string_view v) { return Match(v); });
    }
    std::string_view value;
    if (!ExtractString(event, ref_, &value)) {
      return false;
    }
    return Match(value);
  }

 private:
  static Result<std::string> DecodeHex(std::string_view hex) {
    if (hex.size() % 2 != 0) {
      return MakeError(ErrorCode::kInvalidArgument, "bcontains needs hex bytes: '{}'", hex);
    }
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2) {
      unsigned value = 0;
      auto [ptr, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
      if (ec != std::errc() || ptr != hex.data() + i + 2) {
        return MakeError(ErrorCode::kInvalidArgument, "bcontains needs hex bytes: '{}'", hex);
      }
      out.push_back(static_cast<char>(value));
    }
    return out;
  }

  bool Match(std::string_view value) const {
    switch (op_) {
      case CompareOp::kEq: return value == values_[0];
      case CompareOp::kNe: return value != values_[0];
      case CompareOp::kLt: return value < values_[0];
      case CompareOp::kLe: return value <= values_[0];
      case CompareOp::kGt: return value > values_[0];
      case CompareOp::kGe: return value >= values_[0];
      case CompareOp::kIn:
      case CompareOp::kIntersects:
        if (!set_.empty()) {
          return set_.count(value) != 0;
        }
        for (const auto& v : values_) {
          if (v == value) {
            return true;
          }
        }
        return false;
      case CompareOp::kContains:
      case CompareOp::kBContains: return value.find(values_[0]) != std::string_view::npos;
      case CompareOp::kIContains: return IContains(value, values_[0]);
      case CompareOp::kStartsWith:
      case CompareOp::kBStartsWith: return value.substr(0, values_[0].size()) == values_[0];
      case CompareOp::kEndsWith:
        return value.size() >= values_[0].size() && value.substr(value.size() - values_[0].size()) == values_[0];
      case CompareOp::kGlob: return GlobMatch(values_[0], value);
      case CompareOp::kIGlob: return GlobMatch(values_[0], value, true);
      case CompareOp::kPmatch:
        for (const auto& prefix : values_) {
          if (PathUnder(value, prefix)) {
            return true;
          }
        }
        return false;
      case CompareOp::kRegex: return RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *regex_);
      case CompareOp::kExists: return true;
    }
    return false;
  }

  FieldRef ref_;
  CompareOp op_;
  std::vector<std::string> values_;
  std::unordered_set<std::string_view, StringViewHash> set_;
  std::unique_ptr<RE2> regex_;
};

class IntFilter final : public Filter {
 public:
  IntFilter(FieldRef ref, CompareOp op, std::vector<int64_t> values) : ref_(ref), op_(op), values_(std::move(values)) {}
  bool Eval(const Event& event) const override {
    if (IsMultiValued(ref_)) {
      for (int i = 1; i <= event.ancestor_count; ++i) {
        FieldRef indexed{ref_.spec, i};
        int64_t value;
        if (ExtractInt(event, indexed, &value) && Match(value)) {
          return true;
        }
      }
      return false;
    }
    int64_t value;
    if (!ExtractInt(event, ref_, &value)) {
      return false;
    }
    return Match(value);
  }

 private:
  bool Match(int64_t value) const {
    switch (op_) {
      case CompareOp::kEq: return value == values_[0];
      case CompareOp::kNe: return value != values_[0];
      case CompareOp::kLt: return value < values_[0];
      case CompareOp::kLe: return value <= values_[0];
      case CompareOp::kGt: return value > values_[0];
      case CompareOp::kGe: return value >= values_[0];
      case CompareOp::kIn:
      case CompareOp::kIntersects: return std::find(values_.begin(), values_.end(), value) != values_.end();
      default: return false;
    }
  }
  FieldRef ref_;
  CompareOp op_;
  std::vector<int64_t> values_;
};

class BoolFilter final : public Filter {
 public:
  BoolFilter(FieldRef ref, bool expected) : ref_(ref), expected_(expected) {}
  bool Eval(const Event& event) const override {
    bool value;
    return ExtractBool(event, ref_, &value) && value == expected_;
  }

 private:
  FieldRef ref_;
  bool expected_;
};

struct Cidr {
  uint8_t family = 0;
  std::array<uint8_t, 16> addr{};
  int prefix = 0;
};

bool CidrContains(const Cidr& cidr, uint8_t family, const uint8_t* addr) {
  if (family != cidr.family) {
    return false;
  }
  int full = cidr.prefix / 8;
  if (std::memcmp(addr, cidr.addr.data(), full) != 0) {
    return false;
  }
  int rest = cidr.prefix % 8;
  if (rest == 0) {
    return true;
  }
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (addr[full] & mask) == (cidr.addr[full] & mask);
}

class IpFilter final : public Filter {
 public:
  IpFilter(FieldRef ref, bool negate, std::vector<Cidr> cidrs) : ref_(ref), negate_(negate), cidrs_(std::move(cidrs)) {}
  bool Eval(const Event& event) const override {
    uint8_t family;
    const uint8_t* addr;
    if (!ExtractIp(event, ref_, &family, &addr)) {
      return false;
    }
    bool any = false;
    for (const Cidr& cidr : cidrs_) {
      if (CidrContains(cidr, family, addr)) {
        any = true;
        break;
      }
    }
    return any != negate_;
  }

 private:
  FieldRef ref_;
  bool negate_;
  std::vector<Cidr> cidrs_;
};

bool ParseCidr(std::string_view text, Cidr* out) {
  size_t slash = text.find('/');
  std::string_view address = text.substr(0, slash);
  if (!ParseAddress(address, &out->family, &out->addr)) {
    return false;
  }
  int max = out->family == 2 ? 32 : 128;
  if (slash == std::string_view::npos) {
    out->prefix = max;
    return true;
  }
  std::string_view bits = text.substr(slash + 1);
  auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), out->prefix);
  return ec == std::errc() && ptr == bits.data() + bits.size() && out->prefix >= 0 && out->prefix <= max;
}

// ---------------------------------------------------------------------------------------------------------------
// The compiler.

class Compiler {
 public:
  explicit Compiler(const CompileEnv& env) : env_(env) {}

  struct Piece {
    std::unique_ptr<Filter> filter;
    EventTypeSet types;
    bool pure_type = false;  // an evt.type comparison: `not` may complement it
  };

  Result<Piece> Compile(const AstNode& node, int depth) {
    if (++nodes_ > env_.max_nodes) {
      return MakeError(ErrorCode::kInvalidArgument, "condition expands to more than {} nodes", env_.max_nodes);
    }
    if (depth > 4 * kMaxDepth) {
      return MakeError(ErrorCode::kInvalidArgument, "condition nested too deeply");
    }
    switch (node.kind) {
      case AstNode::Kind::kAnd:
      case AstNode::Kind::kOr: {
        bool is_and = node.kind == AstNode::Kind::kAnd;
        std::vector<std::unique_ptr<Filter>> children;
        EventTypeSet types;
        if (is_and) {
          types.set();
        }
        for (const auto& child : node.children) {
          CUSTOMS_ASSIGN_OR_RETURN(Piece piece, Compile(*child, depth + 1));
          types = is_and ? (types & piece.types) : (types | piece.types);
          children.push_back(std::move(piece.filter));
        }
        if (children.size() == 1) {
          return Piece{std::move(children[0]), types, false};
        }
        std::unique_ptr<Filter> filter;
        if (is_and) {
          filter = std::make_unique<AndFilter>(std::move(children));
        } else {
          filter = std::make_unique<OrFilter>(std::move(children));
        }
        return Piece{std::move(filter), types, false};
      }
      case AstNode::Kind::kNot: {
        CUSTOMS_ASSIGN_OR_RETURN(Piece child, Compile(*node.children[0], depth + 1));
        EventTypeSet types;
        types.set();
        if (child.pure_type) {
          types = ~child.types;
        }
        return Piece{std::make_unique<NotFilter>(std::move(child.filter)), types, child.pure_type};
      }
      case AstNode::Kind::kMacro: {
        auto it = env_.macros ? env_.macros->find(node.macro) : decltype(env_.macros->end()){};
        if (env_.macros == nullptr || it == env_.macros->end()) {
          return MakeError(ErrorCode::kInvalidArgument, "undefined macro '{}'", node.macro);
        }
        if (std::find(macro_stack_.begin(), macro_stack_.end(), node.macro) != macro_stack_.end()) {
          std::string chain;
          for (const auto& m : macro_stack_) {
            chain += m + " -> ";
          }
          return MakeError(ErrorCode::kInvalidArgument, "macro recursion: {}{}", chain, node.macro);
        }
        macro_stack_.push_back(node.macro);
        auto piece = Compile(*it->second, depth + 1);
        macro_stack_.pop_back();
        if (!piece) {
          if (piece.error().message().find("(in macro") != std::string::npos) {
            return piece;
          }
          return tl::unexpected(
              Error(piece.error().code(), fmt::format("{} (in macro '{}')", piece.error().message(), node.macro)));
        }
        return piece;
      }
      case AstNode::Kind::kCompare: return CompileCompare(node);
    }
    return MakeError(ErrorCode::kInternal, "bad node");
  }

  std::vector<std::string> unknown_types;
  std::vector<std::string> unknown_fields;
  size_t nodes_ = 0;

 private:
  Result<std::vector<std::string>> Values(const AstNode& node) {
    std::vector<std::string> out;
    for (const AstValue& value : node.values) {
      if (node.list_value && !value.quoted && env_.lists != nullptr) {
        auto it = env_.lists->find(value.text);
        if (it != env_.lists->end()) {
          for (const std::string& item : it->second) {
            // A list item is substituted as condition text: a quoted item loses its quotes.
            if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') && item.back() == item.front()) {
              out.push_back(item.substr(1, item.size() - 2));
            } else {
              out.push_back(item);
            }
          }
          if (out.size() > env_.max_list_items) {
            return MakeError(ErrorCode::kInvalidArgument, "value list longer than {} items", env_.max_list_items);
          }
          continue;
        }
      }
      out.push_back(value.text);
    }
    return out;
  }

  Result<Piece> CompileCompare(const AstNode& node) {
    const FieldSpec* spec = FindField(node.field);
    if (spec == nullptr) {
      // Keep compiling so one error names every unsupported field of the rule.
      std::string where = macro_stack_.empty() ? "" : fmt::format(" (in macro '{}')", macro_stack_.back());
      std::string entry = fmt::format("'{}'{}", node.field, where);
      if (std::find(unknown_fields.begin(), unknown_fields.end(), entry) == unknown_fields.end()) {
        unknown_fields.push_back(entry);
      }
      EventTypeSet all;
      all.set();
      return Piece{std::make_unique<ConstFilter>(false), all, false};
    }
    FieldRef ref{spec, -1};
    if (node.has_field_arg) {
      if (spec->arg == FieldArg::kNone) {
        return MakeError(ErrorCode::kUnsupported, "field '{}' takes no argument ('{}[{}]')", node.field, node.field,
                         node.field_arg);
      }
      int index = 0;
      auto [ptr, ec] = std::from_chars(node.field_arg.data(), node.field_arg.data() + node.field_arg.size(), index);
      if (ec != std::errc() || ptr != node.field_arg.data() + node.field_arg.size() || index < 0 ||
          index > kMaxAncestors) {
        return MakeError(ErrorCode::kUnsupported, "field '{}[{}]': index must be 0..{}", node.field, node.field_arg,
                         kMaxAncestors);
      }
      ref.index = index;
    }
    EventTypeSet all;
    all.set();
    CompareOp op = node.op;
    if (op == CompareOp::kExists) {
      return Piece{std::make_unique<ExistsFilter>(ref), all, false};
    }
    CUSTOMS_ASSIGN_OR_RETURN(std::vector<std::string> values, Values(node));
    bool multi_op = op == CompareOp::kIn || op == CompareOp::kIntersects || op == CompareOp::kPmatch;
    if (!multi_op && values.size() != 1) {
      return MakeError(ErrorCode::kInvalidArgument, "'{} {}' needs exactly one value", node.field, CompareOpName(op));
    }
    auto bad_op = [&]() {
      return MakeError(ErrorCode::kInvalidArgument, "operator '{}' is not valid for field '{}'", CompareOpName(op),
                       node.field);
    };
    switch (spec->type) {
      case FieldType::kEventType: {
        if (op != CompareOp::kEq && op != CompareOp::kNe && op != CompareOp::kIn && op != CompareOp::kIntersects) {
          return bad_op();
        }
        EventTypeSet set;
        for (const auto& value : values) {
          auto type = EventTypeFromName(value);
          if (type) {
            set.set(static_cast<size_t>(*type));
          } else {
            unknown_types.push_back(value);
          }
        }
        bool negate = op == CompareOp::kNe;
        return Piece{std::make_unique<EventTypeFilter>(set, negate), negate ? ~set : set, true};
      }
      case FieldType::kString: {
        auto filter = std::make_unique<StringFilter>(ref, op);
        CUSTOMS_RETURN_IF_ERROR(filter->Init(std::move(values)));
        return Piece{std::move(filter), all, false};
      }
      case FieldType::kInt: {
        switch (op) {
          case CompareOp::kEq:
          case CompareOp::kNe:
          case CompareOp::kLt:
          case CompareOp::kLe:
          case CompareOp::kGt:
          case CompareOp::kGe:
          case CompareOp::kIn:
          case CompareOp::kIntersects: break;
          default: return bad_op();
        }
        std::vector<int64_t> numbers;
        for (const auto& value : values) {
          int64_t number = 0;
          auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
          if (ec != std::errc() || ptr != value.data() + value.size()) {
            return MakeError(ErrorCode::kInvalidArgument, "field '{}' needs a number, got '{}'", node.field, value);
          }
          numbers.push_back(number);
        }
        return Piece{std::make_unique<IntFilter>(ref, op, std::move(numbers)), all, false};
      }
      case FieldType::kBool: {
        if (op != CompareOp::kEq && op != CompareOp::kNe) {
          return bad_op();
        }
        bool expected;
        if (values[0] == "true") {
          expected = true;
        } else if (values[0] == "false") {
          expected = false;
        } else {
          return MakeError(ErrorCode::kInvalidArgument, "field '{}' needs true or false, got '{}'", node.field,
                           values[0]);
        }
        if (op == CompareOp::kNe) {
          expected = !expected;
        }
        return Piece{std::make_unique<BoolFilter>(ref, expected), all, false};
      }
      case FieldType::kIp: {
        if (op != CompareOp::kEq && op != CompareOp::kNe && op != CompareOp::kIn && op != CompareOp::kIntersects) {
          return bad_op();
        }
        std::vector<Cidr> cidrs;
        for (const auto& value : values) {
          Cidr cidr;
          if (!ParseCidr(value, &cidr)) {
            return MakeError(ErrorCode::kInvalidArgument, "field '{}' needs an IP address or CIDR, got '{}'",
                             node.field, value);
          }
          cidrs.push_back(cidr);
        }
        return Piece{std::make_unique<IpFilter>(ref, op == CompareOp::kNe, std::move(cidrs)), all, false};
      }
    }
    return MakeError(ErrorCode::kInternal, "bad field type");
  }

  const CompileEnv& env_;
  std::vector<std::string> macro_stack_;
};

}  // namespace

std::string_view CompareOpName(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
    default: break;
  }
  for (const OpName& name : kWordOps) {
    if (name.op == op) {
      return name.name;
    }
  }
  return "?";
}

Result<std::unique_ptr<AstNode>> ParseCondition(std::string_view text) {
  return Parser(text).Parse();
}

std::unique_ptr<AstNode> CloneAst(const AstNode& node) {
  auto copy = std::make_unique<AstNode>();
  copy->kind = node.kind;
  copy->field = node.field;
  copy->field_arg = node.field_arg;
  copy->has_field_arg = node.has_field_arg;
  copy->op = node.op;
  copy->values = node.values;
  copy->list_value = node.list_value;
  copy->macro = node.macro;
  copy->offset = node.offset;
  for (const auto& child : node.children) {
    copy->children.push_back(CloneAst(*child));
  }
  return copy;
}

Result<CompiledCondition> CompileCondition(const AstNode& ast, const CompileEnv& env) {
  Compiler compiler(env);
  CUSTOMS_ASSIGN_OR_RETURN(Compiler::Piece piece, compiler.Compile(ast, 0));
  if (!compiler.unknown_fields.empty()) {
    std::string list;
    for (const auto& f : compiler.unknown_fields) {
      list += (list.empty() ? "" : ", ") + f;
    }
    return MakeError(ErrorCode::kUnsupported, "unknown field{} {}", compiler.unknown_fields.size() > 1 ? "s" : "",
                     list);
  }
  CompiledCondition out;
  out.filter = std::move(piece.filter);
  out.event_types = piece.types;
  std::sort(compiler.unknown_types.begin(), compiler.unknown_types.end());
  compiler.unknown_types.erase(std::unique(compiler.unknown_types.begin(), compiler.unknown_types.end()),
                               compiler.unknown_types.end());
  out.unknown_event_types = std::move(compiler.unknown_types);
  out.node_count = compiler.nodes_;
  return out;
}

bool GlobMatch(std::string_view pattern, std::string_view text, bool case_insensitive) {
  auto eq = [&](char a, char b) { return case_insensitive ? Lower(a) == Lower(b) : a == b; };
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char c = pattern[p];
      if (c == '*') {
        star_p = p++;
        star_t = t;
        continue;
      }
      if (c == '?') {
        ++p;
        ++t;
        continue;
      }
      if (c == '[') {
        size_t q = p + 1;
        bool negate = q < pattern.size() && (pattern[q] == '!' || pattern[q] == '^');
        if (negate) {
          ++q;
        }
        bool matched = false;
        bool first = true;
        while (q < pattern.size() && (first || pattern[q] != ']')) {
          first = false;
          char lo = pattern[q];
          char hi = lo;
          if (q + 2 < pattern.size() && pattern[q + 1] == '-' && pattern[q + 2] != ']') {
            hi = pattern[q + 2];
            q += 3;
          } else {
            ++q;
          }
          char ch = case_insensitive ? Lower(text[t]) : text[t];
          if (ch >= (case_insensitive ? Lower(lo) : lo) && ch <= (case_insensitive ? Lower(hi) : hi)) {
            matched = true;
          }
        }
        if (q < pattern.size() && matched != negate) {
          p = q + 1;
          ++t;
          continue;
        }
        if (q >= pattern.size() && eq('[', text[t])) {  // unterminated '[' matches itself
          ++p;
          ++t;
          continue;
        }
      } else {
        if (c == '\\' && p + 1 < pattern.size()) {
          c = pattern[++p];
        }
        if (eq(c, text[t])) {
          ++p;
          ++t;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) {
      return false;
    }
    p = star_p + 1;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

}  // namespace customs::runtime
