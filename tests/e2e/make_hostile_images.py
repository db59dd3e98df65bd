#!/usr/bin/env python3
"""Builds small hostile images for the end-to-end tests, each an OCI layout (or archive) with exactly one defect.

usage: make_hostile_images.py OUTDIR
Each image is OUTDIR/<name>/ (an OCI layout) or OUTDIR/<name>.tar. The expectation for each is in the test.
OUTDIR/classes.txt lists the classes that every command must survive (exit 0 or 3, no crash, bounded memory, valid
output in every format), one "name expectation" per line: expectation is "ok" (exit 0), "incomplete" (an incomplete
diagnostic: exit 3 from `customs image`, exit 0 from `customs sbom`) or "fail" (a clean one-line failure, exit 3).
Random content comes from a seeded generator, so every run builds the same images.
"""
import gzip
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile

OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
STATUS = (b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n"
          b"Description: shell\n\n")


def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    """members: list of (name, kind, payload) with kind 'file' | 'symlink' | 'hardlink' | 'dir'. Names may be bytes
    (kept as they are, invalid UTF-8 included: use fmt=tarfile.GNU_FORMAT for those)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding="utf-8", errors="surrogateescape") as tar:
        for name, kind, payload in members:
            if isinstance(name, bytes):
                name = name.decode("utf-8", "surrogateescape")
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                tar.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = payload
                tar.addfile(info)
            else:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
    return buf.getvalue()


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write_blob(root, data):
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "blobs", "sha256", hashlib.sha256(data).hexdigest()), "wb") as f:
        f.write(data)
    return digest(data)


def image_config(layer_tars, extra_manifest_layers=(), history=None, labels=None):
    config = {
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [digest(t) for t in layer_tars] + [d for d in extra_manifest_layers]},
        "history": history if history is not None else
        [{"created_by": f"layer {i}"} for i in range(len(layer_tars) + len(extra_manifest_layers))],
    }
    if labels is not None:
        config["config"] = {"Labels": labels}
    return json.dumps(config).encode()


def oci_layout(root, layer_tars, compress=True, extra_manifest_layers=(), config=None):
    """config: the config blob's bytes (default: image_config(layer_tars, extra_manifest_layers))."""
    os.makedirs(root, exist_ok=True)
    blobs = [gzip.compress(t, mtime=0) if compress else t for t in layer_tars]
    if config is None:
        config = image_config(layer_tars, extra_manifest_layers)
    layers = [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": write_blob(root, b),
               "size": len(b)} for b in blobs]
    for missing in extra_manifest_layers:
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": missing, "size": 10})
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": write_blob(root, config),
                   "size": len(config)},
        "layers": layers}).encode()
    index = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                "digest": write_blob(root, manifest), "size": len(manifest)}]}
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    return blobs


def base_layer():
    return tar_bytes([("etc", "dir", None), ("etc/os-release", "file", OS_RELEASE), ("var/lib/dpkg", "dir", None),
                      ("var/lib/dpkg/status", "file", STATUS)])


def docker_archive(path, layer_tars, layer_members=None):
    """A `docker save` archive: manifest.json, the config, and each layer as <n>/layer.tar. layer_members: the bytes
    to store for each layer (default: the layer itself); the config keeps the diff_ids of layer_tars."""
    config = image_config(layer_tars)
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    members = layer_members if layer_members is not None else layer_tars
    names = [f"{hashlib.sha256(t).hexdigest()}/layer.tar" for t in layer_tars]
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["hostile:1"], "Layers": names}]).encode()
    with open(path, "wb") as f:
        f.write(tar_bytes([("manifest.json", "file", manifest), (config_name, "file", config)] +
                          [(name, "file", data) for name, data in zip(names, members)]))


def os_release_layer(os_release, status=STATUS):
    return tar_bytes([("etc", "dir", None), ("etc/os-release", "file", os_release), ("var/lib/dpkg", "dir", None),
                      ("var/lib/dpkg/status", "file", status)])


def stanza(name, version, arch=b"amd64", extra=b""):
    return (b"Package: " + name + b"\nStatus: install ok installed\nArchitecture: " + arch + b"\nVersion: " +
            version + b"\n" + extra + b"\n")


