#!/usr/bin/env python3
"""The reference for the Java cataloger: every META-INF/maven/*/*/pom.properties in a Java archive, nested archives
included, read with Python's zipfile (the `python3 -m zipfile -l` implementation, which reads the central directory).

Prints one line per pom.properties: "location<TAB>groupId:artifactId<TAB>version", location being the chain
"path!/inner.jar!/META-INF/maven/g/a/pom.properties" (also deeper: some jars split the groupId into directories).
Nested archives are those whose names end in .jar .war .ear .par
.jpi .hpi, as in the cataloger. Usage: jar_oracle.py FILE... (directories are walked)."""
import io
import os
import re
import sys
import zipfile

ARCHIVE = re.compile(r".*[^/]\.(jar|war|ear|par|jpi|hpi)$", re.IGNORECASE)
POM = re.compile(r"^META-INF/maven/(.+)/([^/]+)/pom\.properties$")


def props(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        m = re.match(r"([^=:\s]+)\s*[=:\s]\s*(.*)", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def walk(data, location, depth, out):
    if depth > 16:
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    for info in archive.infolist():
        m = POM.match(info.filename)
        if m:
            p = props(archive.read(info).decode("utf-8", "replace"))
            group = p.get("groupId", m.group(1).replace("/", "."))
            artifact = p.get("artifactId", m.group(2))
            if p.get("version"):
                out.append(f"{location}!/{info.filename}\t{group}:{artifact}\t{p['version']}")
        elif ARCHIVE.match(info.filename):
            walk(archive.read(info), f"{location}!/{info.filename}", depth + 1, out)


def main():
    out = []
    for arg in sys.argv[1:]:
        paths = [arg]
        if os.path.isdir(arg):
            paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(arg) for f in fs)
        for path in paths:
            # Regular files only: a symlink (Debian's log4j-core-2.19.0.jar -> log4j-core.jar) is not another jar.
            if ARCHIVE.match(path) and os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    walk(f.read(), path, 1, out)
    print("\n".join(sorted(out)))


if __name__ == "__main__":
    main()
