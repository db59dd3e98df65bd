#include "image/registry/registry_auth.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/file_util.h"

extern char** environ;

namespace customs::image::registry {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// "https://index.docker.io/v1/" -> "index.docker.io"; "registry:5000/path" -> "registry:5000".
std::string NormaliseConfigKey(std::string_view key) {
  if (std::size_t scheme = key.find("://"); scheme != std::string_view::npos) {
    key = key.substr(scheme + 3);
  }
  if (std::size_t slash = key.find('/'); slash != std::string_view::npos) {
    key = key.substr(0, slash);
  }
  std::string host = Lower(key);
  if (host == "index.docker.io" || host == "registry-1.docker.io") {
    host = "docker.io";
  }
  return host;
}

std::string HelperServerUrl(std::string_view registry) {
  return registry == "docker.io" ? "https://index.docker.io/v1/" : std::string(registry);
}

Result<Credentials> ParseHelperOutput(std::string_view output, std::string_view helper) {
  try {
    nlohmann::json json = nlohmann::json::parse(output);
    Credentials credentials;
    credentials.username = json.value("Username", "");
    credentials.password = json.value("Secret", "");
    credentials.origin = fmt::format("docker-credential-{}", helper);
    if (credentials.password.empty()) {
      return MakeError(ErrorCode::kPermission, "docker-credential-{} returned no secret", helper);
    }
    // Docker's convention: username "<token>" means the secret is an identity token.
    return credentials;
  } catch (const nlohmann::json::exception&) {
    return MakeError(ErrorCode::kPermission, "docker-credential-{} printed something that is not JSON", helper);
  }
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    unsigned v = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
      return 62;
    }
    if (c == '/' || c == '_') {
      return 63;
    }
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r') {
      continue;
    }
    int v = value(c);
    if (v < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "invalid base64");
    }
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view header) {
  std::vector<Challenge> challenges;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) {
      ++i;
    }
  };
  auto token = [&] {
    std::size_t start = i;
    while (i < header.size() && header[i] != ' ' && header[i] != '\t' && header[i] != '=' && header[i] != ',') {
      ++i;
    }
    return header.substr(start, i - start);
  };
  while (i < header.size()) {
    skip_space();
    while (i < header.size() && header[i] == ',') {
      ++i;
      skip_space();
    }
    if (i >= header.size()) {
      break;
    }
    std::string_view word = token();
    if (word.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "malformed WWW-Authenticate header");
    }
    skip_space();
    if (i < header.size() && header[i] == '=' && !challenges.empty()) {
      // A parameter of the current challenge: key=value or key="quoted \" value".
      ++i;
      skip_space();
      std::string value;
      if (i < header.size() && header[i] == '"') {
        ++i;
        bool closed = false;
        while (i < header.size()) {
          char c = header[i++];
          if (c == '\\' && i < header.size()) {
            value += header[i++];
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value += c;
          }
        }
        if (!closed) {
          return MakeError(ErrorCode::kInvalidArgument, "unterminated quoted string in WWW-Authenticate");
        }
      } else {
        value = std::string(token());
      }
      challenges.back().params[Lower(word)] = std::move(value);
    } else {
      challenges.push_back(Challenge{Lower(word), {}});
    }
  }
  if (challenges.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "empty WWW-Authenticate header");
  }
  return challenges;
}