# Invalid UTF-8 from the Unicode standard's examples of ill-formed sequences (Unicode 15, 3.9 "U+FFFD Substitution of
# Maximal Subparts", Tables 3-8 to 3-11): a lone continuation byte, an overlong encoding, an encoded surrogate, a code
# point above U+10FFFF, a truncated sequence, and the bytes that never appear in UTF-8.
BAD_UTF8 = [b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xfe\xff", b"\xf8\x88\x80\x80"]


def hostile_classes(out, rng):
    """The classes the issue names and the ones a crafted image can carry besides. Returns [(name, expectation)]."""
    classes = []
    # A dpkg status of 2 MB of random bytes: nothing in it is a package (incomplete, not a crash).
    oci_layout(os.path.join(out, "dpkg-random-2m"), [os_release_layer(OS_RELEASE, rng.randbytes(2 * 1024 * 1024))])
    classes.append(("dpkg-random-2m", "incomplete"))
    # 200,000 stanzas (the same package again and again: about 20 MB that gzip turns into 70 KB).
    oci_layout(os.path.join(out, "dpkg-200k-stanzas"), [os_release_layer(OS_RELEASE, STATUS * 200_000)])
    classes.append(("dpkg-200k-stanzas", "ok"))
    # 20,000 distinct packages (four times the largest real status file we know), each with a source package.
    status = b"".join(stanza(b"pkg%05d" % i, b"1.%d-1" % i, extra=b"Source: src%04d\nMaintainer: A <a@example.org>\n"
                             % (i // 10)) for i in range(20_000))
    oci_layout(os.path.join(out, "dpkg-20k-packages"), [os_release_layer(OS_RELEASE, status)])
    classes.append(("dpkg-20k-packages", "ok"))
    # Every status stanza is rejected (no Version): the database exists and yields nothing.
    oci_layout(os.path.join(out, "dpkg-nothing-valid"),
               [os_release_layer(OS_RELEASE, b"Package: bash\nStatus: install ok installed\n\n" * 3)])
    classes.append(("dpkg-nothing-valid", "incomplete"))
    # One bad stanza among good ones stays a warning.
    oci_layout(os.path.join(out, "dpkg-one-bad-stanza"),
               [os_release_layer(OS_RELEASE, STATUS + b"Package: broken\nStatus: install ok installed\n\n")])
    classes.append(("dpkg-one-bad-stanza", "ok"))
    # An apk installed database of garbage.
    oci_layout(os.path.join(out, "apk-garbage"),
               [tar_bytes([("etc", "dir", None), ("etc/os-release", "file",
                                                  b'ID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n'),
                           ("lib/apk/db", "dir", None), ("lib/apk/db/installed", "file", rng.randbytes(65536))])])
    classes.append(("apk-garbage", "incomplete"))
    # A dpkg status file the walker cannot read: a 10 GB sparse file (see sparse-10g) is one; an empty one is not.
    oci_layout(os.path.join(out, "dpkg-empty-status"), [os_release_layer(OS_RELEASE, b"")])
    classes.append(("dpkg-empty-status", "ok"))
    # Invalid UTF-8 in os-release (every field the reports print).
    bad = b"".join(BAD_UTF8)
    oci_layout(os.path.join(out, "utf8-os-release"), [os_release_layer(
        b'PRETTY_NAME="Debian ' + bad + b'"\nID=debian' + BAD_UTF8[0] + b'\nVERSION_ID="12' + BAD_UTF8[1] +
        b'"\nVERSION_CODENAME=book' + BAD_UTF8[2] + b'worm\n')])
    classes.append(("utf8-os-release", "ok"))
    # Invalid UTF-8 in the package fields dpkg does not check (version, architecture, source) and in apk's.
    dpkg_status = b"".join(stanza(b"pkg%d" % i, b"1.0" + seq, arch=b"amd" + seq,
                                  extra=b"Source: src" + seq + b" (2.0" + seq + b")\n")
                           for i, seq in enumerate(BAD_UTF8)) + STATUS
    oci_layout(os.path.join(out, "utf8-dpkg-fields"), [os_release_layer(OS_RELEASE, dpkg_status)])
    classes.append(("utf8-dpkg-fields", "ok"))
    apk_db = b"".join(b"P:pkg" + seq + b"\nV:1.0" + seq + b"-r0\nA:x86_64" + seq + b"\no:origin" + seq + b"\n\n"
                      for seq in BAD_UTF8)
    oci_layout(os.path.join(out, "utf8-apk-fields"),
               [tar_bytes([("etc", "dir", None),
                           ("etc/os-release", "file", b'ID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine"\n'),
                           ("lib/apk/db", "dir", None), ("lib/apk/db/installed", "file", apk_db)])])
    classes.append(("utf8-apk-fields", "ok"))
    # Invalid UTF-8 in file names: distroless status.d entries (their paths appear in diagnostics and db paths), one
    # of them broken so that its name reaches a diagnostic.
    members = [("etc", "dir", None), ("etc/os-release", "file", OS_RELEASE), ("var/lib/dpkg/status.d", "dir", None)]
    for i, seq in enumerate(BAD_UTF8):
        members.append((b"var/lib/dpkg/status.d/pkg" + seq, "file",
                        b"Package: pkg%d\nArchitecture: amd64\nVersion: 1.0\n" % i))
    members.append((b"var/lib/dpkg/status.d/broken" + BAD_UTF8[3], "file", b"Package: broken\n"))
    oci_layout(os.path.join(out, "utf8-file-names"), [tar_bytes(members, fmt=tarfile.GNU_FORMAT)])
    classes.append(("utf8-file-names", "ok"))
    # Valid UTF-8 names in PAX headers (how Python, Go and BuildKit write non-ASCII names): read as they are, whatever
    # the caller's locale; a C locale must not turn them into "can't be converted" warnings or lost files.
    members = [("etc", "dir", None), ("etc/os-release", "file", OS_RELEASE), ("var/lib/dpkg/status.d", "dir", None),
               ("var/lib/dpkg/status.d/caf\u00e9", "file", b"Package: cafe\nArchitecture: amd64\nVersion: 1.0\n")]
    oci_layout(os.path.join(out, "utf8-pax-names"), [tar_bytes(members)])
    classes.append(("utf8-pax-names", "ok"))
    # Control characters and terminal escapes in the config history and labels (valid JSON escapes: the table must
    # not pass them to the terminal, the XML formats must not carry them).
    layer = base_layer()
    hostile_text = "RUN \u001b]0;pwned\u0007\u001b[2J\u0000\u0001\u007f\u009b31m\ufffe end"
    oci_layout(os.path.join(out, "config-control-chars"), [layer], config=image_config(
        [layer], history=[{"created_by": hostile_text}], labels={"evil\u001b[1m": hostile_text}))
    classes.append(("config-control-chars", "ok"))
    # Raw invalid UTF-8 in the config's history and labels: not JSON (RFC 8259 section 8.1), a clean failure.
    config = image_config([layer], history=[{"created_by": "RUN @@"}], labels={"l": "@@"}).replace(b"@@", bad)
    oci_layout(os.path.join(out, "config-invalid-utf8"), [layer], config=config)
    classes.append(("config-invalid-utf8", "fail"))
    # A 100 MB os-release (comment lines; gzip makes it 100 KB) and a huge PRETTY_NAME.
    huge = b"# padding padding padding padding padding padding padding padding padding padding padding\n" * 1_100_000
    oci_layout(os.path.join(out, "huge-os-release"), [os_release_layer(OS_RELEASE + huge)])
    classes.append(("huge-os-release", "ok"))
    oci_layout(os.path.join(out, "long-os-release-value"),
               [os_release_layer(b'ID=debian\nVERSION_ID=12\nPRETTY_NAME="' + b"A" * 500_000 + b'"\n')])
    classes.append(("long-os-release-value", "ok"))
    # 2,000 nested directories (a 4,000-byte path, in a PAX header) with the status file at the bottom too.
    deep = "/".join(["d"] * 2000)
    members = [("etc", "dir", None), ("etc/os-release", "file", OS_RELEASE), ("var/lib/dpkg/status", "file", STATUS)]
    for depth in range(1, 2001):
        members.append(("/".join(["d"] * depth), "dir", None))
    members.append((deep + "/file", "file", b"x"))
    members.append((deep + "/link", "symlink", "/" + deep + "/link"))
    oci_layout(os.path.join(out, "deep-directories"), [tar_bytes(members)])
    classes.append(("deep-directories", "ok"))
    # Hard links to a missing target, to themselves, and as the status file.
    oci_layout(os.path.join(out, "hardlink-missing"),
               [tar_bytes([("etc", "dir", None), ("etc/os-release", "hardlink", "usr/lib/os-release"),
                           ("var/lib/dpkg", "dir", None), ("var/lib/dpkg/status", "hardlink", "nowhere/status"),
                           ("var/lib/dpkg/status.d", "dir", None),
                           ("var/lib/dpkg/status.d/self", "hardlink", "var/lib/dpkg/status.d/self")])])
    classes.append(("hardlink-missing", "incomplete"))
    # A distroless status.d with 50,000 files: 10,000 packages, each a stanza file, its md5sums and three control
    # files (a thousand times what distroless images hold). 50,000 distinct packages cost more than 64 MB: the
    # inventory itself is about 1 KB a package (docs/benchmarks/hostile.md).
    members = [("etc", "dir", None), ("etc/os-release", "file", OS_RELEASE), ("var/lib/dpkg/status.d", "dir", None)]
    for i in range(10_000):
        members.append((f"var/lib/dpkg/status.d/p{i}", "file",
                        b"Package: p%d\nArchitecture: amd64\nVersion: 1.%d\n" % (i, i)))
        for suffix in (".md5sums", ".preinst", ".postinst", ".prerm"):
            members.append((f"var/lib/dpkg/status.d/p{i}{suffix}", "file",
                            b"d41d8cd98f00b204e9800998ecf8427e  usr/share/doc/p%d/copyright\n" % i))
    oci_layout(os.path.join(out, "status-d-50k"), [tar_bytes(members)])
    classes.append(("status-d-50k", "ok"))
    # A corrupt rpmdb alone (no other database): the only package database cannot be read.
    oci_layout(os.path.join(out, "rpmdb-garbage-only"),
               [tar_bytes([("etc", "dir", None),
                           ("etc/os-release", "file", b'ID="rocky"\nVERSION_ID="9.4"\nPRETTY_NAME="Rocky Linux 9.4"\n'),
                           ("var/lib/rpm", "dir", None), ("var/lib/rpm/rpmdb.sqlite", "file",
                                                          b"SQLite format 3\0" + rng.randbytes(8192))])])
    classes.append(("rpmdb-garbage-only", "incomplete"))
    # No package database at all (a static binary on scratch): not incomplete.
    oci_layout(os.path.join(out, "scratch-static"), [tar_bytes([("app", "file", b"\x7fELF" + rng.randbytes(4096))])])
    classes.append(("scratch-static", "ok"))
    # A docker-archive whose layer member was cut short (the config keeps the diff_id of the whole layer). The test
    # scans truncated-layer-good.tar first, so the diff_id is in the cache when truncated-layer.tar comes.
    layers = [base_layer(), tar_bytes([("usr", "dir", None), ("usr/share/doc/x", "file", rng.randbytes(20000))])]
    docker_archive(os.path.join(out, "truncated-layer-good.tar"), layers)
    docker_archive(os.path.join(out, "truncated-layer.tar"), layers,
                   layer_members=[layers[0], layers[1][: len(layers[1]) // 2]])
    classes.append(("truncated-layer-good.tar", "ok"))
    classes.append(("truncated-layer.tar", "fail"))
    return classes


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    # A good one, as the control.
    oci_layout(os.path.join(out, "good"), [base_layer()])
    # Layer whose blob content does not match its digest.
    blobs = oci_layout(os.path.join(out, "digest-mismatch"), [base_layer()])
    path = os.path.join(out, "digest-mismatch", "blobs", "sha256", hashlib.sha256(blobs[0]).hexdigest())
    with open(path, "wb") as f:
        f.write(gzip.compress(tar_bytes([("evil", "file", b"x")]), mtime=0))
    # Corrupt gzip whose digest matches (so the decompressor, not the digest check, must catch it).
    layer = bytearray(gzip.compress(base_layer() + b"\0" * 4096, mtime=0))
    for i in range(30, len(layer) - 30, 5):
        layer[i] ^= 0x55
    root = os.path.join(out, "corrupt-gzip")
    oci_layout(root, [base_layer()])
    # Rewrite the layer blob and every digest above it.
    for name in os.listdir(os.path.join(root, "blobs", "sha256")):
        os.remove(os.path.join(root, "blobs", "sha256", name))
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    manifest = json.dumps({"schemaVersion": 2, "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                                          "digest": write_blob(root, config), "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                       "digest": write_blob(root, bytes(layer)), "size": len(layer)}]}).encode()
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                       "digest": write_blob(root, manifest),
                                                       "size": len(manifest)}]}, f)
    # Path traversal inside a layer.
    oci_layout(os.path.join(out, "path-traversal"),
               [base_layer(), tar_bytes([("../../../../tmp/customs-escaped", "file", b"pwned")])])
    # The release files are symlinks that escape the image root: /etc/os-release absolutely, /usr/lib/os-release
    # through "../". Both name a host file (OUTDIR/host-os-release) that is a valid os-release unlike the image's own
    # data, so a leak shows in the report as that OS. They must resolve inside the image, where nothing is there.
    # (The image keeps its historical name: it once pointed at /etc/shadow, whose lines have no "=" and so could
    # never have shown a leak.)
    host_os_release = os.path.abspath(os.path.join(out, "host-os-release"))
    with open(host_os_release, "wb") as f:
        f.write(b'ID=customs-host-leak\nVERSION_ID="99.7"\nPRETTY_NAME="customs host file: leaked"\n')
    oci_layout(os.path.join(out, "shadow-symlink"),
               [tar_bytes([("etc", "dir", None), ("etc/os-release", "symlink", host_os_release),
                           ("usr", "dir", None), ("usr/lib", "dir", None),
                           ("usr/lib/os-release", "symlink", "../../../../../../../.." + host_os_release),
                           ("var/lib/dpkg/status", "file", STATUS)])])
    # A symlink loop on a path the OS detector reads.
    oci_layout(os.path.join(out, "symlink-loop"),
               [tar_bytes([("etc", "dir", None), ("etc/os-release", "symlink", "/usr/lib/os-release"),
                           ("usr/lib/os-release", "symlink", "/etc/os-release"),
                           ("var/lib/dpkg/status", "file", STATUS)])])
    # The manifest names a layer blob that does not exist.
    oci_layout(os.path.join(out, "missing-blob"), [base_layer()],
               extra_manifest_layers=["sha256:" + "ab" * 32])
    # A 10 GB sparse file (GNU tar --sparse keeps the archive tiny) where the dpkg database should be.
    sparse_dir = os.path.join(out, ".sparse")
    os.makedirs(os.path.join(sparse_dir, "var/lib/dpkg"), exist_ok=True)
    big = os.path.join(sparse_dir, "var/lib/dpkg/status")
    with open(big, "wb") as f:
        f.truncate(10 * 1024 ** 3)
    sparse_tar = os.path.join(out, ".sparse.tar")
    subprocess.run(["tar", "--sparse", "-C", sparse_dir, "-cf", sparse_tar, "var"], check=True)
    os.remove(big)
    with open(sparse_tar, "rb") as f:
        oci_layout(os.path.join(out, "sparse-10g"), [base_layer(), f.read()])
    os.remove(sparse_tar)
    # A corrupt package database in one layer (an rpm BerkeleyDB file of garbage) beside a good dpkg database.
    oci_layout(os.path.join(out, "corrupt-rpmdb"),
               [base_layer(), tar_bytes([("var/lib/rpm", "dir", None),
                                         ("var/lib/rpm/Packages", "file", os.urandom(8192))])])
    # Truncated archives: an oci-archive cut in the middle.
    good = tar_bytes([])  # placeholder to keep tarfile import used
    del good
    subprocess.run(["tar", "-C", os.path.join(out, "good"), "-cf", os.path.join(out, "good.tar"), "."], check=True)
    with open(os.path.join(out, "good.tar"), "rb") as f:
        data = f.read()
    with open(os.path.join(out, "truncated.tar"), "wb") as f:
        f.write(data[: len(data) // 2 + 100])
    # Not an image at all.
    with open(os.path.join(out, "garbage.bin"), "wb") as f:
        f.write(os.urandom(4096))
    classes = [("good", "ok"), ("digest-mismatch", "fail"), ("corrupt-gzip", "fail"), ("path-traversal", "fail"),
               ("shadow-symlink", "ok"), ("symlink-loop", "ok"), ("missing-blob", "fail"), ("sparse-10g", "incomplete"),
               ("corrupt-rpmdb", "incomplete"), ("truncated.tar", "fail"), ("garbage.bin", "fail")]
    classes += hostile_classes(out, random.Random(11))
    with open(os.path.join(out, "classes.txt"), "w") as f:
        f.writelines(f"{name} {expectation}\n" for name, expectation in classes)


if __name__ == "__main__":
    main()
