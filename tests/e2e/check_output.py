#!/usr/bin/env python3
"""Checks a customs report with Python's own parsers (independent of the C++ writers and their tests).

usage: check_output.py FORMAT FILE [FORMAT FILE...]
FORMAT: json, sarif, cyclonedx, spdx (a JSON document, read as strict UTF-8); junit (well-formed XML); table,
markdown (strict UTF-8 whose only control character is LF: nothing an image says reaches a terminal as a command).
Prints one line per invalid file and exits 1 when any is invalid, 0 otherwise.
"""
import json
import sys
import xml.etree.ElementTree as ElementTree


def check(fmt, path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        return f"not UTF-8: {e}"
    if fmt in ("json", "sarif", "cyclonedx", "spdx"):
        try:
            doc = json.loads(text)
        except ValueError as e:
            return f"not JSON: {e}"
        # Python accepts lone surrogate escapes ("\\udc80"), which no UTF-8 consumer can represent: refuse them.
        stack = [doc]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in item):
                return f"a lone surrogate in {item!r}"
    elif fmt == "junit":
        try:
            ElementTree.fromstring(data)
        except ElementTree.ParseError as e:
            return f"not well-formed XML: {e}"
    elif fmt in ("table", "markdown"):
        for i, c in enumerate(text):
            o = ord(c)
            if (o < 0x20 and c != "\n") or 0x7f <= o <= 0x9f:
                return f"control character U+{o:04X} at {i}"
    else:
        return f"unknown format {fmt}"
    return None


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2 != 0:
        print(__doc__)
        return 2
    failed = 0
    for fmt, path in zip(args[0::2], args[1::2]):
        problem = check(fmt, path)
        if problem:
            print(f"check_output: {path} ({fmt}): {problem}")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
