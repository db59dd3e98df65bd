// Rule family "Secrets": Secrets in ARG/ENV names and secret files copied into layers.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

// BuildKit's SecretsUsedInArgOrEnv token-boundary match.
const RE2& SecretNamePattern() {
  static const RE2 re(
      "(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token|"
      "private_?key|access_?key)(?:_|$)");
  return re;
}

bool LooksLikeSecretName(std::string_view name) {
  // Public key material and key ids are not secrets (GPG_KEY in docker-library images is a fingerprint).
  static const RE2 kPublic("(?i)(?:_|^)(?:gpg|pgp|public|pub)(?:_|$)|_key_?id(?:_|$)|_keys?_url(?:_|$)");
  return RE2::PartialMatch(name, SecretNamePattern()) && !RE2::PartialMatch(name, kPublic);
}

void CheckSecretsInArgEnv(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    std::vector<std::string> names;
    if (inst.cmd == "ARG") {
      for (const auto& w : inst.args) names.push_back(w.substr(0, w.find('=')));
    } else if (inst.cmd == "ENV") {
      for (std::size_t k = 0; k < inst.args.size(); k += 3) names.push_back(inst.args[k]);
    }
    for (const auto& name : names) {
      if (LooksLikeSecretName(name)) {
        c.Report(i,
                 fmt::format("{} \"{}\" looks like a secret; ARG and ENV values persist in the image", inst.cmd, name),
                 "pass secrets with RUN --mount=type=secret,id=" + Lower(name));
      }
    }
  });
}

bool IsSecretFile(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  base = Lower(base);
  static const std::vector<std::string> kNames = {"id_rsa",
                                                  "id_dsa",
                                                  "id_ecdsa",
                                                  "id_ed25519",
                                                  ".env",
                                                  ".npmrc",
                                                  ".pypirc",
                                                  ".netrc",
                                                  ".git-credentials",
                                                  "credentials",
                                                  "credentials.json",
                                                  "kubeconfig",
                                                  ".dockercfg",
                                                  "secrets.yaml",
                                                  "secrets.yml",
                                                  ".htpasswd",
                                                  "*.pem",
                                                  "*.key",
                                                  "*.p12",
                                                  "*.pfx",
                                                  "*.jks",
                                                  "*.keystore",
                                                  ".env.*",
                                                  "*.ppk",
                                                  "service-account*.json"};
  if (base == ".env.example" || base == ".env.sample") return false;
  return std::any_of(kNames.begin(), kNames.end(), [&](const std::string& n) { return Glob(n, base); }) ||
         path.find(".ssh/") != std::string::npos || path.find(".aws/") != std::string::npos ||
         path.find(".docker/config.json") != std::string::npos;
}

void CheckSecretFiles(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if ((inst.cmd != "COPY" && inst.cmd != "ADD") || HasFlag(inst, "from") || inst.args.size() < 2) return;
    for (std::size_t k = 0; k + 1 < inst.args.size(); ++k) {
      if (IsSecretFile(inst.args[k])) {
        c.Report(i, fmt::format("{} copies the secret file \"{}\" into the image", inst.cmd, inst.args[k]),
                 "use RUN --mount=type=secret and keep the file in .dockerignore");
      }
    }
  });
}

constexpr Rule kSecretsRules[] = {
    {"secret-in-arg-env",
     Severity::kHigh,
     "Secret-looking name in ARG or ENV",
     "ARG and ENV values are stored in the image history and config. Names are matched on token boundaries "
     "(API_KEY, DB_PASSWORD), never as substrings (libcrypto3 is not a secret).",
     {"", "", "SecretsUsedInArgOrEnv"},
     CheckSecretsInArgEnv},
    {"secret-file-copied",
     Severity::kHigh,
     "Secret file copied into the image",
     "Private keys, .env, .npmrc, .netrc or cloud credentials copied into a layer stay there even if deleted later.",
     {"", "", ""},
     CheckSecretFiles},
};

}  // namespace

std::span<const Rule> SecretsRules() {
  return kSecretsRules;
}

}  // namespace customs::lint
