#!/usr/bin/env python3
"""Writes the OCI layer tar that turns root filesystem OLD into NEW: changed and new entries, plus a `.wh.NAME`
whiteout for every top-most path that NEW no longer has (OCI image-spec layer.md "Whiteouts").

usage: layer_diff.py OLD NEW OUT.tar
"""
import os
import stat
import sys
import tarfile


def entries(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root)] = os.lstat(full)
    return out


def same(old_root, new_root, rel, a, b):
    if stat.S_IFMT(a.st_mode) != stat.S_IFMT(b.st_mode):
        return False
    if (a.st_mode, a.st_uid, a.st_gid) != (b.st_mode, b.st_uid, b.st_gid):
        return False
    if stat.S_ISLNK(a.st_mode):
        return os.readlink(os.path.join(old_root, rel)) == os.readlink(os.path.join(new_root, rel))
    if stat.S_ISREG(a.st_mode):
        if a.st_size != b.st_size:
            return False
        with open(os.path.join(old_root, rel), "rb") as f, open(os.path.join(new_root, rel), "rb") as g:
            while True:
                x, y = f.read(1 << 20), g.read(1 << 20)
                if x != y:
                    return False
                if not x:
                    return True
    return True


def main():
    old_root, new_root, out = sys.argv[1:4]
    old, new = entries(old_root), entries(new_root)
    removed = sorted(p for p in old if p not in new)
    top_removed = []
    for p in removed:
        if not any(p.startswith(r + "/") for r in top_removed):
            top_removed.append(p)
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for rel in sorted(new):
            if rel in old and same(old_root, new_root, rel, old[rel], new[rel]):
                continue
            info = tar.gettarinfo(os.path.join(new_root, rel), arcname=rel)
            info.uname = info.gname = ""
            if info.isreg():
                with open(os.path.join(new_root, rel), "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
        for rel in top_removed:
            head, tail = os.path.split(rel)
            info = tarfile.TarInfo(os.path.join(head, ".wh." + tail))
            info.size = 0
            tar.addfile(info)
    print(f"layer_diff: {len(top_removed)} whiteouts", file=sys.stderr)


if __name__ == "__main__":
    main()
