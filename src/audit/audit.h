// Image audit: what the built image is, not what a Dockerfile says it should be. Two scanners share one finding
// model:
//   - config: the image configuration and contents (runs as root, full OS base, attacker tools, shells, compilers,
//     package managers, setuid/setgid and world-writable files, unknown owners, secrets in ENV and history, sshd,
//     HEALTHCHECK, ADD of remote URLs, package caches left behind), a rule table like lint's (audit/rules.h);
//   - secret: every file of every layer, including files a later layer deleted or overwrote (they ship anyway),
//     matched against data-driven secret rules with Hyperscan in streaming mode (audit/secrets/).
//
// The module depends on core only: the caller (scan) fills ImageFacts from the image config and the package
// inventory, and hands over the FileTree the layer walk built. Pure functions; thread-safe; nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/file_tree.h"

namespace customs::audit {

// The same scale as vulnerability severities, so one --fail-on gates every scanner.
enum class Severity { kUnknown, kNegligible, kLow, kMedium, kHigh, kCritical };
const char* SeverityName(Severity severity);  // "UNKNOWN" ... "CRITICAL"

enum class Scanner { kConfig, kSecret };
const char* ScannerName(Scanner scanner);  // "config", "secret"

struct AuditFinding {
  Scanner scanner = Scanner::kConfig;
  std::string rule;                  // "image-runs-as-root", "aws-access-key-id"
  std::vector<std::string> aliases;  // dockle's "CIS-DI-0001", "DKL-DI-0005"...
  Severity severity = Severity::kMedium;
  std::string title;    // the rule's one-line title
  std::string message;  // what was found, specific to this image
  std::string path;     // the file it is about, when there is one ("/usr/bin/nc")
  int line = 0;         // secrets: 1-based line in the file; 0 when not applicable
  std::string match;    // secrets: the secret, masked ("AKIA*****"); never the secret itself
  // The layer that introduced it (-1 when not tied to a layer) and that layer's instruction.
  int layer = -1;
  std::string layer_digest;
  std::string created_by;
  // Secrets in a file that a later layer deleted or overwrote: that layer (-1 when the file is still there). The file
  // still ships in the image: anyone who pulls it can read the layer.
  int removed_in_layer = -1;
  std::string fix;  // how to fix it
};

// What the audit needs of an image besides its files.
struct ImageFacts {
  // False for a root filesystem directory: it has no image config, so the config rules (User, ENV, history,
  // HEALTHCHECK) do not apply.
  bool has_config = true;
  std::string user;  // config User ("", "root", "0:0", "app", "1000")
  std::vector<std::string> env;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::string> exposed_ports;
  bool has_healthcheck = false;      // config Healthcheck with a test other than NONE
  std::vector<std::string> history;  // created_by of every history entry, in order
  std::vector<int> history_layer;    // the layer each history entry made (-1 for empty layers)
  struct Package {
    std::string type;  // "deb", "apk", "rpm", "npm"...
    std::string name;
    std::string version;
    int layer = -1;
  };
  std::vector<Package> packages;
  std::string os_family;   // "debian", "alpine", "" when unknown
  std::string os_version;  // "12"
  std::string os_pretty_name;
};

}  // namespace customs::audit
