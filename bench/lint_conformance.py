#!/usr/bin/env python3
"""Conformance of `customs lint` with the public test material of hadolint, BuildKit, trivy-checks and checkov.

Two jobs:

  import   Reads the upstream repositories (local clones) and writes our own data-driven cases to
           src/lint/testdata/conformance/<suite>/*.cases (see src/lint/testdata/conformance/README.md for the
           format). Deliberate-disagreement notes (`disagree:`) already in the files are kept.
  measure  Runs the built `customs lint --format json` on every case (each laid out as a directory with its
           Dockerfile, .dockerignore and .customs.yaml) and prints the agreement per suite.

  bench/lint_conformance.py import  --hadolint DIR --buildkit DIR --trivy-checks DIR --checkov DIR [--out DIR]
  bench/lint_conformance.py measure [--cases DIR] [--customs BIN] [--verbose] [--min 95]

`measure --upstream` imports into a temporary directory first, so the numbers come straight from the upstream
repositories given with the import options. Exit status of measure: 0 when every suite reaches --min percent.

The unit test src/lint/rules/conformance_test.cpp replays the same committed cases without the repositories.
hadolint (GPL-3.0) is not copied: its Haskell specs are read for their examples, which are written out as our own
minimal Dockerfiles and expectations. BuildKit, trivy-checks and checkov are Apache-2.0: their example Dockerfiles
are copied with attribution (PROVENANCE in each suite directory).
"""
import argparse
import collections
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CASES = os.path.join(ROOT, "src", "lint", "testdata", "conformance")

# BuildKit's check names (frontend/dockerfile/linter/ruleset.go): the aliases judged in the buildkit suite.
BUILDKIT_CHECKS = [
    "StageNameCasing", "FromAsCasing", "NoEmptyContinuation", "ConsistentInstructionCasing", "DuplicateStageName",
    "ReservedStageName", "JSONArgsRecommended", "MaintainerDeprecated", "UndefinedArgInFrom", "WorkdirRelativePath",
    "UndefinedVar", "MultipleInstructionsDisallowed", "LegacyKeyValueFormat", "InvalidBaseImagePlatform",
    "RedundantTargetPlatform", "SecretsUsedInArgOrEnv", "InvalidDefaultArgInFrom", "FromPlatformFlagConstDisallowed",
    "CopyIgnoredFile", "InvalidDefinitionDescription", "ExposeProtoCasing", "ExposeInvalidFormat",
]


# ----------------------------------------------------------------------------------------------- case files

class Case:
    def __init__(self, cid):
        self.id = cid
        self.source = ""
        self.judge = []
        self.expect = None        # list of "ALIAS@LINE" (exact multiset) or [] for none
        self.expect_count = {}    # alias -> exact count
        self.expect_min = {}      # alias -> minimum count
        self.config = ""          # YAML for .customs.yaml
        self.build_args = []
        self.target = ""
        self.disagree = ""
        self.files = collections.OrderedDict()  # name -> content

    def header_lines(self):
        out = [f"=== case {self.id}", f"source: {self.source}", f"judge: {' '.join(self.judge)}"]
        if self.expect is not None:
            out.append("expect: " + (" ".join(self.expect) if self.expect else "none"))
        for k, v in self.expect_count.items():
            out.append(f"expect-count: {k}={v}")
        for k, v in self.expect_min.items():
            out.append(f"expect-min: {k}={v}")
        if self.config:
            out.append(f"config: {self.config}")
        for a in self.build_args:
            out.append(f"build-arg: {a}")
        if self.target:
            out.append(f"target: {self.target}")
        if self.disagree:
            out.append(f"disagree: {self.disagree}")
        return out

    def render(self):
        out = self.header_lines()
        for name, content in self.files.items():
            noeol = content != "" and not content.endswith("\n")
            out.append(f"--- file {name}" + (" noeol" if noeol else ""))
            body = content if not content.endswith("\n") else content[:-1]
            if content != "":
                out.extend(body.split("\n"))
            else:
                out[-1] += " empty"
        return "\n".join(out) + "\n"


