#include "catalog/os_release.h"

#include <fmt/format.h>

#include "catalog/cataloger.h"
#include "catalog/internal.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kSource = "catalog/os";

constexpr std::string_view kOsReleasePaths[] = {"/etc/os-release", "/usr/lib/os-release"};
constexpr std::string_view kRedHatReleasePaths[] = {"/etc/redhat-release",    "/etc/centos-release",
                                                    "/etc/fedora-release",    "/etc/rocky-release",
                                                    "/etc/almalinux-release", "/etc/oracle-release"};
constexpr std::string_view kOtherPaths[] = {"/etc/debian_version", "/etc/alpine-release", "/etc/SuSE-release",
                                            "/etc/lsb-release"};

std::string MajorVersion(std::string_view version) {
  return std::string(version.substr(0, version.find('.')));
}

std::string MajorMinorVersion(std::string_view version) {
  std::size_t first = version.find('.');
  if (first == std::string_view::npos) {
    return std::string(version);
  }
  std::size_t second = version.find('.', first + 1);
  return std::string(version.substr(0, second));
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Normalises a version for matching: advisories for these families are per major (RHEL-likes) or major.minor (Alpine)
// release.
std::string NormalizeVersion(std::string_view family, std::string_view version) {
  if (family == "rhel" || family == "centos" || family == "rocky" || family == "almalinux" || family == "ol" ||
      family == "debian") {
    return MajorVersion(version);
  }
  if (family == "alpine") {
    if (version.find("_alpha") != std::string_view::npos) {
      return "edge";
    }
    return MajorMinorVersion(version);
  }
  return std::string(version);
}

// "12 (bookworm)" -> "bookworm".
std::string CodenameFromVersion(std::string_view version) {
  std::size_t open = version.find('(');
  std::size_t close = version.find(')', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos) {
    return {};
  }
  std::string_view inside = internal::TrimWhitespace(version.substr(open + 1, close - open - 1));
  // Only single lower-case words ("bookworm"), not "Core" or "Workstation Edition".
  if (inside.empty()) {
    return {};
  }
  for (char c : inside) {
    if (!(c >= 'a' && c <= 'z')) {
      return {};
    }
  }
  return std::string(inside);
}

const std::string* Get(const std::map<std::string, std::string, std::less<>>& fields, std::string_view key) {
  auto it = fields.find(key);
  return it == fields.end() ? nullptr : &it->second;
}

std::shared_ptr<const std::string> Content(const FileTree& tree, std::string_view path) {
  const FileNode* node = internal::FindCapturedFile(tree, path, nullptr);
  return node == nullptr ? nullptr : node->content;
}

}  // namespace

std::map<std::string, std::string, std::less<>> ParseOsRelease(std::string_view text) {
  std::map<std::string, std::string, std::less<>> fields;
  for (std::string_view line : internal::Split(text, '\n')) {
    line = internal::TrimWhitespace(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      continue;
    }
    std::string_view key = line.substr(0, equals);
    bool valid_key = true;
    for (char c : key) {
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_')) {
        valid_key = false;
      }
    }
    if (!valid_key) {
      continue;
    }
    std::string_view raw = line.substr(equals + 1);
    std::string value;
    if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
      const char quote = raw.front();
      std::size_t i = 1;
      bool closed = false;
      for (; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < raw.size()) {
          char next = raw[i + 1];
          if (next == '"' || next == '\\' || next == '$' || next == '`') {
            value.push_back(next);
            ++i;
            continue;
          }
        }
        value.push_back(c);
      }
      if (!closed) {
        continue;  // unterminated quote: skip the line
      }
    } else {
      value = std::string(raw);
    }
    fields.insert_or_assign(std::string(key), std::move(value));
  }
  return fields;
}

