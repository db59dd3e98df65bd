#!/usr/bin/env python3
"""An independent oracle for `customs audit` on a root filesystem: which tools of src/core/data/tools.txt an image
holds, judged with dpkg-query (the package database, as dpkg reads it) and the files on disk (os.path), and which
files are setuid or setgid (os.lstat). It shares only the data file with customs, not code.

usage: audit_oracle.py ROOTFS TOOLS_TXT
Prints JSON: {"tools": {"attacker-tool": [names], "compiler": [...], "shell": [...], "package-manager": [...]},
              "setuid": [paths], "packages": N}
"""
import fnmatch
import json
import os
import subprocess
import sys

EXEC_DIRS = ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]


def installed_packages(root):
    admindir = os.path.join(root, "var/lib/dpkg")
    if not os.path.exists(os.path.join(admindir, "status")):
        return []
    out = subprocess.run(["dpkg-query", "--admindir", admindir, "-W", "-f", "${Package}\t${db:Status-Abbrev}\n"],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t")[0] for line in out.splitlines() if line.split("\t")[1].startswith("ii")]


def matches(patterns, name):
    ok = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if fnmatch.fnmatchcase(name, pattern[1:]):
                return False
        elif fnmatch.fnmatchcase(name, pattern):
            ok = True
    return ok


def on_disk(root, binaries):
    for directory in EXEC_DIRS:
        for binary in binaries:
            if os.path.lexists(os.path.join(root, directory.lstrip("/"), binary)):
                return True
    return False


def main():
    root, tools_txt = sys.argv[1], sys.argv[2]
    packages = installed_packages(root)
    tools = {"attacker-tool": [], "compiler": [], "shell": [], "package-manager": []}
    for line in open(tools_txt):
        if not line.strip() or line.startswith("#"):
            continue
        kind, name, pkgs, bins = line.split()[:4]
        pkgs = [] if pkgs == "-" else pkgs.split(",")
        bins = [] if bins == "-" else bins.split(",")
        by_package = any(matches(pkgs, p) for p in packages)
        by_file = on_disk(root, bins)
        # Shells are judged by the files alone (a shell package without its binary is no shell).
        if (kind == "shell" and by_file) or (kind != "shell" and (by_package or by_file)):
            tools[kind].append(name)
    setuid = []
    for directory, dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            st = os.lstat(path)
            if (st.st_mode & 0o170000) == 0o100000 and st.st_mode & 0o6000:
                setuid.append("/" + os.path.relpath(path, root))
    print(json.dumps({"tools": tools, "setuid": sorted(setuid), "packages": len(packages)}))


if __name__ == "__main__":
    main()