def parse_cases(path):
    cases = []
    cur = None
    file_name = None
    lines = []
    flags = ""

    def close_file():
        nonlocal file_name, lines
        if cur is not None and file_name is not None:
            content = "" if "empty" in flags else "\n".join(lines) + "\n"
            if "noeol" in flags:
                content = content[:-1]
            cur.files[file_name] = content
        file_name, lines = None, []

    with open(path, encoding="utf-8") as f:
        text = f.read()
    all_lines = text.split("\n")
    if all_lines and all_lines[-1] == "":
        all_lines.pop()
    for raw in all_lines:
        if raw.startswith("=== case "):
            close_file()
            cur = Case(raw[len("=== case "):].strip())
            cases.append(cur)
            continue
        if raw.startswith("--- file "):
            close_file()
            parts = raw[len("--- file "):].split(" ")
            file_name, flags = parts[0], " ".join(parts[1:])
            continue
        if cur is None:
            continue  # file header comments
        if file_name is not None:
            lines.append(raw)
            continue
        key, _, value = raw.partition(": ")
        if key == "source":
            cur.source = value
        elif key == "judge":
            cur.judge = value.split()
        elif key == "expect":
            cur.expect = [] if value.strip() == "none" else value.split()
        elif key == "expect-count":
            k, _, v = value.partition("=")
            cur.expect_count[k] = int(v)
        elif key == "expect-min":
            k, _, v = value.partition("=")
            cur.expect_min[k] = int(v)
        elif key == "config":
            cur.config = value
        elif key == "build-arg":
            cur.build_args.append(value)
        elif key == "target":
            cur.target = value
        elif key == "disagree":
            cur.disagree = value
    close_file()
    return cases


def write_suite(out_dir, suite, groups, header):
    """groups: ordered {file stem: [Case]}. Keeps `disagree:` notes of cases already on disk."""
    d = os.path.join(out_dir, suite)
    notes = {}
    if os.path.isdir(d):
        for p in glob.glob(os.path.join(d, "*.cases")):
            for c in parse_cases(p):
                if c.disagree:
                    notes[c.id] = c.disagree
        for p in glob.glob(os.path.join(d, "*.cases")):
            os.remove(p)
    os.makedirs(d, exist_ok=True)
    total = 0
    for stem, cases in groups.items():
        if not cases:
            continue
        with open(os.path.join(d, stem + ".cases"), "w", encoding="utf-8") as f:
            f.write(header)
            for c in cases:
                c.disagree = notes.get(c.id, "")
                f.write(c.render())
                total += 1
    return total


# ----------------------------------------------------------------------------------------------- hadolint

