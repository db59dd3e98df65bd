#include "runtime/rules/condition.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <set>
#include <unordered_set>

#include "runtime/rules/network.h"

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

struct TransformerEntry {
  std::string_view name;
  Transformer transformer;
};
constexpr TransformerEntry kTransformers[] = {
    {"tolower", Transformer::kToLower},   {"toupper", Transformer::kToUpper}, {"b64", Transformer::kB64},
    {"basename", Transformer::kBasename}, {"len", Transformer::kLen},
};

std::optional<Transformer> TransformerFromName(std::string_view name) {
  for (const auto& entry : kTransformers) {
    if (entry.name == name) {
      return entry.transformer;
    }
  }
  return std::nullopt;
}

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
    auto node = std::make_unique<AstNode>();
    node->offset = start;
    end = ExtendLabelKey(ident, end);
    ident = text_.substr(pos_, end - pos_);
    if (end < text_.size() && text_[end] == '(' && TransformerFromName(ident)) {
      node->kind = AstNode::Kind::kCompare;
      CUSTOMS_RETURN_IF_ERROR(ParseLhs(*node, 0));
    } else {
      pos_ = end;
      if (pos_ < text_.size() && text_[pos_] == '(') {
        return Fail("'{}(...)' is not a field transformer (tolower, toupper, b64, basename, len)", ident);
      }
      if (ident.find('.') == std::string_view::npos) {
        node->kind = AstNode::Kind::kMacro;
        node->macro = std::string(ident);
        return node;
      }
      node->kind = AstNode::Kind::kCompare;
      node->field = std::string(ident);
      CUSTOMS_RETURN_IF_ERROR(ParseFieldArg(&node->field_arg, &node->has_field_arg));
    }
    CUSTOMS_ASSIGN_OR_RETURN(node->op, ParseOperator());
    if (node->op == CompareOp::kExists) {
      return node;
    }
    CUSTOMS_RETURN_IF_ERROR(ParseValue(*node));
    return node;
  }

  // Falco's dotted label keys may hold '/': k8s.pod.label.app.kubernetes.io/name.
  size_t ExtendLabelKey(std::string_view ident, size_t end) const {
    if (ident.rfind("k8s.pod.label.", 0) != 0 && ident.rfind("container.label.", 0) != 0) {
      return end;
    }
    while (end < text_.size() && (IsIdentChar(text_[end]) || text_[end] == '/')) {
      ++end;
    }
    return end;
  }

  // After a field name: an optional "[arg]".
  Status ParseFieldArg(std::string* arg, bool* has_arg) {
    if (pos_ < text_.size() && text_[pos_] == '[') {
      size_t close = text_.find(']', pos_);
      if (close == std::string_view::npos) {
        return Fail("missing ']' after field argument");
      }
      *arg = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
      *has_arg = true;
      pos_ = close + 1;
    }
    return Ok();
  }

  // lhs := FIELD[arg] | TRANSFORMER '(' lhs ')'. Transformers are recorded innermost first.
  Status ParseLhs(AstNode& node, int depth) {
    if (depth > 16) {
      return Fail("field transformers nested deeper than 16 levels");
    }
    SkipSpace();
    size_t end = pos_;
    while (end < text_.size() && IsIdentChar(text_[end])) {
      ++end;
    }
    std::string_view ident = text_.substr(pos_, end - pos_);
    if (ident.empty()) {
      return Fail("expected a field at '{}'", Context());
    }
    end = ExtendLabelKey(ident, end);
    ident = text_.substr(pos_, end - pos_);
    pos_ = end;
    if (pos_ < text_.size() && text_[pos_] == '(') {
      auto transformer = TransformerFromName(ident);
      if (!transformer) {
        return Fail("'{}(...)' is not a field transformer (tolower, toupper, b64, basename, len)", ident);
      }
      ++pos_;
      CUSTOMS_RETURN_IF_ERROR(ParseLhs(node, depth + 1));
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ')') {
        return Fail("expected ')' after the transformer's field");
      }
      ++pos_;
      node.transformers.push_back(*transformer);
      return Ok();
    }
    if (ident.find('.') == std::string_view::npos) {
      return Fail("expected a field, got '{}'", ident);
    }
    node.field = std::string(ident);
    return ParseFieldArg(&node.field_arg, &node.has_field_arg);
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
      value.field_ref = false;
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
    std::string_view word = text_.substr(start, pos_ - start);
    if (word == "val" && pos_ < text_.size() && text_[pos_] == '(') {
      // val(FIELD[arg]): the value of another field of the same event.
      size_t close = text_.find(')', pos_);
      if (close == std::string_view::npos) {
        return Fail("missing ')' after val(");
      }
      std::string_view inner = text_.substr(pos_ + 1, close - pos_ - 1);
      while (!inner.empty() && std::isspace(static_cast<unsigned char>(inner.front()))) {
        inner.remove_prefix(1);
      }
      while (!inner.empty() && std::isspace(static_cast<unsigned char>(inner.back()))) {
        inner.remove_suffix(1);
      }
      if (inner.empty() || inner.find('.') == std::string_view::npos) {
        return Fail("val() needs a field");
      }
      pos_ = close + 1;
      AstValue value{std::string(inner), false, true};
      return value;
    }
    return AstValue{std::string(word), false, false};
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
  explicit ExistsFilter(FieldRef ref) : ref_(std::move(ref)) {}
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
      case FieldType::kIp:
      case FieldType::kDomainName: {
        uint8_t family;
        const uint8_t* addr;
        if (ref_.spec->endpoint == Endpoint::kEither) {
          return ExtractIp(event, Endpoint::kLocal, &family, &addr) ||
                 ExtractIp(event, Endpoint::kRemote, &family, &addr);
        }
        return ExtractIp(event, ref_.spec->endpoint, &family, &addr);
      }
      case FieldType::kEventType: return true;
    }
    return false;
  }

 private:
  FieldRef ref_;
};

