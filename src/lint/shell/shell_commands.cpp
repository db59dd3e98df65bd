#include "lint/shell/shell_commands.h"

#include <algorithm>

namespace customs::lint {
namespace {

constexpr int kMaxDepth = 8;

std::string Basename(const std::string& s) {
  std::size_t slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

bool IsAssignment(const std::string& word) {
  std::size_t eq = word.find('=');
  if (eq == std::string::npos || eq == 0) {
    return false;
  }
  for (std::size_t i = 0; i < eq; ++i) {
    char c = word[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return !std::isdigit(static_cast<unsigned char>(word[0]));
}

class Splitter {
 public:
  Splitter(std::string_view s, int depth, std::vector<ShellCommand>& out) : s_(s), depth_(depth), out_(out) {}

  void Run() {
    while (pos_ < s_.size()) {
      Step();
    }
    EndCommand(false);
  }

 private:
  void EndCommand(bool pipe) {
    if (!word_.empty() || in_word_) {
      words_.push_back(word_);
      word_.clear();
      in_word_ = false;
    }
    ShellCommand command;
    command.depth = depth_;
    std::size_t i = 0;
    while (i < words_.size() && IsAssignment(words_[i])) {
      command.assignments.push_back(words_[i++]);
    }
    command.argv.assign(words_.begin() + static_cast<std::ptrdiff_t>(i), words_.end());
    words_.clear();
    skip_next_word_ = false;
    if (command.argv.empty() && command.assignments.empty()) {
      if (pipe && !out_.empty()) {
        out_.back().pipes_to_next = true;
      }
      return;
    }
    {
      auto eff = command.Effective();
      command.program = eff.empty() ? "" : Basename(eff[0]);
    }
    command.piped_from_previous = piped_;
    command.pipes_to_next = pipe;
    piped_ = pipe;
    // sh -c 'script': analyse the script too.
    const std::string program = command.Program();
    if ((program == "sh" || program == "bash" || program == "dash" || program == "ash" || program == "zsh") &&
        depth_ < kMaxDepth) {
      auto eff = command.Effective();
      for (std::size_t k = 1; k + 1 < eff.size(); ++k) {
        if (eff[k].size() >= 2 && eff[k][0] == '-' && eff[k].find('c') != std::string::npos) {
          out_.push_back(std::move(command));
          Splitter(eff[k + 1], depth_ + 1, out_).Run();
          return;
        }
      }
    }
    out_.push_back(std::move(command));
  }

  void FlushWord() {
    if (!word_.empty() || in_word_) {
      if (skip_next_word_) {
        skip_next_word_ = false;
      } else {
        words_.push_back(word_);
      }
      word_.clear();
      in_word_ = false;
    }
  }

  // Reads a balanced $( ... ) or ` ... ` body and splits it as a nested script.
  void Nested(std::size_t start, char close_char) {
    int level = 1;
    std::size_t i = start;
    while (i < s_.size()) {
      char c = s_[i];
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (close_char == ')') {
        if (c == '\'') {
          std::size_t q = s_.find('\'', i + 1);
          i = q == std::string_view::npos ? s_.size() : q + 1;
          continue;
        }
        if (c == '(') {
          ++level;
        }
        if (c == ')' && --level == 0) {
          break;
        }
      } else if (c == '`') {
        break;
      }
      ++i;
    }
    std::string_view body = s_.substr(start, std::min(i, s_.size()) - start);
    if (depth_ < kMaxDepth) {
      std::vector<ShellCommand> inner;
      Splitter(body, depth_ + 1, inner).Run();
      pending_.insert(pending_.end(), inner.begin(), inner.end());
    }
    word_ += "$(...)";
    in_word_ = true;
    pos_ = std::min(i + 1, s_.size());
  }

  void Step() {
    char c = s_[pos_];
    if (c == '\\') {
      if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;
        return;
      }
      if (pos_ + 1 < s_.size()) {
        word_ += s_[pos_ + 1];
      }
      in_word_ = true;
      pos_ += 2;
      return;
    }
    if (c == '\'') {
      std::size_t q = s_.find('\'', pos_ + 1);
      if (q == std::string_view::npos) {
        q = s_.size();
      }
      word_.append(s_.substr(pos_ + 1, q - pos_ - 1));
      in_word_ = true;
      pos_ = std::min(q + 1, s_.size());
      return;
    }
    if (c == '"') {
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '"') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) {
          char n = s_[pos_ + 1];
          if (n == '"' || n == '\\' || n == '$' || n == '`') {
            word_ += n;
            pos_ += 2;
            continue;
          }
          if (n == '\n') {
            pos_ += 2;
            continue;
          }
        }
        if (s_[pos_] == '$' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '(') {
          Nested(pos_ + 2, ')');
          continue;
        }
        word_ += s_[pos_++];
      }
      in_word_ = true;
      ++pos_;
      return;
    }
    if (c == '$' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '(') {
      Nested(pos_ + 2, ')');
      return;
    }
    if (c == '`') {
      Nested(pos_ + 1, '`');
      return;
    }
    if (c == '#' && word_.empty() && !in_word_) {
      while (pos_ < s_.size() && s_[pos_] != '\n') {
        ++pos_;
      }
      return;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      FlushWord();
      ++pos_;
      return;
    }
    if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
      // 2>&1, >&2: part of a redirection
      if (c == '&' && pos_ > 0 && (s_[pos_ - 1] == '>' || s_[pos_ - 1] == '<')) {
        ++pos_;
        while (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) {
          ++pos_;
        }
        return;
      }
      FlushWord();
      bool pipe = c == '|' && !(pos_ + 1 < s_.size() && s_[pos_ + 1] == '|');
      if (c == '|' && !pipe) {
        ++pos_;
      }
      if (c == '&' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '&') {
        ++pos_;
      }
      if (c == ';' && pos_ + 1 < s_.size() && s_[pos_ + 1] == ';') {
        ++pos_;
      }
      ++pos_;
      EndCommand(pipe);
      if (!pipe) {
        piped_ = false;
      }
      Flush();
      return;
    }
    if (c == '>' || c == '<') {
      // Redirection: drop the operator and its target word (a leading fd digit is dropped too).
      if (!word_.empty() && std::all_of(word_.begin(), word_.end(), [](char d) { return std::isdigit(d); })) {
        word_.clear();
        in_word_ = false;
      }
      FlushWord();
      while (pos_ < s_.size() && (s_[pos_] == '>' || s_[pos_] == '<')) {
        ++pos_;
      }
      if (pos_ < s_.size() && s_[pos_] == '&') {
        return;  // handled above
      }
      skip_next_word_ = true;
      return;
    }
    if (c == '{' || c == '}') {
      if (word_.empty() && pos_ + 1 < s_.size() && (s_[pos_ + 1] == ' ' || s_[pos_ + 1] == '\n')) {
        ++pos_;
        return;
      }
    }
    word_ += c;
    in_word_ = true;
    ++pos_;
  }

