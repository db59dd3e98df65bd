#include "image/registry/registry_reference.h"

#include <cctype>

namespace customs::image::registry {
namespace {

constexpr std::string_view kDockerHub = "docker.io";

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// distribution/reference: path-component := alpha-numeric (separator alpha-numeric)*
//                         separator := /[_.]|__|[-]*/
bool IsValidPathComponent(std::string_view component) {
  if (component.empty() || !IsLowerAlnum(component.front()) || !IsLowerAlnum(component.back())) {
    return false;
  }
  std::size_t i = 0;
  while (i < component.size()) {
    if (IsLowerAlnum(component[i])) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < component.size() && !IsLowerAlnum(component[i])) {
      ++i;
    }
    std::string_view separator = component.substr(start, i - start);
    bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
    if (!(separator == "." || separator == "_" || separator == "__" || dashes)) {
      return false;
    }
  }
  return true;
}

// tag := [\w][\w.-]{0,127}
bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) {
    return false;
  }
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(tag.front())) {
    return false;
  }
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

// domain := host (':' port)?, host is a DNS name, IPv4 or [IPv6].
bool IsValidDomain(std::string_view domain) {
  if (domain.empty()) {
    return false;
  }
  std::string_view host = domain;
  std::string_view port;
  if (domain.front() == '[') {
    std::size_t close = domain.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = domain.substr(1, close - 1);
    std::string_view rest = domain.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return false;
      }
      port = rest.substr(1);
      if (port.empty()) {
        return false;
      }
    }
    if (host.empty()) {
      return false;
    }
    for (char c : host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return false;
      }
    }
  } else {
    std::size_t colon = domain.rfind(':');
    if (colon != std::string_view::npos) {
      host = domain.substr(0, colon);
      port = domain.substr(colon + 1);
      if (port.empty()) {
        return false;
      }
    }
    if (host.empty()) {
      return false;
    }
    for (std::size_t start = 0; start <= host.size();) {
      std::size_t dot = host.find('.', start);
      std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (label.empty() || label.front() == '-' || label.back() == '-') {
        return false;
      }
      for (char c : label) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
          return false;
        }
      }
      if (dot == std::string_view::npos) {
        break;
      }
      start = dot + 1;
    }
  }
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return port.size() <= 5;
}

}  // namespace

bool IsValidDigest(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  if (digest.substr(0, kPrefix.size()) != kPrefix || digest.size() != kPrefix.size() + 64) {
    return false;
  }
  for (char c : digest.substr(kPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool IsLoopbackHost(std::string_view host_port) {
  std::string_view host = host_port;
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    host = host.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    return host == "::1";
  }
  std::size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host == "localhost") {
    return true;
  }
  if (host.substr(0, 4) != "127.") {
    return false;
  }
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots == 3;
}

std::string Reference::ApiHost() const {
  return registry == kDockerHub ? "registry-1.docker.io" : registry;
}

std::string Reference::NameWithTag() const {
  return registry + "/" + repository + ":" + (tag.empty() ? "latest" : tag);
}

std::string Reference::ToString() const {
  std::string out = registry + "/" + repository;
  if (!tag.empty()) {
    out += ":" + tag;
  }
  if (!digest.empty()) {
    out += "@" + digest;
  }
  return out;
}

Result<Reference> ParseReference(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid image reference \"{}\": {}", text, why);
  };
  if (text.empty()) {
    return fail("empty");
  }
  if (text.size() > 4096) {
    return fail("too long");
  }
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
      return fail("contains whitespace or control characters");
    }
  }
  if (text.find("://") != std::string_view::npos) {
    return fail("a reference has no URL scheme");
  }

  Reference ref;
  std::string_view rest = text;
  if (std::size_t at = rest.find('@'); at != std::string_view::npos) {
    std::string_view digest = rest.substr(at + 1);
    if (digest.substr(0, 7) != "sha256:") {
      return fail("only sha256 digests are supported");
    }
    if (!IsValidDigest(digest)) {
      return fail("digest must be sha256: followed by 64 lowercase hex digits");
    }
    ref.digest = std::string(digest);
    rest = rest.substr(0, at);
  }
  std::size_t last_slash = rest.rfind('/');
  std::size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!IsValidTag(tag)) {
      return fail("invalid tag (allowed: letters, digits, _ . -, at most 128, not starting with . or -)");
    }
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) {
    return fail("missing repository name");
  }

  // The first component is a registry if it looks like a host: has a '.' or ':' or is "localhost"
  // (distribution/reference normalize.go splitDockerDomain), and there is more than one component.
  std::string_view domain;
  std::string_view path = rest;
  std::size_t first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, first_slash);
    bool has_upper = false;
    for (char c : first) {
      has_upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
    }
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" || first.front() == '[' ||
        has_upper) {
      domain = first;
      path = rest.substr(first_slash + 1);
    }
  }
  if (domain.empty()) {
    ref.registry = std::string(kDockerHub);
  } else {
    if (!IsValidDomain(domain)) {
      return fail("invalid registry host");
    }
    ref.registry = std::string(domain);
    if (ref.registry == "index.docker.io" || ref.registry == "registry-1.docker.io") {
      ref.registry = kDockerHub;
    }
  }
  if (path.empty()) {
    return fail("missing repository name");
  }
  for (std::size_t start = 0;;) {
    std::size_t slash = path.find('/', start);
    std::string_view component =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!IsValidPathComponent(component)) {
      return fail(fmt::format("invalid repository component \"{}\" (lowercase letters, digits and separators only)",
                              component));
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  if (path.size() > 255) {
    return fail("repository name longer than 255 characters");
  }
  ref.repository = std::string(path);
  if (ref.registry == kDockerHub && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (ref.tag.empty() && ref.digest.empty()) {
    ref.tag = "latest";
  }
  return ref;
}

}  // namespace customs::image::registry
