#!/usr/bin/env python3
"""Generate Composer version strings and pairs, and record composer/semver's own answers.

Usage: scripts/version_refgen_composer.py OUTDIR [--count N] [--seed S]
Needs php-cli and php-composer-semver (Debian packages; composer/semver 3.x). Writes
  OUTDIR/composer_normalize.txt.gz  "V N" lines: VersionParser::normalize(V), or "!" when it throws;
  OUTDIR/composer_pairs.txt.gz      "A B R" lines: R in < = > from version_compare() of the normalised forms (what
                                    Comparator::compare does), "!" when either side does not normalise or is a dev
                                    branch ("dev-x": Comparator orders it against nothing, not even by <=).
Strings never contain spaces (the files are space-separated).
"""
import argparse, gzip, os, random, subprocess, sys, tempfile

WORDS = ["stable", "beta", "b", "RC", "rc", "alpha", "a", "patch", "pl", "p", "Beta", "ALPHA", "dev", "foo"]

def number(r):
    k = r.random()
    if k < 0.1:
        return "0" + str(r.randint(0, 99))
    if k < 0.15:
        return str(r.randint(0, 9999999))
    if k < 0.18:
        return "9" * r.randint(18, 22)  # beyond 64 bits: strtol saturates
    return str(r.randint(0, 12))

def gen(r):
    k = r.random()
    if k < 0.05:
        return r.choice(["dev-main", "dev-master", "master", "trunk", "default", "dev-feature/x", "DEV-foo"])
    if k < 0.12:  # dates
        sep = r.choice(["", ".", "-", ":"])
        parts = [str(r.randint(1990, 2030)), "%02d" % r.randint(1, 12), "%02d" % r.randint(1, 28)]
        if r.random() < 0.3:
            parts.append("%02d" % r.randint(0, 23))
        v = sep.join(parts)
        if r.random() < 0.2:
            v += r.choice([".", "-", ""]) + str(r.randint(0, 999))
    elif k < 0.2:  # branches
        v = str(r.randint(0, 5)) + "".join("." + r.choice(["x", "X", "*", str(r.randint(0, 9))])
                                          for _ in range(r.randint(0, 3)))
        v += r.choice(["-dev", ".dev", "dev", "-DEV"])
        return ("v" if r.random() < 0.2 else "") + v
    else:
        v = ".".join(number(r) for _ in range(r.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])))
    if r.random() < 0.25:
        v = r.choice(["v", "V"]) + v
    if r.random() < 0.45:
        v += r.choice(["", "-", ".", "_"]) + r.choice(WORDS)
        for _ in range(r.choice([0, 0, 1, 1, 2])):
            v += r.choice(["", ".", "-"]) + str(r.randint(0, 12))
    if r.random() < 0.12:
        v += r.choice(["-dev", ".dev", "dev"])
    if r.random() < 0.08:
        v += "+" + r.choice(["build1", "abc.def", "20230101", ""])
    if r.random() < 0.05:
        v += "@" + r.choice(["dev", "stable", "beta", "RC"])
    return v

def mutate(r, v):
    k = r.random()
    if k < 0.3:
        return gen(r)
    i = r.randint(0, len(v))
    if k < 0.55:
        return v[:i] + r.choice([".", "-", "_", "0", "1", "a", "b", "p", "rc", "+", "x"]) + v[i:]
    if k < 0.7 and len(v) > 1:
        return (v[:i] + v[i + 1:]) or v
    if k < 0.9:
        return v + r.choice([".0", "-1", ".1", "-beta", "-RC1", "-dev", "pl1", "-p2", ".0.0"])
    return v

PHP = r'''<?php
require '/usr/share/php/Composer/Semver/autoload.php';
use Composer\Semver\VersionParser;
$p = new VersionParser();
$norm = function ($v) use ($p) { try { return $p->normalize($v); } catch (\Exception $e) { return null; } };
$lines = file($argv[1], FILE_IGNORE_NEW_LINES);
$out = fopen($argv[2], 'w');
foreach ($lines as $line) {
  [$a, $b] = explode(' ', $line);
  $na = $norm($a); $nb = $norm($b);
  if ($na === null || $nb === null) { $r = '!'; }
  elseif (strpos($na, 'dev-') === 0 || strpos($nb, 'dev-') === 0) { $r = '!'; }
  else { $c = version_compare($na, $nb); $r = $c < 0 ? '<' : ($c > 0 ? '>' : '='); }
  fwrite($out, ($na === null ? '!' : $na) . ' ' . ($nb === null ? '!' : $nb) . ' ' . $r . "\n");
}
'''

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=440)
    args = ap.parse_args()
    r = random.Random(args.seed)
    pairs = []
    while len(pairs) < args.count:
        a = gen(r)
        b = mutate(r, a) if r.random() < 0.7 else gen(r)
        if a and b and " " not in a + b:
            pairs.append((a, b))
    with tempfile.TemporaryDirectory() as tmp:
        script, inp, out = (os.path.join(tmp, n) for n in ("ref.php", "in.txt", "out.txt"))
        with open(script, "w") as f:
            f.write(PHP)
        with open(inp, "w") as f:
            f.writelines(f"{a} {b}\n" for a, b in pairs)
        subprocess.run(["php", script, inp, out], check=True)
        with open(out) as f:
            answers = [line.rstrip("\n").split(" ") for line in f]
    if len(answers) != len(pairs):
        sys.exit(f"php returned {len(answers)} answers for {len(pairs)} pairs")
    normalized = {}
    for (a, b), (na, nb, _) in zip(pairs, answers):
        normalized[a] = na
        normalized[b] = nb
    with gzip.open(os.path.join(args.outdir, "composer_normalize.txt.gz"), "wt", compresslevel=9) as g:
        for v in sorted(normalized):
            g.write(f"{v} {normalized[v]}\n")
    with gzip.open(os.path.join(args.outdir, "composer_pairs.txt.gz"), "wt", compresslevel=9) as g:
        for (a, b), (_, _, res) in zip(pairs, answers):
            g.write(f"{a} {b} {res}\n")

if __name__ == "__main__":
    main()