// Applies string transformers (not len) into a thread-local buffer; returns the transformed view.
thread_local std::string transform_scratch;
thread_local std::string transform_scratch2;

bool DecodeBase64(std::string_view in, std::string* out) {
  out->clear();
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '+') {
      value = 62;
    } else if (c == '/') {
      value = 63;
    } else if (c == '=') {
      break;
    } else {
      return false;
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return true;
}

bool ApplyTransformers(const std::vector<Transformer>& transformers, std::string_view in, std::string_view* out) {
  std::string* current = &transform_scratch;
  std::string* next = &transform_scratch2;
  current->assign(in);
  for (Transformer t : transformers) {
    switch (t) {
      case Transformer::kToLower:
        for (char& c : *current) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        break;
      case Transformer::kToUpper:
        for (char& c : *current) {
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        break;
      case Transformer::kB64:
        if (!DecodeBase64(*current, next)) {
          return false;
        }
        std::swap(current, next);
        break;
      case Transformer::kBasename: {
        size_t slash = current->rfind('/');
        if (slash != std::string::npos) {
          current->erase(0, slash + 1);
        }
        break;
      }
      case Transformer::kLen: return false;  // compiled separately (an int)
    }
  }
  *out = *current;
  return true;
}

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
  StringFilter(FieldRef ref, CompareOp op, std::vector<Transformer> transformers = {})
      : ref_(std::move(ref)), op_(op), transformers_(std::move(transformers)) {}

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
      return AnyString(event, ref_, [this](std::string_view v) { return MatchTransformed(v); });
    }
    std::string_view value;
    if (!ExtractString(event, ref_, &value)) {
      return false;
    }
    return MatchTransformed(value);
  }

 private:
  bool MatchTransformed(std::string_view value) const {
    if (transformers_.empty()) {
      return Match(value);
    }
    std::string_view transformed;
    return ApplyTransformers(transformers_, value, &transformed) && Match(transformed);
  }

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
  std::vector<Transformer> transformers_;
  std::vector<std::string> values_;
  std::unordered_set<std::string_view, StringViewHash> set_;
  std::unique_ptr<RE2> regex_;
};

bool CompareInts(CompareOp op, int64_t value, const std::vector<int64_t>& values) {
  switch (op) {
    case CompareOp::kEq: return value == values[0];
    case CompareOp::kNe: return value != values[0];
    case CompareOp::kLt: return value < values[0];
    case CompareOp::kLe: return value <= values[0];
    case CompareOp::kGt: return value > values[0];
    case CompareOp::kGe: return value >= values[0];
    case CompareOp::kIn:
    case CompareOp::kIntersects: return std::find(values.begin(), values.end(), value) != values.end();
    default: return false;
  }
}

