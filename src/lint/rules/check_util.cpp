#include "lint/rules/check_util.h"

#include <algorithm>
#include <cctype>

namespace customs::lint {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::vector<std::string> SplitList(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t next = text.find(sep, pos);
    out.emplace_back(text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) {
      return out;
    }
    pos = next + 1;
  }
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += item;
  }
  return out;
}

std::string FlagValue(const Instruction& inst, std::string_view name) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (const auto& f : inst.flags) {
    if (StartsWith(f, prefix)) {
      return f.substr(prefix.size());
    }
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
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

Finding& ReportInstruction(const CheckContext& c, std::size_t index, const Instruction& inst, std::string message,
                           std::string fix) {
  Finding& f = c.Report(index, std::move(message), std::move(fix));
  if (&inst != &c.file.instructions[index]) {
    f.aliases.clear();
  }
  return f;
}

const Stage* FinalStage(const CheckContext& c) {
  return c.model.final_stage < 0 ? nullptr : &c.model.stages[static_cast<std::size_t>(c.model.final_stage)];
}

std::vector<int> FinalChain(const CheckContext& c) {
  if (c.model.final_stage < 0) {
    return {};
  }
  auto chain = c.model.Chain(c.model.final_stage);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

}  // namespace customs::lint
