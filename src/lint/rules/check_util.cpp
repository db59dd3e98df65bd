#include "lint/rules/check_util.h"

#include <algorithm>
#include <cctype>

namespace customs::lint {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
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
    if (next == std::string_view::npos) return out;
    pos = next + 1;
  }
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
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

CommandView View(const ShellCommand& command) {
  CommandView view;
  std::vector<std::string> eff = command.Effective();
  view.name = command.Program();
  if (!eff.empty()) view.args.assign(eff.begin() + 1, eff.end());
  for (std::size_t i = 0; i < view.args.size(); ++i) {
    const std::string& a = view.args[i];
    if (a == "-" || a == "--" || a.empty() || a[0] != '-') continue;
    if (a[1] == '-') {
      view.flags.emplace_back(a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2), i);
    } else {
      for (std::size_t k = 1; k < a.size(); ++k) view.flags.emplace_back(std::string(1, a[k]), i);
    }
  }
  return view;
}

std::vector<CommandView> Views(const RunAnalysis& run) {
  std::vector<CommandView> out;
  out.reserve(run.commands.size());
  for (const auto& command : run.commands) out.push_back(View(command));
  return out;
}

bool CommandView::HasArg(std::string_view arg) const {
  return std::find(args.begin(), args.end(), arg) != args.end();
}

bool CommandView::HasAnyArg(std::initializer_list<std::string_view> any) const {
  return std::any_of(any.begin(), any.end(), [&](std::string_view a) { return HasArg(a); });
}

bool CommandView::HasArgPrefix(std::string_view prefix) const {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) { return StartsWith(a, prefix); });
}

int CommandView::CountFlag(std::string_view flag) const {
  return static_cast<int>(std::count_if(flags.begin(), flags.end(), [&](const auto& f) { return f.first == flag; }));
}

bool CommandView::HasFlag(std::string_view flag) const {
  return CountFlag(flag) > 0;
}

bool CommandView::HasAnyFlag(std::initializer_list<std::string_view> any) const {
  return std::any_of(any.begin(), any.end(), [&](std::string_view f) { return HasFlag(f); });
}

std::vector<std::string> CommandView::ArgsNoFlags(std::initializer_list<std::string_view> value_flags) const {
  std::vector<bool> drop(args.size(), false);
  for (const auto& [flag, index] : flags) {
    drop[index] = true;
    if (std::find(value_flags.begin(), value_flags.end(), flag) == value_flags.end()) continue;
    if (args[index].find('=') != std::string::npos) continue;
    // The value is the next word that is not itself a flag word (getValueId: the next argument after the flag).
    if (index + 1 < args.size()) drop[index + 1] = true;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!drop[i]) out.push_back(args[i]);
  }
  return out;
}

std::vector<std::string> CommandView::FlagValues(std::string_view flag) const {
  std::vector<std::string> out;
  for (const auto& [name, index] : flags) {
    if (name == flag && index + 1 < args.size()) out.push_back(args[index + 1]);
  }
  return out;
}

bool CommandView::Is(std::string_view program, std::initializer_list<std::string_view> any) const {
  return name == program && HasAnyArg(any);
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