HS_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*)
  | (?P<block>\{-.*?-\})
  | (?P<string>")
  | (?P<char>'(?:\\.|[^'\\])')
  | (?P<ident>\??[A-Za-z_][A-Za-z0-9_'.]*)
  | (?P<num>[0-9]+)
  | (?P<op>\$|<>|\+\+|==|=|,|\[|\]|\(|\)|\{|\}|->|\|>|[!#%&*+./<>?@\\^|~:-]+)
''', re.S | re.X)

HS_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "r": "\r", "&": "", "a": "\a", "0": "\0"}


def hs_string(src, i):
    """Parses a Haskell string literal starting after the opening quote. Returns (value, index after)."""
    out = []
    while True:
        ch = src[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\":
            nxt = src[i + 1]
            if nxt.isspace():  # string gap
                j = i + 1
                while src[j].isspace():
                    j += 1
                assert src[j] == "\\", "bad string gap"
                i = j + 1
                continue
            if nxt.isdigit():
                m = re.match(r"\d+", src[i + 1:])
                out.append(chr(int(m.group(0))))
                i += 1 + len(m.group(0))
                continue
            out.append(HS_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1


def hs_tokens(src):
    toks = []
    i = 0
    line = 1
    while i < len(src):
        m = HS_TOKEN.match(src, i)
        if not m:
            raise ValueError(f"cannot tokenize at {src[i:i+30]!r}")
        kind = m.lastgroup
        if kind == "string":
            value, j = hs_string(src, m.end())
            toks.append(("str", value, line))
            line += src.count("\n", i, j)
            i = j
            continue
        text = m.group(0)
        if kind not in ("ws", "comment", "block"):
            toks.append((kind, text, line))
        line += text.count("\n")
        i = m.end()
    return toks


class HsEval:
    FUNCS = {"Text.unlines", "unlines", "Text.unwords", "unwords", "Text.concat", "concat", "Text.pack", "pack",
             "Text.intercalate"}

    def __init__(self, toks):
        self.t = toks
        self.env = {}

    def atom(self, i):
        kind, text, _ = self.t[i]
        if kind == "str":
            return text, i + 1
        if text == "[":
            items = []
            i += 1
            if self.t[i][1] == "]":
                return items, i + 1
            while True:
                v, i = self.expr(i)
                items.append(v)
                if self.t[i][1] == ",":
                    i += 1
                    continue
                if self.t[i][1] == "]":
                    return items, i + 1
                raise ValueError("list")
        if text == "(":
            v, i = self.expr(i + 1)
            if self.t[i][1] != ")":
                raise ValueError("paren")
            return v, i + 1
        if kind == "ident" and text in self.FUNCS:
            j = i + 1
            if self.t[j][1] == "$":
                arg, j = self.expr(j + 1)
            else:
                arg, j = self.atom(j)
            if text.endswith("unlines"):
                return "".join(s + "\n" for s in arg), j
            if text.endswith("unwords"):
                return " ".join(arg), j
            if text.endswith("concat"):
                return "".join(arg), j
            return arg, j
        if kind == "ident" and text in self.env:
            return self.env[text], i + 1
        raise ValueError(f"atom {text}")

    def expr(self, i):
        if self.t[i][1] == "$":
            i += 1
        v, i = self.atom(i)
        while i < len(self.t) and self.t[i][1] in ("<>", "++"):
            w, i = self.atom(i + 1)
            v = v + w
        return v, i


def hs_config(toks, i):
    """`def` or `def { field = value, ... }` -> dict, index after."""
    cfg = {}
    if toks[i][1] != "def":
        raise ValueError("config")
    i += 1
    if i < len(toks) and toks[i][1] == "{":
        depth = 0
        j = i
        while True:
            if toks[j][1] == "{":
                depth += 1
            elif toks[j][1] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        body = toks[i + 1:j]
        k = 0
        while k < len(body):
            name = body[k][1]
            assert body[k + 1][1] == "="
            k += 2
            start = k
            depth = 0
            while k < len(body) and not (depth == 0 and body[k][1] == ","):
                if body[k][1] in "([{":
                    depth += 1
                if body[k][1] in ")]}":
                    depth -= 1
                k += 1
            cfg[name] = body[start:k]
            k += 1
        i = j + 1
    return cfg, i


def hs_config_yaml(cfg):
    parts = []
    for name, toks in cfg.items():
        if name == "allowedRegistries":
            regs = [t[1] for t in toks if t[0] == "str"]
            parts.append("trusted_registries: [" + ", ".join(json.dumps(r) for r in regs) + "]")
        elif name == "labelSchema":
            strs = [t for t in toks if t[0] in ("str", "ident")]
            pairs = []
            k = 0
            while k < len(strs):
                if strs[k][0] == "str":
                    typ = strs[k + 1][1].split(".")[-1]
                    pairs.append(f"{json.dumps(strs[k][1])}: {typ.lower()}")
                    k += 2
                else:
                    k += 1
            parts.append("label_schema: {" + ", ".join(pairs) + "}")
        elif name == "strictLabels":
            parts.append("strict_labels: " + ("true" if toks[0][1] == "True" else "false"))
        else:
            raise ValueError(f"config field {name}")
    return "{" + ", ".join(parts) + "}" if parts else ""


# hadolint rules whose default severity is "ignore": on in hadolint's specs, off in its default output. Our rule is
# off by default too, so their cases turn it on.
HADOLINT_OFF_BY_DEFAULT = {"DL1001"}


def with_enabled(config, rule):
    if rule not in HADOLINT_OFF_BY_DEFAULT:
        return config
    entry = f"enabled: [{rule}]"
    return "{" + entry + "}" if not config else config[:-1] + ", " + entry + "}"


def wrap_onbuild(dockerfile):
    """hadolint's assertOnBuildChecks: every RUN instruction becomes ONBUILD RUN."""
    out = []
    continued = False
    for line in dockerfile.split("\n"):
        stripped = line.lstrip()
        if not continued and re.match(r"(?i)run(\s|$)", stripped):
            line = line[: len(line) - len(stripped)] + "ONBUILD " + stripped
        continued = line.rstrip().endswith("\\")
        out.append(line)
    return "\n".join(out)


def import_hadolint(repo):
    groups = collections.OrderedDict()
    skipped = []
    for path in sorted(glob.glob(os.path.join(repo, "test", "Hadolint", "Rule", "DL*Spec.hs"))):
        code = os.path.basename(path)[: -len("Spec.hs")]
        rel = os.path.relpath(path, repo)
        toks = hs_tokens(open(path, encoding="utf-8").read())
        ev = HsEval(toks)
        top_config = ""
        config = ""
        it_name = ""
        cases = []
        n = 0
        i = 0
        seen_it = False
        while i < len(toks):
            kind, text, line = toks[i]
            if text == "it" and i + 1 < len(toks) and toks[i + 1][0] == "str":
                it_name = toks[i + 1][1]
                config = top_config
                seen_it = True
                i += 2
                continue
            binding = None
            if text == "let" and i + 2 < len(toks) and toks[i + 2][1] == "=":
                binding = i + 1
            elif kind == "ident" and text[0].islower() and i + 1 < len(toks) and toks[i + 1][1] == "=" and \
                    toks[i - 1][1] not in ("{", ",") and text not in ("spec",):
                binding = i
            if binding is not None:
                name = toks[binding][1]
                i = binding
                try:
                    if name == "?config":
                        cfg, j = hs_config(toks, i + 2)
                        y = hs_config_yaml(cfg)
                        if seen_it:
                            config = y
                        else:
                            top_config = config = y
                        i = j
                        continue
                    value, j = ev.expr(i + 2)
                    ev.env[name] = value
                    i = j
                    continue
                except (ValueError, IndexError, AssertionError):
                    i += 1
                    continue
            if kind == "ident" and text in ("ruleCatches", "ruleCatchesNot", "onBuildRuleCatches",
                                             "onBuildRuleCatchesNot"):
                rule = toks[i + 1][1] if toks[i + 1][0] == "str" else ev.env.get(toks[i + 1][1], "")
                try:
                    dockerfile, j = ev.expr(i + 2)
                except (ValueError, IndexError):
                    skipped.append(f"{rel}:{line} {text} (expression not understood)")
                    i += 2
                    continue
                if not isinstance(dockerfile, str):
                    skipped.append(f"{rel}:{line} {text} (not a string)")
                    i = j
                    continue
                # hadolint appends "\n" before parsing (Helpers.assertChecks).
                dockerfile = dockerfile + "\n"
                onbuild = text.startswith("onBuild")
                n += 1
                c = Case(f"{code}-{n:03d}{'-onbuild' if onbuild else ''}")
                c.source = f"hadolint {rel}:{line} \"{it_name}\" ({text})"
                c.judge = [rule]
                if text == "ruleCatches":
                    c.expect_min = {rule: 1}
                elif text == "onBuildRuleCatches":
                    c.expect_count = {rule: 1}
                else:
                    c.expect = []
                c.config = with_enabled(config, rule)
                c.files["Dockerfile"] = wrap_onbuild(dockerfile) if onbuild else dockerfile
                cases.append(c)
                i = j
                continue
            if kind == "ident" and text == "assertChecks":
                # assertChecks DOCKERFILE (failsWith N "DLxxxx")
                try:
                    dockerfile, j = ev.expr(i + 1)
                    assert toks[j][1] == "(" and toks[j + 1][1] == "failsWith"
                    count = int(toks[j + 2][1])
                    rule = toks[j + 3][1]
                except (ValueError, IndexError, AssertionError):
                    skipped.append(f"{rel}:{line} assertChecks (custom assertion)")
                    i += 1
                    continue
                n += 1
                c = Case(f"{code}-{n:03d}")
                c.source = f"hadolint {rel}:{line} \"{it_name}\" (failsWith {count})"
                c.judge = [rule]
                if count == 0:
                    c.expect = []
                else:
                    c.expect_count = {rule: count}
                c.config = with_enabled(config, rule)
                c.files["Dockerfile"] = dockerfile + "\n"
                cases.append(c)
                i = j + 4
                continue
            i += 1
        groups[code] = cases
    return groups, skipped


# ----------------------------------------------------------------------------------------------- BuildKit

GO_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:\\.|[^"\\])*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<num>[0-9]+)
  | (?P<op>:=|==|!=|&&|\|\||[-+*/%&|^<>=!:;,.(){}\[\]])
''', re.S | re.X)


def go_tokens(src):
    toks = []
    line = 1
    i = 0
    while i < len(src):
        m = GO_TOKEN.match(src, i)
        if not m:
            raise ValueError(src[i:i + 40])
        kind = m.lastgroup
        text = m.group(0)
        if kind == "raw":
            toks.append(("str", text[1:-1], line))
        elif kind == "str":
            toks.append(("str", json.loads(text), line))
        elif kind not in ("ws", "comment"):
            toks.append((kind, text, line))
        line += text.count("\n")
        i = m.end()
    return toks


class GoEval:
    def __init__(self, toks):
        self.t = toks
        self.env = {}

    def expr(self, i):
        kind, text, _ = self.t[i]
        if kind == "str":
            return text, i + 1
        if kind == "num":
            return int(text), i + 1
        if text == "[" and self.t[i + 1][1] == "]" and self.t[i + 2][1] == "byte":
            assert self.t[i + 3][1] == "("
            v, j = self.expr(i + 4)
            assert self.t[j][1] == ")"
            return v, j + 1
        if text == "integration.UnixOrWindows":
            a, j = self.expr(i + 2)
            assert self.t[j][1] == ","
            _, j = self.expr(j + 1)
            if self.t[j][1] == ",":
                j += 1
            assert self.t[j][1] == ")"
            return a, j + 1
        if text == "fmt.Appendf" or text == "fmt.Sprintf":
            j = i + 2
            if text == "fmt.Appendf":
                assert self.t[j][1] == "nil"
                j += 2
            fmt_str, j = self.expr(j)
            args = []
            while self.t[j][1] == ",":
                if self.t[j + 1][1] == ")":
                    j += 1
                    break
                a, j = self.expr(j + 1)
                args.append(a)
            assert self.t[j][1] == ")"
            return fmt_str % tuple(args), j + 1
        if kind == "ident" and text in self.env:
            return self.env[text], i + 1
        raise ValueError(f"go expr {text} line {self.t[i][2]}")

    def skip_value(self, i):
        depth = 0
        while True:
            t = self.t[i][1]
            if t in "([{":
                depth += 1
            elif t in ")]}":
                if depth == 0:
                    return i
                depth -= 1
            elif t == "," and depth == 0:
                return i
            i += 1

    def composite(self, i):
        """Parses `{Key: value, ...}` of lintTestParams; returns (dict, index after)."""
        assert self.t[i][1] == "{"
        out = {}
        i += 1
        while self.t[i][1] != "}":
            key = self.t[i][1]
            assert self.t[i + 1][1] == ":", (key, self.t[i + 1])
            j = i + 2
            if key in ("Warnings", "UnmarshalWarnings"):
                out[key], j = self.warnings(j)
            elif key == "FrontendAttrs":
                out[key], j = self.string_map(j)
            elif key in ("Dockerfile", "DockerIgnore", "BuildErr"):
                out[key], j = self.expr(j)
            else:
                out[key] = True
                j = self.skip_value(j)
            if self.t[j][1] == ",":
                j += 1
            i = j
        return out, i + 1

    def string_map(self, i):
        assert self.t[i][1] == "map"
        while self.t[i][1] != "{":
            i += 1
        i += 1
        out = {}
        while self.t[i][1] != "}":
            k, i = self.expr(i)
            assert self.t[i][1] == ":"
            v, i = self.expr(i + 1)
            out[k] = v
            if self.t[i][1] == ",":
                i += 1
        return out, i + 1

    def warnings(self, i):
        assert self.t[i][1] == "[" and self.t[i + 2][1] == "expectedLintWarning"
        i += 3
        assert self.t[i][1] == "{"
        i += 1
        out = []
        while self.t[i][1] != "}":
            if self.t[i][1] == "makeLintWarning":
                name, j = self.expr(i + 2)
                line, j = self.expr(j + 1)
                out.append(("MultipleInstructionsDisallowed", line))
                i = j + 1
            else:
                w = {}
                assert self.t[i][1] == "{"
                i += 1
                while self.t[i][1] != "}":
                    key = self.t[i][1]
                    j = i + 2
                    try:
                        w[key], j = self.expr(j)
                    except (ValueError, AssertionError):
                        j = self.skip_value(j)
                    if self.t[j][1] == ",":
                        j += 1
                    i = j
                i += 1
                out.append((w["RuleName"], w["Line"]))
            if self.t[i][1] == ",":
                i += 1
        return out, i + 1


def import_buildkit(repo):
    rel = "frontend/dockerfile/dockerfile_check_test.go"
    toks = go_tokens(open(os.path.join(repo, rel), encoding="utf-8").read())
    ev = GoEval(toks)
    groups = collections.OrderedDict()
    skipped = []
    func = ""
    n = 0
    i = 0
    while i < len(toks):
        kind, text, line = toks[i]
        if text == "func" and toks[i + 1][0] == "ident" and toks[i + 1][1].startswith("test"):
            func = toks[i + 1][1]
            groups.setdefault(func, [])
            n = 0
            ev.env = {}
            i += 2
            continue
        if kind == "ident" and toks[i + 1][1] in (":=", "=") and text in (
                "dockerfile", "dockerignore", "baseImg", "osName", "osStr", "buildErr", "hintStr"):
            try:
                ev.env[text], j = ev.expr(i + 2)
                i = j
                continue
            except (ValueError, AssertionError, TypeError):
                ev.env.pop(text, None)
                i += 2
                continue
        if text == "checkLinterWarnings" and toks[i - 1][1] != "func":
            j = i
            while toks[j][1] != "lintTestParams":
                j += 1
            try:
                params, j = ev.composite(j + 1)
            except (ValueError, AssertionError) as e:
                skipped.append(f"buildkit {rel}:{line} {func} ({e})")
                i += 1
                continue
            n += 1
            c = Case(f"{func}-{n}")
            c.source = f"buildkit {rel}:{line} {func}"
            c.judge = ["buildkit"]
            # `docker build --check` is the lint subrequest: UnmarshalWarnings where the test gives them (their lines
            # are not checked by BuildKit's test, so they are not judged here either), else Warnings.
            if "UnmarshalWarnings" in params:
                c.expect = sorted(f"{name}@*" for name, _ in params["UnmarshalWarnings"])
            else:
                c.expect = [f"{name}@{ln}" for name, ln in sorted(params.get("Warnings", []),
                                                                  key=lambda w: (w[1], w[0]))]
            for k, v in params.get("FrontendAttrs", {}).items():
                if k.startswith("build-arg:"):
                    c.build_args.append(f"{k[len('build-arg:'):]}={v}")
            if "DockerIgnore" in params:
                c.files[".dockerignore"] = params["DockerIgnore"]
            c.files["Dockerfile"] = params["Dockerfile"]
            groups[func].append(c)
            i = j
            continue
        i += 1
    groups.pop("testBaseImagePlatformMismatch", None)
    skipped.append(f"buildkit {rel} testBaseImagePlatformMismatch (needs a registry and a pulled image: "
                   "InvalidBaseImagePlatform cannot be judged from the Dockerfile)")
    return groups, skipped


# ----------------------------------------------------------------------------------------------- trivy-checks

def import_trivy(repo):
    import yaml  # python3-yaml
    groups = collections.OrderedDict()
    for path in sorted(glob.glob(os.path.join(repo, "checks", "docker", "*.yaml"))):
        rego = open(path[:-5] + ".rego", encoding="utf-8").read()
        avd = "AVD-" + re.search(r"#\s+id:\s*(DS-\d+)", rego).group(1)
        stem = os.path.basename(path)[:-5]
        doc = yaml.safe_load(open(path, encoding="utf-8"))
        cases = []
        for kind in ("bad", "good"):
            for k, df in enumerate(doc.get("dockerfile", {}).get(kind, []) or [], 1):
                c = Case(f"{avd}-{kind}-{k}")
                c.source = f"trivy-checks {os.path.relpath(path, repo)} {kind}[{k - 1}]"
                c.judge = [avd]
                if kind == "bad":
                    c.expect_min = {avd: 1}
                else:
                    c.expect = []
                c.files["Dockerfile"] = df if df.endswith("\n") else df + "\n"
                cases.append(c)
        groups[stem] = cases
    return groups, []


# ----------------------------------------------------------------------------------------------- checkov

def import_checkov(repo):
    import yaml
    groups = collections.OrderedDict()
    skipped = []
    base = os.path.join(repo, "tests", "dockerfile")
    # Python checks: tests/dockerfile/checks/test_<Name>.py with example_<Name>/<dir>/Dockerfile*
    for test in sorted(glob.glob(os.path.join(base, "checks", "test_*.py"))):
        name = os.path.basename(test)[5:-3]
        check_src = open(os.path.join(repo, "checkov", "dockerfile", "checks", name + ".py"), encoding="utf-8").read()
        ckv = re.search(r'id = "(CKV_DOCKER_\d+)"', check_src).group(1)
        src = open(test, encoding="utf-8").read()
        def resources(var):
            m = re.search(var + r" = ([\[{])([^\]}]*)[\]}]", src)
            return (re.findall(r'"(/[^"]+)"', m.group(2)), m.group(1) == "[") if m else ([], False)
        passing, _ = resources("passing_resources")
        failing, counted = resources("failing_resources")
        cases = []
        example = os.path.join(base, "checks", "example_" + name)
        for df in sorted(glob.glob(os.path.join(example, "*", "Dockerfile*"))):
            relf = "/" + os.path.relpath(df, example)
            fails = [r for r in failing if r.rsplit(".", 1)[0] == relf]
            passes = [r for r in passing if r.rsplit(".", 1)[0] == relf]
            if not fails and not passes:
                skipped.append(f"checkov {os.path.relpath(df, repo)} (not named in {os.path.basename(test)})")
                continue
            c = Case(f"{ckv}-{name}{relf.replace('/', '-')}")
            c.source = f"checkov {os.path.relpath(df, repo)} ({os.path.relpath(test, repo)}: " + \
                ("failing" if fails else "passing") + ")"
            c.judge = [ckv]
            if fails and counted:  # a list names the file once per failing instruction
                c.expect_count = {ckv: len(fails)}
            elif fails:
                c.expect_min = {ckv: 1}
            else:
                c.expect = []
            c.files["Dockerfile"] = open(df, encoding="utf-8").read()
            cases.append(c)
        groups[name] = cases
    # Graph checks: tests/dockerfile/graph_builder/checks/resources/<Name>/{expected.yaml,pass,fail}
    for res in sorted(glob.glob(os.path.join(base, "graph_builder", "checks", "resources", "*"))):
        name = os.path.basename(res)
        check_yaml = yaml.safe_load(open(os.path.join(repo, "checkov", "dockerfile", "checks", "graph_checks",
                                                      name + ".yaml"), encoding="utf-8"))
        ckv = check_yaml["metadata"]["id"]
        expected = yaml.safe_load(open(os.path.join(res, "expected.yaml"), encoding="utf-8"))
        fail_counts = collections.Counter(r.rsplit(".", 1)[0] for r in expected.get("fail", []) or [])
        cases = []
        for df in sorted(glob.glob(os.path.join(res, "*", "Dockerfile*"))):
            relf = os.path.relpath(df, res)
            c = Case(f"{ckv}-{name}-{relf.replace('/', '-')}")
            c.source = f"checkov {os.path.relpath(df, repo)} (expected.yaml: " + \
                (f"{fail_counts[relf]} failing" if fail_counts[relf] else "passing") + ")"
            c.judge = [ckv]
            if fail_counts[relf]:
                c.expect_count = {ckv: fail_counts[relf]}
            else:
                c.expect = []
            c.files["Dockerfile"] = open(df, encoding="utf-8").read()
            cases.append(c)
        groups[name] = cases
    return groups, skipped


# ----------------------------------------------------------------------------------------------- measure

def judged(case, finding_aliases):
    names = set()
    for j in case.judge:
        if j == "buildkit":
            names.update(BUILDKIT_CHECKS)
        else:
            names.add(j)
    return [a for a in finding_aliases if a in names]


def expect_matches(expect, got):
    """`expect` entries are ALIAS@LINE or ALIAS@* (any line); the judged findings must match them one to one."""
    rest = list(got)
    for e in sorted(expect, key=lambda x: x.endswith("@*")):
        if e.endswith("@*"):
            alias = e[:-2]
            hit = next((g for g in rest if g.split("@")[0] == alias), None)
        else:
            hit = e if e in rest else None
        if hit is None:
            return False
        rest.remove(hit)
    return not rest


def evaluate(case, findings):
    """findings: list of (aliases, line). Returns (agree, got description)."""
    got = []
    for aliases, line in findings:
        for a in judged(case, aliases):
            got.append(f"{a}@{line}")
    got.sort()
    counts = collections.Counter(g.split("@")[0] for g in got)
    ok = True
    if case.expect is not None:
        ok = ok and expect_matches(case.expect, got)
    for k, v in case.expect_count.items():
        ok = ok and counts[k] == v
    for k, v in case.expect_min.items():
        ok = ok and counts[k] >= v
    return ok, " ".join(got) if got else "none"


def run_case(customs, case, tmp):
    d = os.path.join(tmp, re.sub(r"[^A-Za-z0-9_.-]", "_", case.id))
    os.makedirs(d, exist_ok=True)
    for name, content in case.files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(content)
    cmd = [customs, "lint", "--format", "json", "--fail-on", "critical"]
    if case.config:
        with open(os.path.join(d, ".customs.yaml"), "w", encoding="utf-8") as f:
            f.write("lint: " + case.config + "\n")
        cmd += ["--config", os.path.join(d, ".customs.yaml")]
    for a in case.build_args:
        cmd += ["--build-arg", a]
    if case.target:
        cmd += ["--target", case.target]
    cmd.append(os.path.join(d, "Dockerfile"))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return None, p.stderr.strip()
    doc = json.loads(p.stdout)
    return [(f["aliases"], f["line"]) for f in doc["findings"]], ""


def measure(cases_dir, customs, verbose, minimum):
    suites = sorted(d for d in os.listdir(cases_dir) if os.path.isdir(os.path.join(cases_dir, d)))
    failed = False
    rows = []
    with tempfile.TemporaryDirectory(prefix="lint-conformance.") as tmp:
        for suite in suites:
            agree = total = 0
            for path in sorted(glob.glob(os.path.join(cases_dir, suite, "*.cases"))):
                for case in parse_cases(path):
                    total += 1
                    findings, err = run_case(customs, case, tmp)
                    if findings is None:
                        ok, got = False, "error: " + err.splitlines()[-1] if err else "error"
                    else:
                        ok, got = evaluate(case, findings)
                    agree += ok
                    if verbose and not ok:
                        want = " ".join(case.expect) if case.expect else ("none" if case.expect == [] else "")
                        want += "".join(f" {k}={v}" for k, v in case.expect_count.items())
                        want += "".join(f" {k}>={v}" for k, v in case.expect_min.items())
                        print(f"  {suite}/{case.id}: want {want.strip()}, got {got}"
                              f"{'  [deliberate: ' + case.disagree + ']' if case.disagree else ''}")
            pct = 100.0 * agree / total if total else 0.0
            rows.append((suite, agree, total, pct))
            failed = failed or pct < minimum
    print(f"{'suite':<14} {'agree':>6} {'cases':>6} {'percent':>8}")
    for suite, agree, total, pct in rows:
        print(f"{suite:<14} {agree:>6} {total:>6} {pct:>7.1f}%")
    return 1 if failed else 0


PROVENANCE = {
    "hadolint": ("hadolint/hadolint", "GPL-3.0", "test/Hadolint/Rule/DL*Spec.hs",
                 "Not copied. Each `ruleCatches`, `ruleCatchesNot`, `onBuildRuleCatches`, `onBuildRuleCatchesNot` and "
                 "`assertChecks ... (failsWith N ...)` example of the specs is expressed as our own minimal Dockerfile "
                 "(the Dockerfile text the spec lints, plus the newline hadolint's test helper appends; ONBUILD "
                 "variants wrap every RUN in ONBUILD as hadolint's helper does) and our own expectation: at least one "
                 "finding under the DL code, none, or exactly N. The spec's configuration (allowedRegistries, "
                 "labelSchema, strictLabels) becomes our config (trusted_registries, label_schema, strict_labels); "
                 "DL1001, off by default in hadolint and here, is enabled for its cases."),
    "buildkit": ("moby/buildkit", "Apache-2.0", "frontend/dockerfile/dockerfile_check_test.go",
                 "The Dockerfiles and .dockerignore files of every checkLinterWarnings call are copied (Unix variant "
                 "where the test has a Windows one), with the expected warnings (rule and line) of the lint "
                 "subrequest that `docker build --check` uses (UnmarshalWarnings where the test gives them, else "
                 "Warnings) and the build-arg: frontend attributes. BuildKit's test does not check the lines of "
                 "UnmarshalWarnings, so those cases expect the rules with any line (ALIAS@*)."),
    "trivy-checks": ("aquasecurity/trivy-checks", "Apache-2.0", "checks/docker/*.yaml",
                     "Every good and bad example Dockerfile is copied; a bad example must be reported under the "
                     "check's AVD id, a good one must not."),
    "checkov": ("bridgecrewio/checkov", "Apache-2.0", "tests/dockerfile/checks/example_*/ and "
                "tests/dockerfile/graph_builder/checks/resources/*/",
                "Every example Dockerfile named by the check tests is copied; failing examples must be reported "
                "under the check id (graph checks: as many instructions as expected.yaml lists), passing ones must "
                "not."),
}


def do_import(args):
    out = args.out
    os.makedirs(out, exist_ok=True)
    report = []
    for suite, repo, fn in (("hadolint", args.hadolint, import_hadolint), ("buildkit", args.buildkit, import_buildkit),
                            ("trivy-checks", args.trivy_checks, import_trivy),
                            ("checkov", args.checkov, import_checkov)):
        if not repo:
            continue
        commit = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        if not commit and os.path.exists(os.path.join(repo, "UPSTREAM_COMMIT")):  # an exported tree (git archive)
            commit = open(os.path.join(repo, "UPSTREAM_COMMIT"), encoding="utf-8").read().strip()
        groups, skipped = fn(repo)
        name, licence, files, how = PROVENANCE[suite]
        header = (f"# Conformance cases from github.com/{name} ({licence}) at {commit}; see PROVENANCE.\n"
                  f"# Regenerate: bench/lint_conformance.py import (keeps disagree: notes).\n")
        n = write_suite(out, suite, groups, header)
        with open(os.path.join(out, suite, "PROVENANCE"), "w", encoding="utf-8") as f:
            f.write(f"Source: https://github.com/{name} at commit {commit}\nLicence: {licence}\nFiles: {files}\n\n"
                    f"{how}\n\nCases: {n}\n")
            if skipped:
                f.write("\nNot imported:\n" + "".join(f"- {s}\n" for s in skipped))
        report.append(f"{suite}: {n} cases, {len(skipped)} not imported")
    print("\n".join(report))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("import", "measure"):
        p = sub.add_parser(name)
        p.add_argument("--hadolint")
        p.add_argument("--buildkit")
        p.add_argument("--trivy-checks")
        p.add_argument("--checkov")
        if name == "import":
            p.add_argument("--out", default=DEFAULT_CASES)
        else:
            p.add_argument("--cases", default=DEFAULT_CASES)
            p.add_argument("--customs", default=os.path.join(ROOT, "build", "dev", "cli", "customs"))
            p.add_argument("--verbose", "-v", action="store_true")
            p.add_argument("--min", type=float, default=95.0)
            p.add_argument("--upstream", action="store_true",
                           help="import from the given repositories into a temp dir and measure that")
    args = ap.parse_args()
    if args.cmd == "import":
        do_import(args)
        return 0
    if not os.access(args.customs, os.X_OK):
        print(f"no customs binary at {args.customs} (cmake --build build/dev --target customs)", file=sys.stderr)
        return 3
    if args.upstream:
        with tempfile.TemporaryDirectory(prefix="lint-conformance-import.") as tmp:
            args.out = tmp
            do_import(args)
            return measure(tmp, args.customs, args.verbose, args.min)
    return measure(args.cases, args.customs, args.verbose, args.min)


if __name__ == "__main__":
    sys.exit(main())
