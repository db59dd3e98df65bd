#!/usr/bin/env python3
"""apk matching end to end: `customs image` on Alpine-style images made of real package databases, against real
Alpine secdb records, with the expected findings computed here by an independent apk version comparator.

usage: apk_scan_e2e.py CUSTOMS_BINARY SOURCE_DIR SHARED_DATA_DIR

Inputs (all real files, nothing invented):
  - Alpine secdb v3.4 (main + community YAML), ../shared/data/vulndata/alpine/secdb-legacy-yaml/v3.4;
  - the apk `installed` database of Trivy's apk analyzer test (an Alpine 3.4 system: musl 1.1.14-r10,
    busybox 1.24.2-r9, openssl 1.0.2h-r1 ...; Trivy added a few entries of its own, one without a version),
    ../shared/data/pkgdb/trivy/pkg/fanal/analyzer/pkg/apk/testdata/apk;
  - osv-scalibr's `installed` database (an Alpine 3.18 system), vendored in src/catalog/testdata/pkgdb;
  - claircore's real /etc/os-release files of Alpine 3.4.6 and 3.18.4, ../shared/data/pkgdb/claircore/alpine.
No Alpine mirror is reachable here, so the images are put together from these files: layer 1 holds the os-release
and the database as it was before the last packages were added, layer 2 the database as `apk add` left it.

The reference never runs our code: installed versions come from the database text, fixed versions from the secdb
YAML (read with PyYAML), and every comparison from apk_compare() below, which follows apk-tools' version rules and is
first checked against all of apk-tools' own test vectors (../shared/data/versions/apk-version.data).
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import yaml

CUSTOMS, SRC, SHARED = sys.argv[1], sys.argv[2], sys.argv[3]
REQUIRE_ALL = os.environ.get("CUSTOMS_REQUIRE_ALL") == "1"
SECDB = os.path.join(SHARED, "vulndata/alpine/secdb-legacy-yaml/v3.4")
TRIVY_APK = os.path.join(SHARED, "pkgdb/trivy/pkg/fanal/analyzer/pkg/apk/testdata/apk")
SCALIBR_APK = os.path.join(SRC, "src/catalog/testdata/pkgdb/osv-scalibr/extractor/filesystem/os/apk/testdata/installed")
OS_RELEASE = os.path.join(SHARED, "pkgdb/claircore/alpine/testdata/{}/etc/os-release")
VECTORS = os.path.join(SHARED, "versions/apk-version.data")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)
    return condition


def skip(reason):
    print("SKIP: " + reason)
    if REQUIRE_ALL:
        print("FAIL: CUSTOMS_REQUIRE_ALL=1: a skipped test is a failure")
        sys.exit(1)
    sys.exit(77)


# --- apk version comparison ------------------------------------------------------------------------------------
# A version is read as a sequence of tokens: numbers separated by '.', one optional letter after a number, suffixes
# "_alpha|_beta|_pre|_rc" (before the release) or "_cvs|_svn|_git|_hg|_p" (after it), each with an optional number,
# and "-rN". Numbers after a '.' that start with 0 compare as fractions (apk: "leading zero"). Where one version runs
# out first, the longer one is newer unless what follows is a pre-release suffix. What cannot be read compares as
# apk does: up to the unreadable part by value, then the readable one is newer.
DIGIT_OR_ZERO, DIGIT, LETTER, SUFFIX, SUFFIX_NO, REVISION_NO, END, INVALID = range(8)
PRE = ["alpha", "beta", "pre", "rc"]
POST = ["cvs", "svn", "git", "hg", "p"]


def _next_kind(kind, text, pos):
    """The kind of the token that starts at text[pos], given the previous kind; returns (kind, new pos)."""
    if pos >= len(text):
        return END, pos
    c = text[pos]
    if kind in (DIGIT, DIGIT_OR_ZERO) and c.islower():
        new = LETTER
    elif kind == LETTER and c.isdigit():
        new = DIGIT
    elif kind == SUFFIX and c.isdigit():
        new = SUFFIX_NO
    else:
        if c == ".":
            new = DIGIT_OR_ZERO
        elif c == "_":
            new = SUFFIX
        elif c == "-" and text[pos + 1:pos + 2] == "r":
            new = REVISION_NO
            pos += 1
        else:
            new = INVALID
        pos += 1
    allowed_backwards = {(DIGIT_OR_ZERO, DIGIT), (SUFFIX, SUFFIX_NO), (DIGIT, LETTER)}
    if new < kind and (new, kind) not in allowed_backwards:
        new = INVALID
    return new, pos


def _token(kind, text, pos):
    """Reads one token of `kind` at pos; returns (value, next kind, new pos)."""
    if pos >= len(text):
        return 0, END, pos
    value, forced = 0, None
    if kind == DIGIT_OR_ZERO and text[pos] == "0":
        start = pos
        while pos < len(text) and text[pos] == "0":
            pos += 1
        value, forced = -(pos - start), DIGIT
    elif kind in (DIGIT_OR_ZERO, DIGIT, SUFFIX_NO, REVISION_NO):
        while pos < len(text) and text[pos].isdigit():
            value = value * 10 + int(text[pos])
            pos += 1
    elif kind == LETTER:
        value = ord(text[pos])
        pos += 1
    elif kind == SUFFIX:
        # The suffix name; what follows it (a number, another suffix, -rN) is read as after any suffix.
        for i, name in enumerate(PRE):
            if text.startswith(name, pos):
                value, pos = i - len(PRE), pos + len(name)
                break
        else:
            for i, name in enumerate(POST):
                if text.startswith(name, pos):
                    value, pos = i, pos + len(name)
                    break
            else:
                return -1, INVALID, pos
    else:
        return -1, INVALID, pos
    if pos >= len(text):
        return value, END, pos
    if forced is not None:
        return value, forced, pos
    kind, pos = _next_kind(kind, text, pos)
    return value, kind, pos


def apk_compare(a, b):
    """-1, 0 or 1 as apk-tools orders versions a and b."""
    ak = bk = DIGIT
    av = bv = 0
    ap = bp = 0
    while ak == bk and ak not in (END, INVALID) and av == bv:
        av, ak, ap = _token(ak, a, ap)
        bv, bk, bp = _token(bk, b, bp)
    if av != bv:
        return -1 if av < bv else 1
    if ak == bk:
        return 0
    if ak == SUFFIX and _token(SUFFIX, a, ap)[0] < 0:
        return -1
    if bk == SUFFIX and _token(SUFFIX, b, bp)[0] < 0:
        return 1
    if ak > bk:
        return -1
    if bk > ak:
        return 1
    return 0


def check_comparator():
    ops = {"<": -1, "=": 0, ">": 1}
    checked = 0
    with open(VECTORS) as f:
        for number, line in enumerate(f, 1):
            parts = line.split("#", 1)[0].split()
            if len(parts) != 3:
                continue
            want = ops[parts[1]]
            check(apk_compare(parts[0], parts[2]) == want, f"apk-version.data line {number}: {line.strip()}")
            check(apk_compare(parts[2], parts[0]) == -want, f"apk-version.data line {number} reversed")
            checked += 1
    check(checked > 700, f"only {checked} apk-tools vectors read")
    print(f"ok: the reference comparator agrees with apk-tools on {checked} test vectors")


# --- inputs ----------------------------------------------------------------------------------------------------
def read_installed(text):
    """[(name, version, origin)] of an apk installed database, in file order; a block without V: is not a package."""
    packages = []
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if len(line) > 2 and line[1] == ":":
                fields.setdefault(line[0], line[2:])
        if "P" in fields and "V" in fields:
            packages.append((fields["P"], fields["V"], fields.get("o", fields["P"])))
    return packages


def read_secdb(paths):
    """origin -> [(fixed version, vulnerability id)]: the first word of each secfixes entry, as the importer keeps."""
    fixes = {}
    for path in paths:
        with open(path) as f:
            doc = yaml.safe_load(f)
        for entry in doc.get("packages") or []:
            pkg = entry["pkg"]
            for version, ids in (pkg.get("secfixes") or {}).items():
                for vid in ids or []:
                    fixes.setdefault(pkg["name"], []).append((str(version), str(vid).split()[0]))
    return fixes


def expected_findings(packages, fixes):
    """{(binary name, id): nearest fixed version above the installed one}."""
    out = {}
    for name, version, origin in packages:
        for fixed, vid in fixes.get(origin, []):
            if apk_compare(version, fixed) >= 0:
                continue
            key = (name, vid)
            if key not in out or apk_compare(fixed, out[key]) < 0:
                out[key] = fixed
    return out


# --- images ----------------------------------------------------------------------------------------------------
def tar_of(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = set()
        for path in sorted(files):
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    info = tarfile.TarInfo(d)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(files[path]), 0o644
            tar.addfile(info, io.BytesIO(files[path]))
    return buf.getvalue()


def oci_layout(root, layers):
    """layers: [(created_by, {path: bytes})] -> an OCI layout with gzip layers."""
    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        os.makedirs(os.path.join(root, "blobs/sha256"), exist_ok=True)
        with open(os.path.join(root, "blobs/sha256", digest), "wb") as f:
            f.write(data)
        return "sha256:" + digest
    tars = [tar_of(files) for _, files in layers]
    gz = [gzip.compress(t, mtime=0) for t in tars]
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(t).hexdigest()
                                                                  for t in tars]},
                         "history": [{"created_by": created_by} for created_by, _ in layers]}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config),
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(g), "size": len(g)}
                   for g in gz]}).encode()
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                      "digest": blob(manifest), "size": len(manifest)}]}, f)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')


def two_layer_image(root, release, installed_text, base_count):
    """Layer 1: os-release + the database with its first base_count blocks; layer 2: the whole database."""
    with open(OS_RELEASE.format(release), "rb") as f:
        os_release = f.read()
    blocks = installed_text.rstrip("\n").split("\n\n")
    base = "\n\n".join(blocks[:base_count]) + "\n\n"
    oci_layout(root, [("ADD alpine-minirootfs.tar.gz /", {"etc/os-release": os_release,
                                                         "lib/apk/db/installed": base.encode()}),
                      ("RUN apk add --no-cache ...", {"lib/apk/db/installed": installed_text.encode()})])
    return read_installed(base)


def scan(image, db):
    # --allow-incomplete: a database block without a version (Trivy's fixture has one) is reported, not fatal here;
    # what is asserted is the findings and the diagnostics.
    result = subprocess.run([CUSTOMS, "image", image, "--format", "json", "--no-cache", "--quiet", "--allow-incomplete",
                             "--db", db], capture_output=True, text=True)
    check(result.returncode == 0, f"customs image {image}: exit {result.returncode}: {result.stderr[-500:]}")
    return json.loads(result.stdout)


def main():
    for path in (SECDB, TRIVY_APK, OS_RELEASE.format("3.4"), OS_RELEASE.format("3.18"), VECTORS):
        if not os.path.exists(path):
            skip(f"shared data absent: {path}")
    check_comparator()
    work = tempfile.mkdtemp(prefix="customs-apk-e2e-")
    try:
        db = os.path.join(work, "customs.db")
        secdb_files = [os.path.join(SECDB, "main.yaml"), os.path.join(SECDB, "community.yaml")]
        imported = subprocess.run([CUSTOMS, "db", "import", *secdb_files, "--db", db], capture_output=True, text=True)
        if not check(imported.returncode == 0, f"db import: {imported.stderr}"):
            return

        # Alpine 3.4: real findings, each explained; none missing.
        with open(TRIVY_APK) as f:
            installed_text = f.read()
        packages = read_installed(installed_text)
        base = two_layer_image(os.path.join(work, "alpine-3.4"), "3.4", installed_text, 8)
        expected = expected_findings(packages, read_secdb(secdb_files))
        check(len(expected) >= 20, f"the reference expects only {len(expected)} findings: wrong fixture?")
        check(len({o for n, v, o in packages}) >= 10, "too few source packages in the fixture")
        report = scan(os.path.join(work, "alpine-3.4"), db)
        check(report["summary"]["packages"] == len(packages), f"packages read: {report['summary']['packages']}")
        check(report["os"]["family"] == "alpine" and report["os"]["version"] == "3.4", f"os: {report['os']}")
        got = {(f["package"]["name"], f["id"]): f for f in report["findings"]}
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        check(not missing, f"alpine 3.4: {len(missing)} findings missing, e.g. {missing[:5]}")
        check(not extra, f"alpine 3.4: {len(extra)} findings not explained by the secdb, e.g. {extra[:5]}")
        base_keys = {(n, v) for n, v, o in base}
        layers_seen = set()
        for key, finding in got.items():
            if key not in expected:
                continue
            package = finding["package"]
            check(finding["fixed_version"] == expected[key],
                  f"{key}: fixed_version {finding['fixed_version']}, want {expected[key]}")
            check(finding["status"] == "fixed", f"{key}: status {finding['status']}")
            check(package["type"] == "apk", f"{key}: type {package['type']}")
            origin = next(o for n, v, o in packages if n == package["name"])
            check(package["source_name"] == origin, f"{key}: source_name {package['source_name']}, want {origin}")
            check(package["purl"].startswith(f"pkg:apk/alpine/{package['name']}@{package['version']}"),
                  f"{key}: purl {package['purl']}")
            want_layer = 1 if (package["name"], package["version"]) in base_keys else 2
            layers_seen.add(want_layer)
            check(package["layer"]["index"] == want_layer, f"{key}: layer {package['layer']}, want {want_layer}")
        check(layers_seen == {1, 2}, f"findings should come from both layers, got {layers_seen}")
        # Trivy's block without a version is named, not silently dropped.
        check("invalidPackageWithoutAVersion" in json.dumps(report["diagnostics"]),
              f"the versionless block is not named: {report['diagnostics']}")
        print(f"ok: alpine 3.4: {len(got)} findings in {len({k[0] for k in got})} packages, equal to the reference")

        # Alpine 3.18 (osv-scalibr's database) against a store with only 3.4 data: no finding, and the scan says it
        # did not look rather than reporting a clean image.
        with open(SCALIBR_APK) as f:
            scalibr_text = f.read()
        two_layer_image(os.path.join(work, "alpine-3.18"), "3.18", scalibr_text, 5)
        report = scan(os.path.join(work, "alpine-3.18"), db)
        check(report["os"]["version"] == "3.18", f"os: {report['os']}")
        check(report["findings"] == [], f"alpine 3.18 against 3.4 data: {len(report['findings'])} findings")
        check(report["summary"]["packages"] == len(read_installed(scalibr_text)),
              f"packages read: {report['summary']['packages']}")
        check(any("no advisories for alpine 3.18" in d["message"] for d in report["diagnostics"]),
              f"no diagnostic says alpine 3.18 went unchecked: {report['diagnostics']}")
        print("ok: alpine 3.18 without advisory data is a diagnostic, not a clean result")
    finally:
        subprocess.run(["rm", "-rf", work])


main()
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