  void Flush() {
    for (auto& p : pending_) {
      out_.push_back(std::move(p));
    }
    pending_.clear();
  }

 public:
  ~Splitter() { Flush(); }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_;
  std::vector<ShellCommand>& out_;
  std::vector<ShellCommand> pending_;
  std::vector<std::string> words_;
  std::string word_;
  bool in_word_ = false;
  bool piped_ = false;
  bool skip_next_word_ = false;
};

bool IsShellKeyword(const std::string& w) {
  return w == "if" || w == "then" || w == "else" || w == "elif" || w == "do" || w == "while" || w == "until" ||
         w == "!" || w == "fi" || w == "done" || w == "{" || w == "}";
}

}  // namespace

std::vector<std::string> ShellCommand::Effective() const {
  std::size_t i = 0;
  while (i < argv.size() && IsShellKeyword(argv[i])) {
    ++i;
  }
  for (;;) {
    if (i >= argv.size()) {
      return {};
    }
    const std::string prog = Basename(argv[i]);
    if (prog == "sudo" || prog == "nohup" || prog == "time" || prog == "nice" || prog == "exec" || prog == "command" ||
        prog == "xargs" || prog == "env" || prog == "doas" || prog == "su-exec" || prog == "gosu") {
      ++i;
      while (i < argv.size() && (argv[i].rfind("-", 0) == 0 || (prog == "env" && IsAssignment(argv[i])))) {
        // sudo -u user: skip the option's value
        if ((prog == "sudo" && (argv[i] == "-u" || argv[i] == "-g")) || (prog == "nice" && argv[i] == "-n")) {
          ++i;
        }
        ++i;
      }
      if ((prog == "gosu" || prog == "su-exec") && i < argv.size()) {
        ++i;  // the user
      }
      continue;
    }
    return {argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end()};
  }
}

