#!/usr/bin/env python3
"""Writes the seed corpora of the zip_stream, java_archive, go_buildinfo and dep_v0 fuzz targets from the real
artifacts of scripts/lang-binary-artifacts.sh (ARTIFACTS_DIR). Each seed starts with one byte the targets use to pick
a chunk size. The Go and Rust seeds are minimal ELF64 files around real bytes (a real Go version string and module
information from esbuild, the real crate list of the auditable ripgrep), small enough to commit.

usage: make_lang_binary_seeds.py ARTIFACTS_DIR"""
import io
import os
import struct
import sys
import zipfile
import zlib

ART = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data, chunk_byte=0x07):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(bytes([chunk_byte]) + data)


# --- zip / java ---
real = open(os.path.join(ART, "java/dynamodb/DynamoDBLocal_lib/commons-cli-1.2.jar"), "rb").read()
src = zipfile.ZipFile(io.BytesIO(real))
pom_name = next(n for n in src.namelist() if n.endswith("pom.properties"))
pom, manifest = src.read(pom_name), src.read("META-INF/MANIFEST.MF")


def small_jar(method, unseekable=False, zip64=False):
    buf = io.BytesIO()

    class Pipe:
        def write(self, b):
            return buf.write(b)

        def flush(self):
            pass

    with zipfile.ZipFile(Pipe() if unseekable else buf, "w") as z:
        for name, data in (("META-INF/MANIFEST.MF", manifest), (pom_name, pom)):
            with z.open(zipfile.ZipInfo(name), "w", force_zip64=zip64) if zip64 else z.open(name, "w") as w:
                w.write(data)
        if method is not None:
            z.writestr(zipfile.ZipInfo("lib/a.class"), b"\xca\xfe\xba\xbe" + b"\0" * 64, compress_type=method)
    return buf.getvalue()


def nest(inner, name="WEB-INF/lib/commons-cli-1.2.jar", method=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo(name), inner, compress_type=method)
    return buf.getvalue()


seeds = {
    "stored": small_jar(zipfile.ZIP_STORED),
    "deflated": small_jar(zipfile.ZIP_DEFLATED),
    "descriptors-unseekable": small_jar(zipfile.ZIP_DEFLATED, unseekable=True),
    "stored-descriptors-unseekable": small_jar(zipfile.ZIP_STORED, unseekable=True),
    "zip64": small_jar(None, zip64=True),
    "war-stored": nest(small_jar(zipfile.ZIP_DEFLATED)),
    "war-deflated": nest(small_jar(zipfile.ZIP_DEFLATED), method=zipfile.ZIP_DEFLATED),
    "launch-script": b"#!/bin/sh\nexec java -jar $0\n" + small_jar(zipfile.ZIP_DEFLATED),
    "truncated": small_jar(zipfile.ZIP_DEFLATED)[:200],
}
for name, data in seeds.items():
    put("zip_stream", name, data)
    put("java_archive", name, data)
put("java_archive", "commons-cli-1.2.jar", real, 0x21)


# --- minimal ELF64 files ---
def elf(body, vaddr=0x400000, sections=None):
    """ELF64 LE executable: header, one PT_LOAD mapping [0, len) at vaddr, then body at 0x1000; optional
    non-allocated sections [(name, bytes)] appended after it, with .shstrtab and the section header table."""
    image = bytearray(0x1000) + body
    loaded = len(image)
    shdrs = b""
    shoff = shnum = shstrndx = 0
    if sections:
        names = b"\0"
        entries = [struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)]
        for name, data in sections + [(".shstrtab", None)]:
            off = len(names)
            names += name.encode() + b"\0"
            if data is None:
                data = names
            entries.append(struct.pack("<IIQQQQIIQQ", off, 3 if name == ".shstrtab" else 1, 0, 0, len(image),
                                       len(data), 0, 0, 1, 0))
            image += data
        shoff, shnum, shstrndx = len(image), len(entries), len(entries) - 1
        shdrs = b"".join(entries)
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, vaddr + 0x1000, 64, shoff, 0, 64, 56, 1, 64, shnum, shstrndx)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, vaddr, vaddr, loaded, loaded, 0x1000)
    image[0:64] = header
    image[64:120] = phdr
    return bytes(image) + shdrs


def real_buildinfo(path):
    data = open(path, "rb").read()
    at = data.find(b"\xff Go buildinf:")
    while at % 16:
        at = data.find(b"\xff Go buildinf:", at + 1)
    return data, at


# Inline layout (go1.18+): the real header and inline strings of esbuild 0.19.12.
data, at = real_buildinfo(os.path.join(ART, "go/esbuild-0.19.12"))
n = data[at + 32]
pos = at + 33 + n
length, shift, i = 0, 0, 0
while True:
    b = data[pos + i]
    length |= (b & 0x7F) << shift
    shift += 7
    i += 1
    if b < 0x80:
        break
blob = data[at:pos + i + length]
put("go_buildinfo", "inline-esbuild-0.19.12", elf(bytes(16) + blob))
put("go_buildinfo", "inline-bytewise", elf(bytes(16) + blob), 0x00)

# Pointer layout (before go1.18): esbuild 0.12.0's version and module information, placed as the linker does:
# strings first (.rodata), then the 32-byte header, then the two string headers.
old = open(os.path.join(ART, "go/esbuild-0.12.0"), "rb").read()
start = old.find(bytes.fromhex("3077af0c9274080241e1c107e6d618e6"))
end = old.find(bytes.fromhex("f932433186182072008242104116d8f2"), start) + 16
modinfo = old[start:end]
version = b"go1.16.3"
body = bytearray()
body += version + bytes(8)
mod_off = len(body)
body += modinfo
while len(body) % 16:
    body += b"\0"
hdr_off = len(body)
base = 0x400000 + 0x1000
sh_off = hdr_off + 32
body += b"\xff Go buildinf:" + bytes([8, 0]) + struct.pack("<QQ", base + sh_off, base + sh_off + 16)
body += struct.pack("<QQQQ", base + 0, len(version), base + mod_off, len(modinfo))
put("go_buildinfo", "pointer-esbuild-0.12.0", elf(bytes(body)))

# --- .dep-v0 ---
rg = open(os.path.join(ART, "rust/dep-v0.zlib"), "rb").read()
put("dep_v0", "sections", elf(b"\x90" * 64, sections=[(".comment", b"GCC\0"), (".dep-v0", rg)]))
stripped = bytearray(elf(b"\x90" * 64, sections=[(".dep-v0", rg)]))
stripped[0x28:0x30] = bytes(8)  # e_shoff
stripped[0x3C:0x40] = bytes(4)  # e_shnum, e_shstrndx
put("dep_v0", "no-sections", bytes(stripped))
put("dep_v0", "corrupt-section", elf(b"\x90" * 64, sections=[(".dep-v0", rg[:40] + bytes(len(rg) - 40))]))
put("dep_v0", "json", json_text := zlib.decompress(rg))
