#!/usr/bin/env python3
"""Builds small hostile images for the end-to-end tests, each an OCI layout (or archive) with exactly one defect.

usage: make_hostile_images.py OUTDIR
Each image is OUTDIR/<name>/ (an OCI layout) or OUTDIR/<name>.tar. The expectation for each is in the test.
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
STATUS = (b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n"
          b"Description: shell\n\n")


def tar_bytes(members):
    """members: list of (name, kind, payload) with kind 'file' | 'symlink' | 'dir'."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
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


def oci_layout(root, layer_tars, compress=True, extra_manifest_layers=()):
    os.makedirs(root, exist_ok=True)
    blobs = [gzip.compress(t, mtime=0) if compress else t for t in layer_tars]
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [digest(t) for t in layer_tars] + [d for d in extra_manifest_layers]},
        "history": [{"created_by": f"layer {i}"} for i in range(len(layer_tars) + len(extra_manifest_layers))],
    }).encode()
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


if __name__ == "__main__":
    main()
