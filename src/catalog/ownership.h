// Which OS package installed a language package's files.
//
// A site-packages directory, a gemspec or a jar that dpkg, apk or rpm installed belongs to the distro: the distro's
// advisories judge it, with its backported patches (Debian's python3-urllib3 1.26.12-1+deb12u1 is patched, yet PyPI's
// ranges call 1.26.12 vulnerable). So a language package whose evidence file appears in an OS package's file list
// gets `owner` = "<type>:<name>" ("deb:python3-urllib3"); it stays in the inventory, and the matcher leaves it to the
// distro's advisories unless the user asks otherwise. A directory name proves nothing (Debian's pip installs to
// /usr/local/lib/python3.X/dist-packages, which no package owns): only the file lists decide.
#pragma once

#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/file_tree.h"

namespace customs::catalog {

// The file lists are the OS packages' `files` (dpkg info/<name>.list, apk R: lines under their F: directory, rpm
// DIRNAMES/BASENAMES). A language package's evidence is its `files`, or its `location` (up to the first '!' of a
// nested-archive chain) when it has none. Both sides are compared after resolving symbolic links inside the image
// (a dpkg list names /lib/x where a merged-/usr image has /usr/lib/x) and, when the image has neither the directory
// nor a link for it, the merged-/usr aliases (/bin, /sbin, /lib, /lib32, /lib64, /libx32 -> /usr/...). When several
// OS packages list the same file, the first by (type, name) owns it. Packages that already have an owner are left as
// they are. Cost: one pass over the OS file lists, resolving only the paths whose file name some language package
// uses as evidence.
void AssignOsOwners(const FileTree& tree, std::vector<Package>& packages, Diagnostics& diagnostics);

}  // namespace customs::catalog
