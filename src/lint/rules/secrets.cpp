// Rule family "Secrets": secrets in ARG/ENV names and secret files copied into layers.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

// BuildKit's SecretsUsedInArgOrEnv (dockerfile2llb/validations.go getSecretsRegex): a secret token on name
// boundaries, unless an allow token (public, file, version) is there too.
bool BuildkitSecretName(std::string_view name) {
  static const RE2 kDeny(
      "(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)");
  static const RE2 kAllow("(?i)(?:_|^)(?:public|file|version)(?:_|$)");
  return RE2::PartialMatch(name, kDeny) && !RE2::PartialMatch(name, kAllow);
}

// hadolint DL3064: a well-known secret variable, or a name containing a suspicious word.
bool HadolintSecretName(std::string_view name) {
  static const std::set<std::string_view> kKnown = {"ACCESS_TOKEN",
                                                    "APPLICATION_KEY",
                                                    "APP_SECRET",
                                                    "AUTH_TOKEN",
                                                    "AWS_ACCESS_KEY_ID",
                                                    "AWS_SECRET_ACCESS_KEY",
                                                    "BITTREX_API_KEY",
                                                    "BITTREX_API_SECRET",
                                                    "CF_PASSWORD",
                                                    "CF_USERNAME",
                                                    "CIRCLE_TOKEN",
                                                    "CI_DEPLOY_PASSWORD",
                                                    "CI_DEPLOY_USER",
                                                    "DOCKERHUB_PASSWORD",
                                                    "DOCKER_EMAIL",
                                                    "DOCKER_PASSWORD",
                                                    "DOCKER_USERNAME",
                                                    "FACEBOOK_ACCESS_TOKEN",
                                                    "FACEBOOK_APP_ID",
                                                    "FACEBOOK_APP_SECRET",
                                                    "FIREBASE_API_TOKEN",
                                                    "FIREBASE_TOKEN",
                                                    "FOSSA_API_KEY",
                                                    "GH_ENTERPRISE_TOKEN",
                                                    "GH_TOKEN",
                                                    "GITHUB_ENTERPRISE_TOKEN",
                                                    "GITHUB_TOKEN",
                                                    "HEROKU_API_KEY",
                                                    "HEROKU_API_USER",
                                                    "NPM_AUTH_TOKEN",
                                                    "NPM_TOKEN",
                                                    "OKTA_AUTHN_GROUPID",
                                                    "OKTA_CLIENT_ORGURL",
                                                    "OKTA_CLIENT_TOKEN",
                                                    "OKTA_OAUTH2_CLIENTID",
                                                    "OKTA_OAUTH2_CLIENTSECRET",
                                                    "OPENAI_API_KEY",
                                                    "OS_PASSWORD",
                                                    "OS_USERNAME",
                                                    "POSTGRES_PASSWORD",
                                                    "SLACK_TOKEN",
                                                    "STRIPE_API_KEY",
                                                    "STRIPE_DEVICE_NAME",
                                                    "TRAVIS_OS_NAME",
                                                    "TRAVIS_SECURE_ENV_VARS",
                                                    "TRAVIS_SUDO",
                                                    "VAULT_CLIENT_KEY",
                                                    "VAULT_TOKEN"};
  if (kKnown.count(Upper(name))) {
    return true;
  }
  const std::string lower = Lower(name);
  for (std::string_view word : {"api_key", "client_key", "password", "private", "secret", "token", "username"}) {
    if (lower.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Public key material: docker-library images set GPG_KEY to a fingerprint.
bool LooksPublic(std::string_view name) {
  static const RE2 kPublic("(?i)(?:_|^)(?:gpg|pgp)(?:_|$)");
  return RE2::PartialMatch(name, kPublic);
}

// One finding per ARG/ENV name that BuildKit's SecretsUsedInArgOrEnv (ARG and ENV inside stages) or hadolint's
// DL3064 (also ARGs before the first FROM) considers a secret; each finding carries the ids whose test it meets.
void CheckSecretsInArgEnv(const CheckContext& c) {
  ForInstructionsAndTriggers(c, [&](std::size_t i, const Instruction& inst) {
    std::vector<std::string> names;
    if (inst.cmd == "ARG") {
      for (const auto& w : inst.args) {
        names.push_back(w.substr(0, w.find('=')));
      }
    } else if (inst.cmd == "ENV") {
      for (std::size_t k = 0; k < inst.args.size(); k += 3) {
        names.push_back(inst.args[k]);
      }
    } else {
      return;
    }
    const bool in_stage = c.model.stage_of[i] >= 0;
    for (const auto& name : names) {
      const bool buildkit = in_stage && BuildkitSecretName(name);
      const bool hadolint = HadolintSecretName(name);
      if (!buildkit && !hadolint) {
        continue;
      }
      Finding& f = ReportInstruction(
          c, i, inst,
          fmt::format("{} \"{}\" looks like a secret; ARG and ENV values persist in the image", inst.cmd, name),
          "pass secrets with RUN --mount=type=secret,id=" + Lower(name));
      if (!buildkit) {
        std::erase(f.aliases, std::string("SecretsUsedInArgOrEnv"));
      }
      if (!hadolint) {
        std::erase(f.aliases, std::string("DL3064"));
      }
      if (LooksPublic(name)) {
        f.severity = Severity::kInfo;
        f.message += " (a GPG/PGP name: probably a public key fingerprint)";
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
  if (base == ".env.example" || base == ".env.sample") {
    return false;
  }
  return std::any_of(kNames.begin(), kNames.end(), [&](const std::string& n) { return Glob(n, base); }) ||
         path.find(".ssh/") != std::string::npos || path.find(".aws/") != std::string::npos ||
         path.find(".docker/config.json") != std::string::npos;
}

void CheckSecretFiles(const CheckContext& c) {
  ForInstructionsAndTriggers(c, [&](std::size_t i, const Instruction& inst) {
    if ((inst.cmd != "COPY" && inst.cmd != "ADD") || HasFlag(inst, "from") || inst.args.size() < 2) {
      return;
    }
    for (std::size_t k = 0; k + 1 < inst.args.size(); ++k) {
      if (IsSecretFile(inst.args[k])) {
        ReportInstruction(c, i, inst,
                          fmt::format("{} copies the secret file \"{}\" into the image", inst.cmd, inst.args[k]),
                          "use RUN --mount=type=secret and keep the file in .dockerignore");
      }
    }
  });
}

constexpr Rule kSecretsRules[] = {
    {"secret-in-arg-env",
     Severity::kHigh,
     "Secret-looking name in ARG or ENV",
     "ARG and ENV values are stored in the image history and config. Names are matched as BuildKit's "
     "SecretsUsedInArgOrEnv does (a secret word on _ boundaries, not next to public, file or version) and as "
     "hadolint's DL3064 does (well-known secret variables and suspicious words); GPG/PGP names are reported at info "
     "severity, since they usually hold public fingerprints.",
     {"SecretsUsedInArgOrEnv", "DL3064"},
     CheckSecretsInArgEnv},
    {"secret-file-copied",
     Severity::kHigh,
     "Secret file copied into the image",
     "Private keys, .env, .npmrc, .netrc or cloud credentials copied into a layer stay there even if deleted later.",
     {},
     CheckSecretFiles},
};

}  // namespace

std::span<const Rule> SecretsRules() {
  return kSecretsRules;
}

}  // namespace customs::lint
