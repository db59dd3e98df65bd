// `customs version compare --scheme S A B` and the batch form `customs version compare --scheme S -`.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "version/version.h"

namespace customs::cli {
namespace {

char Answer(int c) {
  return c < 0 ? '<' : (c > 0 ? '>' : '=');
}

std::string_view NextField(std::string_view* line) {
  size_t i = 0;
  while (i < line->size() && ((*line)[i] == ' ' || (*line)[i] == '\t' || (*line)[i] == '\r')) {
    ++i;
  }
  size_t j = i;
  while (j < line->size() && (*line)[j] != ' ' && (*line)[j] != '\t' && (*line)[j] != '\r') {
    ++j;
  }
  std::string_view field = line->substr(i, j - i);
  line->remove_prefix(j);
  return field;
}

// Reads "A B" pairs from stdin, one per line, and writes one answer per line ('?' for a line that fails).
int CompareStream(version::Scheme scheme) {
  std::string out;
  out.reserve(1 << 16);
  std::string pending;
  std::vector<char> buf(1 << 20);
  size_t line_no = 0;
  int exit_code = kExitOk;
  auto handle_line = [&](std::string_view line) {
    ++line_no;
    std::string_view a = NextField(&line);
    std::string_view b = NextField(&line);
    std::string_view extra = NextField(&line);
    if (a.empty() || b.empty() || !extra.empty()) {
      fmt::print(stderr, "line {}: expected two versions separated by whitespace\n", line_no);
      out += "?\n";
      exit_code = kExitFailure;
      return;
    }
    auto r = version::Compare(scheme, a, b);
    if (!r) {
      fmt::print(stderr, "line {}: {}\n", line_no, r.error().message());
      out += "?\n";
      exit_code = kExitFailure;
      return;
    }
    out += Answer(*r);
    out += '\n';
  };
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), stdin)) > 0) {
    std::string_view chunk(buf.data(), n);
    size_t start = 0;
    for (size_t nl; (nl = chunk.find('\n', start)) != std::string_view::npos; start = nl + 1) {
      if (!pending.empty()) {
        pending.append(chunk.substr(start, nl - start));
        handle_line(pending);
        pending.clear();
      } else {
        handle_line(chunk.substr(start, nl - start));
      }
    }
    pending.append(chunk.substr(start));
    if (out.size() >= (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  if (!pending.empty()) {
    handle_line(pending);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return exit_code;
}

}  // namespace

void AddVersionCommand(CLI::App& app, CommandContext& context) {
  CLI::App* cmd = app.add_subcommand("version", "Version comparison under a package ecosystem's rules");
  cmd->require_subcommand(1);
  CLI::App* compare = cmd->add_subcommand(
      "compare",
      "Print <, = or > for A vs B. With '-' instead of A B, read 'A B' pairs (one per line) from stdin and print "
      "one answer per line ('?' for a line that cannot be parsed; exit 3 then, line numbers on stderr)");
  struct Options {
    std::string scheme;
    std::vector<std::string> args;
  };
  auto opts = std::make_shared<Options>();
  compare->add_option("--scheme", opts->scheme, "deb|rpm|apk|semver|go|pep440|maven|gem|nuget|composer")
      ->required()
      ->check(CLI::IsMember({"deb", "rpm", "apk", "semver", "go", "pep440", "maven", "gem"}));
  compare->add_option("versions", opts->args, "A B, or - to read pairs from stdin")->required();
  compare->callback([opts, &context] {
    auto scheme = version::ParseSchemeName(opts->scheme);
    if (!scheme) {
      fmt::print(stderr, "unknown scheme '{}'\n", opts->scheme);
      context.exit_code = kExitUsage;
      return;
    }
    if (opts->args.size() == 1 && opts->args[0] == "-") {
      context.exit_code = CompareStream(*scheme);
      return;
    }
    if (opts->args.size() != 2) {
      fmt::print(stderr, "expected two versions (A B) or '-'\n");
      context.exit_code = kExitUsage;
      return;
    }
    auto r = version::Compare(*scheme, opts->args[0], opts->args[1]);
    if (!r) {
      fmt::print(stderr, "{}\n", r.error().message());
      context.exit_code = kExitFailure;
      return;
    }
    fmt::print("{}\n", Answer(*r));
    context.exit_code = kExitOk;
  });
}

}  // namespace customs::cli
