#include "catalog/dpkg/dpkg.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "catalog/internal.h"

namespace customs::catalog::dpkg {
namespace {

constexpr std::string_view kSource = "catalog/dpkg";
constexpr std::string_view kStatusPath = "/var/lib/dpkg/status";
constexpr std::string_view kStatusDir = "/var/lib/dpkg/status.d/";
constexpr std::string_view kInfoDir = "/var/lib/dpkg/info/";

bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

struct Field {
  std::string name;  // lower-cased
  std::string_view value;
};

struct Stanza {
  int line = 0;
  std::vector<Field> fields;
  std::string error;  // non-empty when the stanza could not even be split into fields
};

// Splits the text into stanzas as dpkg's parser reads them (lib/dpkg/parse.c): fields are "Name: value" with
// continuation lines starting with a blank; an empty line ends a stanza. On a syntax error the rest of the stanza
// (up to the next empty line) is skipped and the stanza carries the error. Each stanza is handed to `visit` as it is
// read, in one reused object: memory follows one stanza, not the file.
template <class Visit>
void ForEachStanza(std::string_view text, Visit&& visit) {
  Stanza stanza;
  std::size_t p = 0;
  const std::size_t n = text.size();
  int line = 1;
  auto skip_to_stanza_end = [&]() {
    while (p < n) {
      if (text[p] == '\n') {
        ++line;
        if (p + 1 >= n || text[p + 1] == '\n') {
          ++p;
          return;
        }
      }
      ++p;
    }
  };
  while (true) {
    while (p < n && text[p] == '\n') {
      ++p;
      ++line;
    }
    if (p >= n) {
      break;
    }
    stanza.line = line;
    stanza.fields.clear();
    stanza.error.clear();
    while (true) {
      std::size_t name_start = p;
      while (p < n && text[p] != ':' && !IsSpace(text[p])) {
        ++p;
      }
      std::string_view name = text.substr(name_start, p - name_start);
      while (p < n && IsBlank(text[p])) {
        ++p;
      }
      if (p >= n) {
        stanza.error = fmt::format("end of file after field name '{}'", name);
        break;
      }
      if (text[p] == '\n' || text[p] == '\r') {
        stanza.error = fmt::format("newline in field name '{}'", name);
        break;
      }
      if (text[p] != ':') {
        stanza.error = fmt::format("field name '{}' must be followed by colon", name);
        break;
      }
      if (name.empty()) {
        stanza.error = "empty field name";
        break;
      }
      ++p;  // the colon
      while (p < n && IsBlank(text[p])) {
        ++p;
      }
      std::size_t value_start = p;
      bool stanza_ends = false;
      bool eof_in_value = false;
      while (true) {
        std::size_t eol = text.find('\n', p);
        if (eol == std::string_view::npos) {
          eof_in_value = true;
          p = n;
          break;
        }
        p = eol + 1;
        ++line;
        if (p >= n || text[p] == '\n') {
          stanza_ends = true;
          break;
        }
        if (!IsBlank(text[p])) {
          break;  // a new field
        }
      }
      // dpkg rejects a file whose last line has no newline; no data is missing, so the value is taken as it is.
      if (eof_in_value) {
        stanza_ends = true;
      }
      std::string_view value = text.substr(value_start, p - value_start);
      // Trailing whitespace is trimmed; leading newlines are kept (dpkg's relationship parser rejects them).
      while (!value.empty() && IsSpace(value.back())) {
        value.remove_suffix(1);
      }
      stanza.fields.push_back({internal::ToLower(name), value});
      if (stanza_ends) {
        break;
      }
    }
    if (!stanza.error.empty()) {
      skip_to_stanza_end();
    }
    visit(static_cast<const Stanza&>(stanza));
  }
}

// dpkg's pkg_name_is_illegal (lib/dpkg/pkg-namevalue.c), on the lower-cased name.
std::string CheckPackageName(std::string_view name) {
  if (name.empty()) {
    return "may not be empty string";
  }
  if (!IsAlnum(name[0])) {
    return "must start with an alphanumeric character";
  }
  for (char c : name) {
    if (!IsAlnum(c) && c != '-' && c != '+' && c != '.' && c != '_') {
      return fmt::format("character '{}' not allowed (only letters, digits and characters '-+._')", c);
    }
  }
  return {};
}

// dpkg_arch_name_is_illegal (lib/dpkg/arch.c).
std::string CheckArchName(std::string_view name) {
  if (name.empty()) {
    return "may not be empty string";
  }
  if (!IsAlnum(name[0])) {
    return "must start with an alphanumeric character";
  }
  for (char c : name) {
    if (!IsAlnum(c) && c != '-') {
      return fmt::format("character '{}' not allowed", c);
    }
  }
  return {};
}

// f_dependency in lib/dpkg/fields.c, as applied to the status database.
std::string CheckRelationships(std::string_view field, std::string_view value) {
  if (value.empty()) {
    return {};
  }
  // dpkg rejects a relationship field whose first line is empty (checked against dpkg-query 1.21 here).
  if (value.front() == '\n' || value.front() == '\r') {
    return fmt::format("'{}' field, missing package name, or garbage where package name expected", field);
  }
  const bool no_alternatives = field == "conflicts" || field == "breaks" || field == "provides" || field == "replaces";
  std::size_t p = 0;
  const std::size_t n = value.size();
  while (true) {
    while (true) {
      while (p < n && IsSpace(value[p])) {
        ++p;
      }
      std::size_t name_start = p;
      while (p < n && !IsSpace(value[p]) && value[p] != ':' && value[p] != '(' && value[p] != ',' && value[p] != '|') {
        ++p;
      }
      std::string name = internal::ToLower(value.substr(name_start, p - name_start));
      if (name.empty()) {
        return fmt::format("'{}' field, missing package name, or garbage where package name expected", field);
      }
      if (std::string error = CheckPackageName(name); !error.empty()) {
        return fmt::format("'{}' field, invalid package name '{}': {}", field, name, error);
      }
      while (p < n && IsSpace(value[p])) {
        ++p;
      }
      if (p < n && value[p] == ':') {
        std::size_t arch_start = ++p;
        while (p < n && !IsSpace(value[p]) && value[p] != '(' && value[p] != ',' && value[p] != '|') {
          ++p;
        }
        std::string arch = internal::ToLower(value.substr(arch_start, p - arch_start));
        if (arch.empty()) {
          return fmt::format("'{}' field, missing architecture name, or garbage where architecture name expected",
                             field);
        }
        std::string error = CheckArchName(arch);
        if (!error.empty()) {
          return fmt::format("'{}' field, reference to '{}': invalid architecture name '{}': {}", field, name, arch,
                             error);
        }
        while (p < n && IsSpace(value[p])) {
          ++p;
        }
      }
      if (p < n && value[p] == '(') {
        ++p;
        while (p < n && IsSpace(value[p])) {
          ++p;
        }
        if (p < n && (value[p] == '<' || value[p] == '>')) {
          char c1 = value[p++];
          char c2 = p < n ? value[p] : '\0';
          if (c2 == '=' || c2 == c1) {
            ++p;
          } else if (c2 == '<' || c2 == '>') {
            return fmt::format("'{}' field, reference to '{}': bad version relationship {}{}", field, name, c1, c2);
          }
        } else if (p < n && value[p] == '=') {
          ++p;
        }
        while (p < n && IsSpace(value[p])) {
          ++p;
        }
        std::size_t version_start = p;
        while (p < n && value[p] != ')' && value[p] != '(' && !IsSpace(value[p])) {
          ++p;
        }
        std::string_view version = value.substr(version_start, p - version_start);
        while (p < n && IsSpace(value[p])) {
          ++p;
        }
        if (p >= n) {
          return fmt::format("'{}' field, reference to '{}': version unterminated", field, name);
        }
        if (value[p] != ')') {
          return fmt::format("'{}' field, reference to '{}': version contains '{}' instead of ')'", field, name,
                             value[p]);
        }
        if (std::string error = CheckVersion(version); !error.empty()) {
          return fmt::format("'{}' field, reference to '{}': error in version: {}", field, name, error);
        }
        ++p;
        while (p < n && IsSpace(value[p])) {
          ++p;
        }
      }
      if (p >= n || value[p] == ',') {
        break;
      }
      if (value[p] != '|') {
        return fmt::format("'{}' field, syntax error after reference to package '{}'", field, name);
      }
      if (no_alternatives) {
        return fmt::format("alternatives ('|') not allowed in '{}' field", field);
      }
      ++p;
    }
    if (p >= n) {
      break;
    }
    ++p;  // the comma
  }
  return {};
}

enum class State {
  kNotInstalled,
  kConfigFiles,
  kHalfInstalled,
  kUnpacked,
  kHalfConfigured,
  kTriggersAwaited,
  kTriggersPending,
  kInstalled,
};

struct StatusWords {
  State state = State::kNotInstalled;
};

// Matches the first table entry that is a case-insensitive prefix of `text`, as dpkg's parse_nv does.
std::optional<int> MatchWord(std::string_view& text, const std::vector<std::pair<std::string_view, int>>& table) {
  for (const auto& [word, value] : table) {
    if (text.size() >= word.size() && internal::ToLower(text.substr(0, word.size())) == word) {
      text.remove_prefix(word.size());
      return value;
    }
  }
  return std::nullopt;
}

// f_status in lib/dpkg/fields.c.
std::string ParseStatusField(std::string_view value, StatusWords& out) {
  static const std::vector<std::pair<std::string_view, int>> kWant = {
      {"unknown", 0}, {"install", 1}, {"hold", 2}, {"deinstall", 3}, {"purge", 4}};
  static const std::vector<std::pair<std::string_view, int>> kErrorFlag = {{"ok", 0}, {"reinstreq", 1}};
  static const std::vector<std::pair<std::string_view, int>> kState = {
      {"not-installed", static_cast<int>(State::kNotInstalled)},
      {"unpacked", static_cast<int>(State::kUnpacked)},
      {"half-configured", static_cast<int>(State::kHalfConfigured)},
      {"installed", static_cast<int>(State::kInstalled)},
      {"half-installed", static_cast<int>(State::kHalfInstalled)},
      {"config-files", static_cast<int>(State::kConfigFiles)},
      {"triggers-awaited", static_cast<int>(State::kTriggersAwaited)},
      {"triggers-pending", static_cast<int>(State::kTriggersPending)},
  };
  struct Word {
    std::string_view what;
    const std::vector<std::pair<std::string_view, int>>* table;
  };
  const Word words[] = {{"first (want)", &kWant}, {"second (error)", &kErrorFlag}, {"third (status)", &kState}};
  std::string_view rest = value;
  for (int i = 0; i < 3; ++i) {
    if (rest.empty()) {
      return fmt::format("{} word in 'Status' field: is missing a value", words[i].what);
    }
    auto matched = MatchWord(rest, *words[i].table);
    if (!matched) {
      return fmt::format("{} word in 'Status' field: has invalid value '{}'", words[i].what, rest);
    }
    if (i < 2) {
      while (!rest.empty() && IsSpace(rest.front())) {
        rest.remove_prefix(1);
      }
    } else {
      if (!rest.empty()) {
        return fmt::format("{} word in 'Status' field: has trailing junk", words[i].what);
      }
      out.state = static_cast<State>(*matched);
    }
  }
  return {};
}

const Field* FindField(const Stanza& stanza, std::string_view name) {
  const Field* found = nullptr;
  for (const Field& field : stanza.fields) {
    if (field.name == name) {
      found = &field;  // dpkg keeps the last duplicate
    }
  }
  return found;
}

// Validates one stanza as pkg_parse_verify (lib/dpkg/parse.c) does and builds the record; returns the error message
// of the first problem dpkg would reject the stanza for.
std::string BuildRecord(const Stanza& stanza, bool status_d, StatusRecord& record, std::string& warning) {
  static const std::set<std::string_view> kRelationshipFields = {
      "depends", "pre-depends", "recommends", "suggests", "breaks", "conflicts", "provides", "replaces", "enhances"};
  record.line = stanza.line;
  const Field* package = FindField(stanza, "package");
  if (package == nullptr) {
    return "missing 'Package' field";
  }
  record.name = internal::ToLower(package->value);
  if (std::string error = CheckPackageName(record.name); !error.empty()) {
    return fmt::format("invalid package name in 'Package' field: {}", error);
  }
  StatusWords status;
  if (const Field* field = FindField(stanza, "status")) {
    if (std::string error = ParseStatusField(field->value, status); !error.empty()) {
      return error;
    }
    record.status = std::string(field->value);
  } else if (status_d) {
    status.state = State::kInstalled;
    record.status = "install ok installed";
  }
  for (const Field& field : stanza.fields) {
    if (kRelationshipFields.count(field.name) != 0) {
      if (std::string error = CheckRelationships(field.name, field.value); !error.empty()) {
        return error;
      }
    }
  }
  const Field* version = FindField(stanza, "version");
  if (version != nullptr && !version->value.empty()) {
    if (std::string error = CheckVersion(version->value); !error.empty()) {
      return fmt::format("'Version' field value '{}': {}", version->value, error);
    }
    record.version = std::string(version->value);
  }
  if (status.state != State::kNotInstalled && status.state != State::kHalfInstalled && record.version.empty()) {
    return "missing 'Version' field";
  }
  if (const Field* arch = FindField(stanza, "architecture")) {
    record.arch = internal::ToLower(arch->value);
  }
  if (const Field* multi_arch = FindField(stanza, "multi-arch")) {
    record.multi_arch = internal::ToLower(multi_arch->value);
    if (record.multi_arch == "same" && record.arch.empty()) {
      return "package has field 'Multi-Arch: same' but is missing architecture";
    }
    if (record.multi_arch == "same" && record.arch == "all") {
      return "package has 'Multi-Arch: same' field but is architecture 'all'";
    }
  }
  if (FindField(stanza, "config-version") != nullptr &&
      (status.state == State::kInstalled || status.state == State::kNotInstalled)) {
    return "Config-Version for package with inappropriate Status";
  }
  const bool awaited = FindField(stanza, "triggers-awaited") != nullptr;
  const bool pending = FindField(stanza, "triggers-pending") != nullptr;
  if (awaited && (status.state <= State::kConfigFiles || status.state >= State::kTriggersPending)) {
    return "package has triggers awaited in an inappropriate status";
  }
  if (status.state == State::kTriggersAwaited && !awaited) {
    return "package has status triggers-awaited but no triggers awaited";
  }
  if (pending && !(status.state == State::kTriggersPending || status.state == State::kTriggersAwaited)) {
    return "package has triggers pending in an inappropriate status";
  }
  if (status.state == State::kTriggersPending && !pending) {
    return "package has status triggers-pending but no triggers pending";
  }
  record.source_name = record.name;
  record.source_version = record.version;
  if (const Field* source = FindField(stanza, "source")) {
    // "name (version)": dpkg-query takes the name up to the first blank and the version from the parentheses.
    std::string_view value = source->value;
    std::size_t name_end = 0;
    while (name_end < value.size() && !IsSpace(value[name_end])) {
      ++name_end;
    }
    if (name_end > 0) {
      record.source_name = std::string(value.substr(0, name_end));
    }
    std::size_t open = value.find('(');
    if (open != std::string_view::npos) {
      std::size_t close = value.find(')', open);  // dpkg reads to the end when ')' is missing
      if (close == std::string_view::npos) {
        close = value.size();
      }
      std::string_view source_version = internal::TrimWhitespace(value.substr(open + 1, close - open - 1));
      // dpkg stores the field as is and only fails when a query prints ${source:Version}; keep the package with the
      // binary version as its source version.
      if (std::string error = CheckVersion(source_version); !error.empty()) {
        warning = fmt::format("'Source' field version '{}': {}; using the binary version", source_version, error);
        source_version = record.version;
      }
      record.source_version = std::string(source_version);
    }
  }
  if (const Field* size = FindField(stanza, "installed-size")) {
    std::uint64_t kib = 0;
    bool ok = !size->value.empty();
    for (char c : size->value) {
      if (!IsDigit(c) || kib > (UINT64_MAX / 1024 - 9) / 10) {
        ok = false;
        break;
      }
      kib = kib * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (ok) {
      record.installed_size_kib = kib;
    }
  }
  record.installed = status.state == State::kInstalled;
  record.listed = status.state != State::kNotInstalled;
  return {};
}

bool IsStatusDControlFile(std::string_view name) {
  static const std::string_view kSuffixes[] = {".md5sums",   ".preinst",   ".postinst",  ".prerm",  ".postrm",
                                               ".list",      ".conffiles", ".triggers",  ".shlibs", ".symbols",
                                               ".templates", ".config",    ".sha256sums"};
  for (std::string_view suffix : kSuffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> ReadListFile(std::string_view content, bool md5sums) {
  std::vector<std::string> files;
  for (std::string_view line : internal::Split(content, '\n')) {
    if (md5sums) {
      // "<md5>  <path relative to />"
      std::size_t space = line.find(' ');
      if (space == std::string_view::npos) {
        continue;
      }
      line = line.substr(space);
      while (!line.empty() && line.front() == ' ') {
        line.remove_prefix(1);
      }
      if (line.empty()) {
        continue;
      }
      files.push_back(NormalizePath(line));
      continue;
    }
    line = internal::TrimWhitespace(line);
    if (line.empty() || line == "/.") {
      continue;
    }
    files.push_back(std::string(line));
  }
  return files;
}

}  // namespace

std::string CheckVersion(std::string_view version) {
  std::string_view text = internal::TrimWhitespace(version);
  if (text.empty()) {
    return "version string is empty";
  }
  for (char c : text) {
    if (IsSpace(c)) {
      return "version string has embedded spaces";
    }
  }
  std::size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    std::string_view epoch = text.substr(0, colon);
    if (epoch.empty()) {
      return "epoch in version is empty";
    }
    std::size_t digits_start = (epoch[0] == '-' || epoch[0] == '+') ? 1 : 0;
    if (digits_start == epoch.size()) {
      return "epoch in version is not number";
    }
    for (std::size_t i = digits_start; i < epoch.size(); ++i) {
      if (!IsDigit(epoch[i])) {
        return "epoch in version is not number";
      }
    }
    if (epoch[0] == '-') {
      bool all_zero = std::all_of(epoch.begin() + 1, epoch.end(), [](char c) { return c == '0'; });
      if (!all_zero) {
        return "epoch in version is negative";
      }
    }
    std::string_view digits = epoch.substr(digits_start);
    while (digits.size() > 1 && digits.front() == '0') {
      digits.remove_prefix(1);
    }
    if (digits.size() > 10 || (digits.size() == 10 && digits > "2147483647")) {
      return "epoch in version is too big";
    }
    text.remove_prefix(colon + 1);
    if (text.empty()) {
      return "nothing after colon in version number";
    }
  }
  std::size_t hyphen = text.rfind('-');
  if (hyphen != std::string_view::npos) {
    if (hyphen + 1 == text.size()) {
      return "revision number is empty";
    }
    text = text.substr(0, hyphen);
  }
  if (text.empty()) {
    return "version number is empty";
  }
  return {};
}

std::vector<StatusRecord> ParseStatus(std::string_view text, bool status_d, std::string_view path,
                                      Diagnostics& diagnostics, ParseStats* stats) {
  std::vector<StatusRecord> records;
  std::unordered_map<std::string, std::size_t> index;  // "name\0arch" -> position in records
  ParseStats counts;
  ForEachStanza(text, [&](const Stanza& stanza) {
    ++counts.stanzas;
    StatusRecord record;
    std::string error = stanza.error;
    std::string warning;
    if (error.empty()) {
      error = BuildRecord(stanza, status_d, record, warning);
    }
    if (error.empty() && !warning.empty()) {
      diagnostics.Warn(std::string(kSource), std::string(path),
                       fmt::format("line {} package '{}': {}", stanza.line, record.name, warning));
    }
    if (!error.empty()) {
      ++counts.rejected;
      std::string name = record.name.empty() ? std::string() : fmt::format(" package '{}'", record.name);
      diagnostics.Warn(std::string(kSource), std::string(path),
                       fmt::format("skipped the stanza at line {}{}: {}", stanza.line, name, error));
      return;
    }
    std::string key = record.name;
    key.push_back('\0');
    key += record.arch;
    if (auto it = index.find(key); it != index.end()) {
      diagnostics.Info(
          std::string(kSource), std::string(path),
          fmt::format("package '{}' appears again at line {}; the later stanza wins", record.name, stanza.line));
      records[it->second] = std::move(record);
    } else {
      index.emplace(std::move(key), records.size());
      records.push_back(std::move(record));
    }
  });
  if (stats != nullptr) {
    *stats = counts;
  }
  return records;
}

bool DpkgCataloger::WantsContent(std::string_view path) const {
  if (path == kStatusPath) {
    return true;
  }
  if (path.starts_with(kStatusDir)) {
    return path.find('/', kStatusDir.size()) == std::string_view::npos;
  }
  if (path.starts_with(kInfoDir)) {
    return path.ends_with(".list") && path.find('/', kInfoDir.size()) == std::string_view::npos;
  }
  return false;
}

bool DpkgCataloger::WantsHistory(std::string_view path) const {
  return path == kStatusPath;
}

std::vector<std::string> DpkgCataloger::DatabasePaths() const {
  return {std::string(kStatusPath), std::string(kStatusDir)};
}

std::vector<Package> DpkgCataloger::Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const {
  std::vector<Package> packages;
  auto keep = [&](const StatusRecord& record) {
    return options_.list_like_dpkg_query ? record.listed : record.installed;
  };
  auto to_package = [&](StatusRecord&& record, const std::string& db_path) {
    Package package;
    package.type = PackageType::kDeb;
    package.name = std::move(record.name);
    package.version = std::move(record.version);
    package.arch = std::move(record.arch);
    package.source_name = std::move(record.source_name);
    package.source_version = std::move(record.source_version);
    package.installed_size = record.installed_size_kib * 1024;
    package.status = std::move(record.status);
    package.db_path = db_path;
    return package;
  };
  auto attach_files = [&](Package& package, const std::string& multi_arch) {
    std::string candidates[2] = {fmt::format("{}{}:{}.list", kInfoDir, package.name, package.arch),
                                 fmt::format("{}{}.list", kInfoDir, package.name)};
    if (multi_arch != "same") {
      std::swap(candidates[0], candidates[1]);
    }
    for (const std::string& candidate : candidates) {
      if (const FileNode* node = internal::FindCapturedFile(tree, candidate, nullptr)) {
        package.files = ReadListFile(*node->content, false);
        return true;
      }
    }
    return false;
  };

  // The status file, with layer attribution from its history.
  std::string status_path;
  if (const FileNode* node = internal::FindCapturedFile(tree, kStatusPath, &status_path)) {
    ParseStats stats;
    std::vector<StatusRecord> records = ParseStatus(*node->content, false, kStatusPath, diagnostics, &stats);
    if (records.empty() && stats.rejected > 0) {
      // A database that is there and yields nothing: the packages it should list were never seen.
      diagnostics.Incomplete(std::string(kSource), std::string(kStatusPath),
                             fmt::format("no stanza of the status file is a package dpkg would accept ({} of {} "
                                         "rejected): its packages are unknown",
                                         stats.rejected, stats.stanzas));
    }
    std::vector<std::uint64_t> keys;
    std::vector<std::string> multi_arch;
    std::size_t kept = 0;
    for (const StatusRecord& record : records) kept += keep(record) ? 1 : 0;
    packages.reserve(kept);
    keys.reserve(kept);
    multi_arch.reserve(kept);
    for (StatusRecord& record : records) {
      if (!keep(record)) {
        if (record.listed) {
          diagnostics.Info(
              std::string(kSource), std::string(kStatusPath),
              fmt::format("package '{}' is not installed (Status: {}); not listed", record.name, record.status));
        }
        continue;
      }
      keys.push_back(internal::KeySet::Hash(internal::PackageKey(record.name, record.arch, record.version)));
      multi_arch.push_back(std::move(record.multi_arch));
      packages.push_back(to_package(std::move(record), std::string(kStatusPath)));
    }
    records = {};  // what was read goes before the attribution reads older revisions
    internal::RevisionKeys revision_keys = [&](std::string_view content) -> Result<internal::KeySet> {
      NullDiagnostics quiet;
      internal::KeySet out;
      for (const StatusRecord& record : ParseStatus(content, false, kStatusPath, quiet)) {
        if (keep(record)) {
          out.Add(internal::PackageKey(record.name, record.arch, record.version));
        }
      }
      out.Seal();
      return out;
    };
    std::vector<int> layers = internal::AttributeLayers(*node, keys, revision_keys, kSource, kStatusPath, diagnostics);
    for (std::size_t i = 0; i < packages.size(); ++i) {
      packages[i].layer = internal::LayerByIndex(tree, layers[i]);
      attach_files(packages[i], multi_arch[i]);
    }
  } else if (const FileNode* raw = tree.Find(kStatusPath); raw != nullptr) {
    diagnostics.Incomplete(std::string(kSource), std::string(kStatusPath),
                           "the status file cannot be read (" + internal::WhyNotReadable(tree, kStatusPath, *raw) +
                               "): its packages are unknown");
  }

  // The distroless layout: one status stanza per file, the file list in <name>.md5sums.
  std::size_t status_d_files = 0;
  std::size_t status_d_unreadable = 0;
  std::size_t status_d_packages = 0;
  // The files directly in status.d, read in place from the tree (no list of 50,000 copied paths).
  std::vector<const std::string*> status_d;
  const auto& entries = tree.entries();
  for (auto it = entries.lower_bound(kStatusDir); it != entries.end() && it->first.starts_with(kStatusDir); ++it) {
    std::string_view file_name = std::string_view(it->first).substr(kStatusDir.size());
    if (!file_name.empty() && file_name.find('/') == std::string_view::npos && !IsStatusDControlFile(file_name)) {
      status_d.push_back(&it->first);
    }
  }
  packages.reserve(packages.size() + status_d.size());  // one package a file: no doubling of a big vector
  for (const std::string* path_in_tree : status_d) {
    const std::string& path = *path_in_tree;
    std::string_view file_name = std::string_view(path).substr(kStatusDir.size());
    ++status_d_files;
    const FileNode* node = internal::FindCapturedFile(tree, path, nullptr);
    if (node == nullptr) {
      const FileNode* raw = tree.Find(path);
      if (raw != nullptr && raw->type != FileType::kDirectory) {
        ++status_d_unreadable;
        diagnostics.Incomplete(
            std::string(kSource), path,
            "cannot be read (" + internal::WhyNotReadable(tree, path, *raw) + "): the package it describes is unknown");
      }
      continue;
    }
    for (StatusRecord& record : ParseStatus(*node->content, true, path, diagnostics)) {
      ++status_d_packages;
      if (!keep(record)) {
        continue;
      }
      std::string record_multi_arch = std::move(record.multi_arch);
      Package package = to_package(std::move(record), path);
      package.layer = internal::LayerByIndex(tree, node->layer);
      if (!attach_files(package, record_multi_arch)) {
        for (const std::string& md5sums : {fmt::format("{}{}.md5sums", kStatusDir, file_name),
                                           fmt::format("{}{}.md5sums", kStatusDir, package.name)}) {
          if (const FileNode* list = internal::FindCapturedFile(tree, md5sums, nullptr)) {
            package.files = ReadListFile(*list->content, true);
            break;
          }
        }
      }
      packages.push_back(std::move(package));
    }
  }
  if (status_d_files > status_d_unreadable && status_d_packages == 0) {
    diagnostics.Incomplete(std::string(kSource), std::string(kStatusDir),
                           fmt::format("none of the {} files is a package dpkg would accept: their packages are "
                                       "unknown",
                                       status_d_files - status_d_unreadable));
  }
  internal::Finish(packages, os);
  return packages;
}

}  // namespace customs::catalog::dpkg
