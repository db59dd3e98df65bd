// Registry credentials and authentication challenges.
//
// Credentials are looked up, in order: explicit (--username/--password-stdin), the environment
// (CUSTOMS_REGISTRY_USERNAME / CUSTOMS_REGISTRY_PASSWORD), then the Docker config file ($DOCKER_CONFIG/config.json or
// ~/.docker/config.json): `credHelpers[registry]`, `credsStore`, then `auths[registry].auth`/username+password.
// Secrets never appear in an Error message: errors name where a credential came from, never its value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace customs::image::registry {

struct Credentials {
  std::string username;
  std::string password;  // or an identity token; never logged
  std::string origin;    // "--username", "environment", "docker config auths", "docker-credential-pass"
};

struct CredentialOptions {
  std::string username;                 // from --username
  std::optional<std::string> password;  // from --password-stdin
  bool use_environment = true;
  bool use_docker_config = true;
  std::string docker_config_path;  // empty: $DOCKER_CONFIG/config.json, else ~/.docker/config.json
};

// Finds credentials for `registry` ("docker.io", "127.0.0.1:5000"). Returns nullopt for anonymous access.
// Errors: kInvalidArgument for a malformed config file or a username without password; kPermission when a
// credential helper fails.
[[nodiscard]] Result<std::optional<Credentials>> ResolveCredentials(const CredentialOptions& options,
                                                                    std::string_view registry);

// Looks `registry` up in a Docker config.json text. `run_helper` is called as run_helper(helper_name, server_url)
// for credHelpers/credsStore entries (a seam for tests); it returns the helper's stdout.
using CredentialHelperRunner = Result<std::string> (*)(std::string_view helper, std::string_view server_url);
[[nodiscard]] Result<std::optional<Credentials>> LookupDockerConfig(std::string_view config_json,
                                                                    std::string_view registry,
                                                                    CredentialHelperRunner run_helper);

// Runs `docker-credential-<helper> get`, writing `server_url` to its stdin; returns its stdout.
[[nodiscard]] Result<std::string> RunCredentialHelper(std::string_view helper, std::string_view server_url);

// One challenge of a WWW-Authenticate header (RFC 7235): `Bearer realm="...",service="...",scope="..."`.
struct Challenge {
  std::string scheme;                         // lowercased: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lowercased
};
// Parses every challenge in the header value. kInvalidArgument when nothing parses.
[[nodiscard]] Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view header);

std::string Base64Encode(std::string_view data);
[[nodiscard]] Result<std::string> Base64Decode(std::string_view text);

}  // namespace customs::image::registry
