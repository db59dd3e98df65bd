// Findings ranked by use (customs image --usage FILE): a finding is in use when any file of its package was executed
// or opened by a container of this image (the record `customs watch --usage-out` writes), not in use when the image
// has a record and none of them was, unknown when the record says nothing about the image.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "match/matcher.h"
#include "runtime/usage/usage.h"

namespace customs::scan {

// The paths seen in use for an image known by any of `keys` (digests, names), merged-/usr aliases folded
// ("/lib/x/libc.so.6" and "/usr/lib/x/libc.so.6" are one file). `found` tells whether the record has the image.
struct UsedFiles {
  bool found = false;
  std::vector<std::string> paths;  // sorted, canonical
};
UsedFiles UsedFilesOf(const std::vector<runtime::UsageEntry>& usage, const std::vector<std::string>& keys);

// "/bin/x" -> "/usr/bin/x", "/lib64/y" -> "/usr/lib64/y" (merged /usr): the form both sides are compared in.
std::string CanonicalUsagePath(std::string_view path);

// Sets each finding's in_use from the files of its package in `packages` (the inventory: findings carry no file
// lists), then sorts: severity (highest first), in use before unknown before not in use, then the order they had.
void RankByUse(std::vector<match::Finding>& findings, const std::vector<catalog::Package>& packages,
               const UsedFiles& used);

}  // namespace customs::scan
