#include "lint/rules/check_util.h"

#include <algorithm>
#include <cctype>

namespace customs::lint {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::string FlagValue(const Instruction& inst, std::string_view name) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (const auto& f : inst.flags) {
    if (StartsWith(f, prefix)) return f.substr(prefix.size());
  }
  return "";
}

bool HasFlag(const Instruction& inst, std::string_view name) {
  const std::string prefix = "--" + std::string(name);
  return std::any_of(inst.flags.begin(), inst.flags.end(),
                     [&](const std::string& f) { return f == prefix || StartsWith(f, prefix + "="); });
}

bool Glob(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == text[t] || pattern[p] == '?')) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const Stage* FinalStage(const CheckContext& c) {
  return c.model.final_stage < 0 ? nullptr : &c.model.stages[static_cast<std::size_t>(c.model.final_stage)];
}

std::vector<int> FinalChain(const CheckContext& c) {
  if (c.model.final_stage < 0) return {};
  auto chain = c.model.Chain(c.model.final_stage);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

}  // namespace customs::lint