std::vector<ShellCommand> SplitShellCommands(std::string_view script) {
  std::vector<ShellCommand> out;
  {
    Splitter splitter(script, 0, out);
    splitter.Run();
  }
  return out;
}

bool SetsPipefail(std::string_view script) {
  for (const auto& command : SplitShellCommands(script)) {
    if (command.pipes_to_next) {
      return false;
    }
    if (command.Program() == "set") {
      const auto eff = command.Effective();
      for (std::size_t i = 1; i + 1 < eff.size(); ++i) {
        if (eff[i].size() > 1 && eff[i][0] == '-' && eff[i].back() == 'o' && eff[i + 1] == "pipefail") {
          return true;
        }
      }
    }
  }
  return false;
}

CommandView View(const ShellCommand& command) {
  CommandView view;
  std::vector<std::string> eff = command.Effective();
  view.name = command.Program();
  if (!eff.empty()) {
    view.args.assign(eff.begin() + 1, eff.end());
  }
  for (std::size_t i = 0; i < view.args.size(); ++i) {
    const std::string& a = view.args[i];
    if (a == "-" || a == "--" || a.empty() || a[0] != '-') {
      continue;
    }
    if (a[1] == '-') {
      view.flags.emplace_back(a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2), i);
    } else {
      for (std::size_t k = 1; k < a.size(); ++k) {
        view.flags.emplace_back(std::string(1, a[k]), i);
      }
    }
  }
  return view;
}

bool CommandView::HasArg(std::string_view arg) const {
  return std::find(args.begin(), args.end(), arg) != args.end();
}

bool CommandView::HasAnyArg(std::initializer_list<std::string_view> any) const {
  return std::any_of(any.begin(), any.end(), [&](std::string_view a) { return HasArg(a); });
}

bool CommandView::HasArgPrefix(std::string_view prefix) const {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) { return a.rfind(prefix, 0) == 0; });
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
    if (std::find(value_flags.begin(), value_flags.end(), flag) == value_flags.end()) {
      continue;
    }
    if (args[index].find('=') != std::string::npos) {
      continue;
    }
    // The value is the next word that is not itself a flag word (getValueId: the next argument after the flag).
    if (index + 1 < args.size()) {
      drop[index + 1] = true;
    }
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!drop[i]) {
      out.push_back(args[i]);
    }
  }
  return out;
}

std::vector<std::string> CommandView::FlagValues(std::string_view flag) const {
  std::vector<std::string> out;
  for (const auto& [name, index] : flags) {
    if (name == flag && index + 1 < args.size()) {
      out.push_back(args[index + 1]);
    }
  }
  return out;
}

bool CommandView::Is(std::string_view program, std::initializer_list<std::string_view> any) const {
  return name == program && HasAnyArg(any);
}

}  // namespace customs::lint
