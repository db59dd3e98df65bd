#!/usr/bin/env python3
"""Do two CycloneDX SBOMs list the same OS packages? The benchmarks' comparability check.

usage: same_packages.py A.cdx.json B.cdx.json
Reads each component's purl (pkg:deb, pkg:apk, pkg:rpm) as (type, name, version with epoch, arch): an epoch may be
written in the version ("1:2.38") or as the "epoch" qualifier (Trivy). Prints the count and exits 0 when the sets
are equal; prints the differences and exits 1 otherwise.
"""
import json
import sys
from urllib.parse import unquote


def packages(path):
    with open(path) as f:
        doc = json.load(f)
    out = set()
    for component in doc.get("components", []):
        purl = component.get("purl", "")
        if not purl.startswith(("pkg:deb/", "pkg:apk/", "pkg:rpm/")):
            continue
        head, _, query = purl.partition("?")
        kind = head[4:head.index("/")]
        name_version = head.rsplit("/", 1)[1]
        name, _, version = name_version.partition("@")
        version = unquote(version)
        qualifiers = dict(q.split("=", 1) for q in query.split("&") if "=" in q)
        epoch = qualifiers.get("epoch")
        if epoch and epoch != "0" and ":" not in version:
            version = f"{epoch}:{version}"
        out.add((kind, unquote(name), version, qualifiers.get("arch", "")))
    return out


def main():
    a, b = packages(sys.argv[1]), packages(sys.argv[2])
    if a == b and a:
        print(f"same {len(a)} packages in both")
        return 0
    print(f"different package sets: {len(a)} vs {len(b)}")
    for item in sorted(a - b)[:10]:
        print(f"  only in {sys.argv[1]}: {' '.join(item)}")
    for item in sorted(b - a)[:10]:
        print(f"  only in {sys.argv[2]}: {' '.join(item)}")
    return 1


sys.exit(main())