std::string DebianVersionForCodename(std::string_view codename) {
  static const std::pair<std::string_view, std::string_view> kReleases[] = {
      {"hamm", "2"},      {"slink", "2"},     {"potato", "2"},  {"woody", "3"},  {"sarge", "3"},   {"etch", "4"},
      {"lenny", "5"},     {"squeeze", "6"},   {"wheezy", "7"},  {"jessie", "8"}, {"stretch", "9"}, {"buster", "10"},
      {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"}, {"forky", "14"}, {"duke", "15"},
  };
  for (const auto& [name, version] : kReleases) {
    if (codename == name) {
      return std::string(version);
    }
  }
  return {};
}

OsInfo OsInfoFromOsRelease(const std::map<std::string, std::string, std::less<>>& fields) {
  OsInfo os;
  const std::string* id = Get(fields, "ID");
  if (id == nullptr || id->empty()) {
    return os;
  }
  os.family = internal::ToLower(*id);
  if (const std::string* pretty = Get(fields, "PRETTY_NAME")) {
    os.pretty_name = *pretty;
  }
  if (const std::string* version_id = Get(fields, "VERSION_ID")) {
    os.version = NormalizeVersion(os.family, internal::TrimWhitespace(*version_id));
  }
  if (const std::string* codename = Get(fields, "VERSION_CODENAME"); codename != nullptr && !codename->empty()) {
    os.codename = *codename;
  } else if (const std::string* ubuntu = Get(fields, "UBUNTU_CODENAME"); ubuntu != nullptr && !ubuntu->empty()) {
    os.codename = *ubuntu;
  } else if (const std::string* version = Get(fields, "VERSION")) {
    os.codename = CodenameFromVersion(*version);
  }
  if (os.family == "alpine" && os.pretty_name.find(" edge") != std::string::npos) {
    os.version = "edge";
  }
  if (os.pretty_name == "Distroless") {
    os.variant = "distroless";
  }
  return os;
}

OsInfo OsInfoFromRedHatRelease(std::string_view text) {
  OsInfo os;
  std::string_view line = internal::TrimWhitespace(text.substr(0, text.find('\n')));
  static const std::pair<std::string_view, std::string_view> kFamilies[] = {
      {"Red Hat Enterprise Linux", "rhel"}, {"CentOS", "centos"}, {"Rocky Linux", "rocky"},
      {"AlmaLinux", "almalinux"},           {"Fedora", "fedora"}, {"Oracle Linux", "ol"},
  };
  for (const auto& [prefix, family] : kFamilies) {
    if (line.starts_with(prefix)) {
      os.family = std::string(family);
      break;
    }
  }
  if (os.family.empty()) {
    return os;
  }
  std::size_t release = line.find(" release ");
  if (release == std::string_view::npos) {
    return OsInfo();
  }
  std::string_view rest = line.substr(release + 9);
  std::size_t end = 0;
  while (end < rest.size() && (IsDigit(rest[end]) || rest[end] == '.')) {
    ++end;
  }
  if (end == 0) {
    return OsInfo();
  }
  os.version = NormalizeVersion(os.family, rest.substr(0, end));
  os.pretty_name = std::string(line);
  return os;
}

bool OsDetectionWants(std::string_view path) {
  for (std::string_view candidate : kOsReleasePaths) {
    if (path == candidate) {
      return true;
    }
  }
  for (std::string_view candidate : kRedHatReleasePaths) {
    if (path == candidate) {
      return true;
    }
  }
  for (std::string_view candidate : kOtherPaths) {
    if (path == candidate) {
      return true;
    }
  }
  return false;
}

OsInfo DetectOs(const FileTree& tree, Diagnostics& diagnostics) {
  OsInfo os;
  for (std::string_view path : kOsReleasePaths) {
    auto content = Content(tree, path);
    if (!content) {
      continue;
    }
    os = OsInfoFromOsRelease(ParseOsRelease(*content));
    if (os.detected()) {
      break;
    }
    diagnostics.Info(std::string(kSource), std::string(path), "os-release has no ID");
  }
  // Debian testing and unstable have no VERSION_ID; /etc/debian_version says "trixie/sid" (or a point release).
  if (os.family == "debian" && os.version.empty()) {
    if (auto content = Content(tree, "/etc/debian_version")) {
      std::string_view text = internal::TrimWhitespace(*content);
      if (!text.empty() && IsDigit(text.front())) {
        os.version = MajorVersion(text);
      } else {
        std::string_view codename = text.substr(0, text.find('/'));
        if (os.codename.empty()) {
          os.codename = std::string(codename);
        }
        os.version = DebianVersionForCodename(os.codename);
      }
    } else if (!os.codename.empty()) {
      os.version = DebianVersionForCodename(os.codename);
    }
  }
  if (os.family == "debian" && os.codename.empty() && !os.version.empty()) {
    for (std::string_view name : {"buster", "bullseye", "bookworm", "trixie", "stretch", "jessie", "wheezy", "forky"}) {
      if (DebianVersionForCodename(name) == os.version) {
        os.codename = std::string(name);
      }
    }
  }
  // os-release without VERSION_ID: the distro's own release file has it.
  if (os.family == "alpine" && os.version.empty()) {
    if (auto content = Content(tree, "/etc/alpine-release")) {
      os.version = NormalizeVersion("alpine", internal::TrimWhitespace(*content));
    }
  }
  if (os.detected() && os.version.empty()) {
    for (std::string_view path : kRedHatReleasePaths) {
      if (auto content = Content(tree, path)) {
        OsInfo release = OsInfoFromRedHatRelease(*content);
        if (release.family == os.family) {
          os.version = release.version;
          break;
        }
      }
    }
  }
  if (os.detected()) {
    return os;
  }

  // No usable os-release: the distro-specific files.
  for (std::string_view path : kRedHatReleasePaths) {
    if (auto content = Content(tree, path)) {
      os = OsInfoFromRedHatRelease(*content);
      if (os.detected()) {
        return os;
      }
      diagnostics.Info(std::string(kSource), std::string(path), "unrecognised release file");
    }
  }
  if (auto content = Content(tree, "/etc/alpine-release")) {
    std::string_view text = internal::TrimWhitespace(*content);
    if (!text.empty()) {
      os.family = "alpine";
      os.version = NormalizeVersion("alpine", text);
      return os;
    }
  }
  if (auto content = Content(tree, "/etc/SuSE-release")) {
    // "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3"
    std::string_view first = internal::TrimWhitespace(std::string_view(*content).substr(0, content->find('\n')));
    std::string version;
    std::string patch;
    for (std::string_view line : internal::Split(*content, '\n')) {
      std::size_t equals = line.find('=');
      if (equals == std::string_view::npos) {
        continue;
      }
      std::string_view key = internal::TrimWhitespace(line.substr(0, equals));
      std::string_view value = internal::TrimWhitespace(line.substr(equals + 1));
      if (key == "VERSION") {
        version = std::string(value);
      }
      if (key == "PATCHLEVEL") {
        patch = std::string(value);
      }
    }
    if (!version.empty()) {
      os.family = first.starts_with("openSUSE") ? "opensuse" : "sles";
      os.version =
          patch.empty() || patch == "0" || version.find('.') != std::string::npos ? version : version + "." + patch;
      os.pretty_name = std::string(first);
      return os;
    }
  }
  if (auto content = Content(tree, "/etc/lsb-release")) {
    auto fields = ParseOsRelease(*content);
    if (const std::string* id = Get(fields, "DISTRIB_ID"); id != nullptr && !id->empty()) {
      os.family = internal::ToLower(*id);
      if (const std::string* release = Get(fields, "DISTRIB_RELEASE")) {
        os.version = NormalizeVersion(os.family, *release);
      }
      if (const std::string* codename = Get(fields, "DISTRIB_CODENAME")) {
        os.codename = *codename;
      }
      if (const std::string* description = Get(fields, "DISTRIB_DESCRIPTION")) {
        os.pretty_name = *description;
      }
      return os;
    }
  }
  if (auto content = Content(tree, "/etc/debian_version")) {
    std::string_view text = internal::TrimWhitespace(*content);
    if (!text.empty()) {
      os.family = "debian";
      if (IsDigit(text.front())) {
        os.version = MajorVersion(text);
      } else {
        os.codename = std::string(text.substr(0, text.find('/')));
        os.version = DebianVersionForCodename(os.codename);
      }
      if (os.codename.empty()) {
        for (std::string_view name : {"buster", "bullseye", "bookworm", "trixie", "stretch", "jessie", "wheezy"}) {
          if (DebianVersionForCodename(name) == os.version) {
            os.codename = std::string(name);
          }
        }
      }
      return os;
    }
  }
  return os;
}

}  // namespace customs::catalog