// len(FIELD) with the string transformers before it.
class LenFilter final : public Filter {
 public:
  LenFilter(FieldRef ref, std::vector<Transformer> before, CompareOp op, std::vector<int64_t> values)
      : ref_(std::move(ref)), before_(std::move(before)), op_(op), values_(std::move(values)) {}
  bool Eval(const Event& event) const override {
    auto check = [&](std::string_view value) {
      std::string_view transformed = value;
      if (!before_.empty() && !ApplyTransformers(before_, value, &transformed)) {
        return false;
      }
      return CompareInts(op_, static_cast<int64_t>(transformed.size()), values_);
    };
    if (IsMultiValued(ref_)) {
      return AnyString(event, ref_, check);
    }
    std::string_view value;
    return ExtractString(event, ref_, &value) && check(value);
  }

 private:
  FieldRef ref_;
  std::vector<Transformer> before_;
  CompareOp op_;
  std::vector<int64_t> values_;
};

// fd.sip.name and friends: the address of that end against the addresses the names resolved to.
class DomainFilter final : public Filter {
 public:
  DomainFilter(FieldRef ref, bool negate, std::shared_ptr<DomainSet> set)
      : ref_(std::move(ref)), negate_(negate), set_(std::move(set)) {}
  bool Eval(const Event& event) const override {
    uint8_t family;
    const uint8_t* addr;
    if (!ExtractIp(event, ref_.spec->endpoint, &family, &addr)) {
      return false;
    }
    return set_->Contains(family, addr) != negate_;
  }

 private:
  FieldRef ref_;
  bool negate_;
  std::shared_ptr<DomainSet> set_;
};

// FIELD op val(OTHER): both values from the same event.
class FieldCompareFilter final : public Filter {
 public:
  FieldCompareFilter(FieldRef left, CompareOp op, FieldRef right)
      : left_(std::move(left)), op_(op), right_(std::move(right)) {}
  bool Eval(const Event& event) const override {
    if (left_.spec->type == FieldType::kInt) {
      int64_t a, b;
      return ExtractInt(event, left_, &a) && ExtractInt(event, right_, &b) && CompareInts(op_, a, {b});
    }
    std::string_view b_view;
    if (!ExtractString(event, right_, &b_view)) {
      return false;
    }
    // The right value may live in a scratch buffer the left extraction reuses: copy it first.
    thread_local std::string right;
    right.assign(b_view);
    std::string_view a;
    if (!ExtractString(event, left_, &a)) {
      return false;
    }
    switch (op_) {
      case CompareOp::kEq: return a == right;
      case CompareOp::kNe: return a != right;
      case CompareOp::kContains: return a.find(right) != std::string_view::npos;
      case CompareOp::kStartsWith: return a.substr(0, right.size()) == right;
      case CompareOp::kEndsWith: return a.size() >= right.size() && a.substr(a.size() - right.size()) == right;
      default: return false;
    }
  }

 private:
  FieldRef left_;
  CompareOp op_;
  FieldRef right_;
};

class IntFilter final : public Filter {
 public:
  IntFilter(FieldRef ref, CompareOp op, std::vector<int64_t> values)
      : ref_(std::move(ref)), op_(op), values_(std::move(values)) {}
  bool Eval(const Event& event) const override {
    if (IsMultiValued(ref_)) {
      for (int i = 1; i <= event.ancestor_count; ++i) {
        FieldRef indexed{ref_.spec, i, {}, false};
        int64_t value;
        if (ExtractInt(event, indexed, &value) && CompareInts(op_, value, values_)) {
          return true;
        }
      }
      return false;
    }
    if (ref_.spec->endpoint == Endpoint::kEither) {
      // fd.port: either end of the connection. `!=` means neither end has the port.
      CompareOp positive = op_ == CompareOp::kNe ? CompareOp::kEq : op_;
      bool any = false;
      bool has_value = false;
      for (Endpoint end : {Endpoint::kLocal, Endpoint::kRemote}) {
        int64_t value;
        if (ExtractPort(event, end, &value)) {
          has_value = true;
          any = any || CompareInts(positive, value, values_);
        }
      }
      return has_value && (op_ == CompareOp::kNe ? !any : any);
    }
    int64_t value;
    if (!ExtractInt(event, ref_, &value)) {
      return false;
    }
    return CompareInts(op_, value, values_);
  }

