// OS detection helpers: the os-release format (freedesktop.org os-release(5)) and the distro release files.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "catalog/package.h"

namespace customs::catalog {

// Parses os-release text: KEY=value lines, values optionally in single or double quotes (with \-escapes in double
// quotes), '#' comments, leading whitespace ignored. Malformed lines are skipped; the last assignment wins.
std::map<std::string, std::string, std::less<>> ParseOsRelease(std::string_view text);

// Builds an OsInfo from parsed os-release fields (family from ID, version normalised per family, codename).
OsInfo OsInfoFromOsRelease(const std::map<std::string, std::string, std::less<>>& fields);

// Parses one line of /etc/redhat-release, /etc/centos-release, /etc/fedora-release and the like
// ("CentOS Linux release 7.9.2009 (Core)"). An empty family when the text has no such shape.
OsInfo OsInfoFromRedHatRelease(std::string_view text);

// The major version of a Debian release from its codename ("bookworm" -> "12"); empty when unknown.
std::string DebianVersionForCodename(std::string_view codename);

}  // namespace customs::catalog