Result<std::string> RunCredentialHelper(std::string_view helper, std::string_view server_url) {
  for (char c : helper) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return MakeError(ErrorCode::kInvalidArgument, "invalid credential helper name \"{}\"", helper);
    }
  }
  std::string program = fmt::format("docker-credential-{}", helper);
  int in_pipe[2];
  int out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kIo, "pipe: {}", std::strerror(errno));
  }
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return MakeError(ErrorCode::kIo, "pipe: {}", std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  std::string get = "get";
  char* argv[] = {program.data(), get.data(), nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (rc != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    return MakeError(ErrorCode::kNotFound, "cannot run {}: {}", program, std::strerror(rc));
  }
  ::signal(SIGPIPE, SIG_IGN);
  std::string input(server_url);
  (void)!::write(in_pipe[1], input.data(), input.size());
  ::close(in_pipe[1]);
  std::string output;
  char buffer[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{out_pipe[0], POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    ssize_t n = ::read(out_pipe[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    if (output.size() + static_cast<std::size_t>(n) > (1 << 20)) {
      break;
    }
    output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out_pipe[0]);
  if (timed_out) {
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return MakeError(ErrorCode::kPermission, "{} timed out", program);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // The helper's output may hold a message like "credentials not found"; it never holds the secret on failure,
    // but keep only the first line and bound it anyway.
    std::string first_line = output.substr(0, output.find('\n')).substr(0, 200);
    return MakeError(ErrorCode::kPermission, "{} get failed for {}: {}", program, server_url,
                     first_line.empty() ? "no output" : first_line);
  }
  return output;
}

Result<std::optional<Credentials>> LookupDockerConfig(std::string_view config_json, std::string_view registry,
                                                      CredentialHelperRunner run_helper) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(config_json);
  } catch (const nlohmann::json::exception&) {
    return MakeError(ErrorCode::kInvalidArgument, "docker config is not valid JSON");
  }
  if (!config.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "docker config is not a JSON object");
  }
  std::string want = NormaliseConfigKey(registry);

  auto use_helper = [&](const std::string& helper) -> Result<std::optional<Credentials>> {
    CUSTOMS_ASSIGN_OR_RETURN(std::string output, run_helper(helper, HelperServerUrl(want)));
    CUSTOMS_ASSIGN_OR_RETURN(Credentials credentials, ParseHelperOutput(output, helper));
    return std::optional<Credentials>(std::move(credentials));
  };
  if (auto helpers = config.find("credHelpers"); helpers != config.end() && helpers->is_object()) {
    for (auto it = helpers->begin(); it != helpers->end(); ++it) {
      if (NormaliseConfigKey(it.key()) == want && it.value().is_string()) {
        return use_helper(it.value().get<std::string>());
      }
    }
  }
  if (auto auths = config.find("auths"); auths != config.end() && auths->is_object()) {
    for (auto it = auths->begin(); it != auths->end(); ++it) {
      if (NormaliseConfigKey(it.key()) != want || !it.value().is_object()) {
        continue;
      }
      const nlohmann::json& entry = it.value();
      Credentials credentials;
      credentials.origin = "docker config auths";
      if (auto auth = entry.find("auth");
          auth != entry.end() && auth->is_string() && !auth->get<std::string>().empty()) {
        auto decoded = Base64Decode(auth->get<std::string>());
        if (!decoded) {
          return MakeError(ErrorCode::kInvalidArgument, "docker config: auths entry for {} is not base64", want);
        }
        std::size_t colon = decoded->find(':');
        if (colon == std::string::npos) {
          return MakeError(ErrorCode::kInvalidArgument, "docker config: auths entry for {} is not user:password", want);
        }
        credentials.username = decoded->substr(0, colon);
        credentials.password = decoded->substr(colon + 1);
      } else if (auto token = entry.find("identitytoken"); token != entry.end() && token->is_string()) {
        credentials.username = "<token>";
        credentials.password = token->get<std::string>();
      } else {
        credentials.username = entry.value("username", "");
        credentials.password = entry.value("password", "");
      }
      if (!credentials.password.empty()) {
        return std::optional<Credentials>(std::move(credentials));
      }
      // An empty entry is how `docker login` with a credsStore records the registry: fall through to the store.
    }
  }
  if (auto store = config.find("credsStore");
      store != config.end() && store->is_string() && !store->get<std::string>().empty()) {
    auto found = use_helper(store->get<std::string>());
    // A store without an entry for this registry means anonymous access, as Docker does.
    if (!found) {
      return std::optional<Credentials>();
    }
    return found;
  }
  return std::optional<Credentials>();
}

Result<std::optional<Credentials>> ResolveCredentials(const CredentialOptions& options, std::string_view registry) {
  if (!options.username.empty() || options.password) {
    if (options.username.empty() || !options.password) {
      return MakeError(ErrorCode::kInvalidArgument, "--username and --password-stdin must be given together");
    }
    return std::optional<Credentials>(Credentials{options.username, *options.password, "--username"});
  }
  if (options.use_environment) {
    const char* user = std::getenv("CUSTOMS_REGISTRY_USERNAME");
    const char* pass = std::getenv("CUSTOMS_REGISTRY_PASSWORD");
    if (user && *user) {
      if (!pass) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "CUSTOMS_REGISTRY_USERNAME is set but CUSTOMS_REGISTRY_PASSWORD is not");
      }
      return std::optional<Credentials>(Credentials{user, pass, "environment"});
    }
  }
  if (!options.use_docker_config) {
    return std::optional<Credentials>();
  }
  std::filesystem::path path = options.docker_config_path;
  if (path.empty()) {
    if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir) {
      path = std::filesystem::path(dir) / "config.json";
    } else if (const char* home = std::getenv("HOME"); home && *home) {
      path = std::filesystem::path(home) / ".docker" / "config.json";
    } else {
      return std::optional<Credentials>();
    }
  }
  auto text = ReadFile(path, 8 << 20);
  if (!text) {
    if (text.error().code() == ErrorCode::kNotFound) {
      return std::optional<Credentials>();
    }
    return tl::unexpected(std::move(text).error());
  }
  auto found = LookupDockerConfig(*text, registry, &RunCredentialHelper);
  if (!found) {
    return tl::unexpected(std::move(found).error().WithContext(path.string()));
  }
  return found;
}

}  // namespace customs::image::registry