 private:
  FieldRef ref_;
  CompareOp op_;
  std::vector<int64_t> values_;
};

class BoolFilter final : public Filter {
 public:
  BoolFilter(FieldRef ref, bool expected) : ref_(std::move(ref)), expected_(expected) {}
  bool Eval(const Event& event) const override {
    bool value;
    return ExtractBool(event, ref_, &value) && value == expected_;
  }

 private:
  FieldRef ref_;
  bool expected_;
};

class IpFilter final : public Filter {
 public:
  IpFilter(FieldRef ref, bool negate, std::vector<Cidr> cidrs)
      : ref_(std::move(ref)), negate_(negate), cidrs_(std::move(cidrs)) {}
  bool Eval(const Event& event) const override {
    bool has_value = false;
    bool any = false;
    auto check = [&](Endpoint end) {
      uint8_t family;
      const uint8_t* addr;
      if (!ExtractIp(event, end, &family, &addr)) {
        return;
      }
      has_value = true;
      for (const Cidr& cidr : cidrs_) {
        if (CidrContains(cidr, family, addr)) {
          any = true;
          return;
        }
      }
    };
    if (ref_.spec->endpoint == Endpoint::kEither) {
      // fd.ip / fd.net: either end; `!=` means neither end is in the set.
      check(Endpoint::kLocal);
      check(Endpoint::kRemote);
    } else {
      check(ref_.spec->endpoint);
    }
    return has_value && any != negate_;
  }

 private:
  FieldRef ref_;
  bool negate_;
  std::vector<Cidr> cidrs_;
};

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
    auto resolved = ResolveField(node.field, node.has_field_arg, node.field_arg);
    if (!resolved) {
      if (FindField(node.field) != nullptr || node.field.rfind("container.label", 0) == 0 ||
          node.field.rfind("k8s.pod.label", 0) == 0) {
        return tl::unexpected(resolved.error());  // a known field used wrongly: a plain error
      }
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
    FieldRef ref = std::move(*resolved);
    const FieldSpec* spec = ref.spec;
    EventTypeSet all;
    all.set();
    CompareOp op = node.op;
    std::vector<Transformer> transformers = node.transformers;
    bool has_len = !transformers.empty() && transformers.back() == Transformer::kLen;
    if (!transformers.empty()) {
      if (spec->type != FieldType::kString) {
        return MakeError(ErrorCode::kInvalidArgument, "transformer {}() needs a string field, '{}' is not one",
                         TransformerName(transformers.front()), node.field);
      }
      for (size_t i = 0; i + 1 < transformers.size(); ++i) {
        if (transformers[i] == Transformer::kLen) {
          return MakeError(ErrorCode::kInvalidArgument, "len() gives a number: it must be the outermost transformer");
        }
      }
      if (has_len) {
        transformers.pop_back();
      }
    }
    if (op == CompareOp::kExists) {
      return Piece{std::make_unique<ExistsFilter>(std::move(ref)), all, false};
    }
    auto bad_op = [&]() {
      return MakeError(ErrorCode::kInvalidArgument, "operator '{}' is not valid for field '{}'", CompareOpName(op),
                       node.field);
    };
    if (node.values.size() == 1 && node.values[0].field_ref) {
      // FIELD op val(OTHER).
      const std::string& other = node.values[0].text;
      size_t bracket = other.find('[');
      std::string other_name = other.substr(0, bracket);
      std::string other_arg = bracket == std::string::npos ? "" : other.substr(bracket + 1, other.size() - bracket - 2);
      CUSTOMS_ASSIGN_OR_RETURN(FieldRef right, ResolveField(other_name, bracket != std::string::npos, other_arg));
      bool strings = spec->type == FieldType::kString && right.spec->type == FieldType::kString;
      bool ints = spec->type == FieldType::kInt && right.spec->type == FieldType::kInt;
      if ((!strings && !ints) || !transformers.empty() || has_len || IsMultiValued(ref) || IsMultiValued(right)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "val() compares two single-valued string or number fields without transformers: '{}' and "
                         "'{}'",
                         node.field, other);
      }
      if (strings && op != CompareOp::kEq && op != CompareOp::kNe && op != CompareOp::kContains &&
          op != CompareOp::kStartsWith && op != CompareOp::kEndsWith) {
        return bad_op();
      }
      if (ints && (op == CompareOp::kIn || op == CompareOp::kIntersects || op > CompareOp::kGe)) {
        return bad_op();
      }
      return Piece{std::make_unique<FieldCompareFilter>(std::move(ref), op, std::move(right)), all, false};
    }
    for (const AstValue& value : node.values) {
      if (value.field_ref) {
        return MakeError(ErrorCode::kInvalidArgument, "val() cannot be a list item ('{}')", node.field);
      }
    }
    CUSTOMS_ASSIGN_OR_RETURN(std::vector<std::string> values, Values(node));
    bool multi_op = op == CompareOp::kIn || op == CompareOp::kIntersects || op == CompareOp::kPmatch;
    if (!multi_op && values.size() != 1) {
      return MakeError(ErrorCode::kInvalidArgument, "'{} {}' needs exactly one value", node.field, CompareOpName(op));
    }
    auto numbers_of = [&](std::vector<int64_t>* numbers) -> Status {
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
      for (const auto& value : values) {
        int64_t number = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
        if (ec != std::errc() || ptr != value.data() + value.size()) {
          return MakeError(ErrorCode::kInvalidArgument, "field '{}' needs a number, got '{}'", node.field, value);
        }
        numbers->push_back(number);
      }
      return Ok();
    };
    if (has_len) {
      std::vector<int64_t> numbers;
      CUSTOMS_RETURN_IF_ERROR(numbers_of(&numbers));
      return Piece{std::make_unique<LenFilter>(std::move(ref), std::move(transformers), op, std::move(numbers)), all,
                   false};
    }
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
        auto filter = std::make_unique<StringFilter>(std::move(ref), op, std::move(transformers));
        CUSTOMS_RETURN_IF_ERROR(filter->Init(std::move(values)));
        return Piece{std::move(filter), all, false};
      }
      case FieldType::kInt: {
        std::vector<int64_t> numbers;
        CUSTOMS_RETURN_IF_ERROR(numbers_of(&numbers));
        return Piece{std::make_unique<IntFilter>(std::move(ref), op, std::move(numbers)), all, false};
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
        return Piece{std::make_unique<BoolFilter>(std::move(ref), expected), all, false};
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
        return Piece{std::make_unique<IpFilter>(std::move(ref), op == CompareOp::kNe, std::move(cidrs)), all, false};
      }
      case FieldType::kDomainName: {
        if (op != CompareOp::kEq && op != CompareOp::kNe && op != CompareOp::kIn && op != CompareOp::kIntersects) {
          return MakeError(ErrorCode::kInvalidArgument, "field '{}' supports =, != and in (domain names), not '{}'",
                           node.field, CompareOpName(op));
        }
        auto set = std::make_shared<DomainSet>(std::move(values));
        if (env_.domain_sets != nullptr) {
          env_.domain_sets->push_back(set);
        }
        return Piece{std::make_unique<DomainFilter>(std::move(ref), op == CompareOp::kNe, std::move(set)), all, false};
      }
    }
    return MakeError(ErrorCode::kInternal, "bad field type");
  }

  const CompileEnv& env_;
  std::vector<std::string> macro_stack_;
};

}  // namespace

std::string_view TransformerName(Transformer transformer) {
  for (const auto& entry : kTransformers) {
    if (entry.transformer == transformer) {
      return entry.name;
    }
  }
  return "?";
}

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
  copy->transformers = node.transformers;
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

namespace {

std::string QuoteValue(const std::string& text) {
  bool bare = !text.empty();
  for (char c : text) {
    bare = bare && IsBareChar(c);
  }
  if (bare && text != "and" && text != "or" && text != "not") {
    return text;
  }
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string FieldText(const AstNode& node) {
  std::string field = node.field;
  if (node.has_field_arg) {
    field += "[" + node.field_arg + "]";
  }
  for (Transformer t : node.transformers) {
    field = std::string(TransformerName(t)) + "(" + field + ")";
  }
  return field;
}

void AppendAst(const AstNode& node, std::string* out) {
  switch (node.kind) {
    case AstNode::Kind::kAnd:
    case AstNode::Kind::kOr: {
      *out += '(';
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) {
          *out += node.kind == AstNode::Kind::kAnd ? " and " : " or ";
        }
        AppendAst(*node.children[i], out);
      }
      *out += ')';
      return;
    }
    case AstNode::Kind::kNot:
      *out += "not ";
      AppendAst(*node.children[0], out);
      return;
    case AstNode::Kind::kMacro: *out += node.macro; return;
    case AstNode::Kind::kCompare: {
      *out += FieldText(node);
      *out += ' ';
      *out += CompareOpName(node.op);
      if (node.op == CompareOp::kExists) {
        return;
      }
      *out += ' ';
      auto value_text = [](const AstValue& value) {
        return value.field_ref ? "val(" + value.text + ")" : QuoteValue(value.text);
      };
      if (node.list_value) {
        *out += '(';
        for (size_t i = 0; i < node.values.size(); ++i) {
          if (i > 0) {
            *out += ", ";
          }
          *out += value_text(node.values[i]);
        }
        *out += ')';
      } else if (!node.values.empty()) {
        *out += value_text(node.values[0]);
      }
      return;
    }
  }
}

class Expander {
 public:
  explicit Expander(const CompileEnv& env) : env_(env) {}

  Result<std::unique_ptr<AstNode>> Expand(const AstNode& node, int depth) {
    if (++nodes_ > env_.max_nodes) {
      return MakeError(ErrorCode::kInvalidArgument, "condition expands to more than {} nodes", env_.max_nodes);
    }
    if (depth > 4 * kMaxDepth) {
      return MakeError(ErrorCode::kInvalidArgument, "condition nested too deeply");
    }
    if (node.kind == AstNode::Kind::kMacro) {
      auto it = env_.macros ? env_.macros->find(node.macro) : decltype(env_.macros->end()){};
      if (env_.macros == nullptr || it == env_.macros->end()) {
        return MakeError(ErrorCode::kInvalidArgument, "undefined macro '{}'", node.macro);
      }
      if (std::find(stack_.begin(), stack_.end(), node.macro) != stack_.end()) {
        return MakeError(ErrorCode::kInvalidArgument, "macro recursion: {}", node.macro);
      }
      stack_.push_back(node.macro);
      auto expanded = Expand(*it->second, depth + 1);
      stack_.pop_back();
      return expanded;
    }
    auto copy = std::make_unique<AstNode>();
    copy->kind = node.kind;
    copy->field = node.field;
    copy->field_arg = node.field_arg;
    copy->has_field_arg = node.has_field_arg;
    copy->transformers = node.transformers;
    copy->op = node.op;
    copy->list_value = node.list_value;
    copy->offset = node.offset;
    for (const AstValue& value : node.values) {
      if (node.list_value && !value.quoted && !value.field_ref && env_.lists != nullptr) {
        auto it = env_.lists->find(value.text);
        if (it != env_.lists->end()) {
          for (const std::string& item : it->second) {
            bool quoted =
                item.size() >= 2 && (item.front() == '"' || item.front() == '\'') && item.back() == item.front();
            copy->values.push_back(AstValue{quoted ? item.substr(1, item.size() - 2) : item, quoted, false});
          }
          if (copy->values.size() > env_.max_list_items) {
            return MakeError(ErrorCode::kInvalidArgument, "value list longer than {} items", env_.max_list_items);
          }
          continue;
        }
      }
      copy->values.push_back(value);
    }
    for (const auto& child : node.children) {
      CUSTOMS_ASSIGN_OR_RETURN(auto expanded, Expand(*child, depth + 1));
      copy->children.push_back(std::move(expanded));
    }
    return copy;
  }

 private:
  const CompileEnv& env_;
  size_t nodes_ = 0;
  std::vector<std::string> stack_;
};

}  // namespace

std::string AstToString(const AstNode& node) {
  std::string out;
  AppendAst(node, &out);
  return out;
}

Result<std::unique_ptr<AstNode>> ExpandAst(const AstNode& node, const CompileEnv& env) {
  return Expander(env).Expand(node, 0);
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
