#!/usr/bin/env python3
"""Generate hard dpkg/rpm version pairs and record the reference tools' answers.

Usage: scripts/version_refgen.py OUTDIR [--count N] [--seed S]
Writes OUTDIR/dpkg_pairs.txt.gz and OUTDIR/rpm_pairs.txt.gz, one "A B R" line per pair, R in < = >.
References: `dpkg --compare-versions` (one process per pair) and ONE `rpm --eval` lua loop over all rpm pairs.
Every generated version is valid for the reference tool (dpkg versions start with a digit and use only
[A-Za-z0-9.+~-:]; rpm accepts any non-empty string, we keep to printable non-space ASCII).
"""
import argparse, concurrent.futures, gzip, os, random, subprocess, sys, tempfile

def digits(r):
    k = r.random()
    if k < 0.15:
        return "0" * r.randint(1, 3) + str(r.randint(0, 99))  # leading zeros
    if k < 0.25:
        return "".join(r.choice("0123456789") for _ in range(r.randint(19, 45)))  # > 64 bits
    if k < 0.35:
        return "18446744073709551615"[: r.randint(15, 20)] + r.choice(["", "0", "6", "9"])
    return str(r.randint(0, 12))

def letters(r):
    return "".join(r.choice("abcxyzABZ") for _ in range(r.randint(1, 3)))

def dpkg_part(r, seps, first_digit):
    out = [digits(r)] if first_digit else []
    for _ in range(r.randint(0, 5)):
        k = r.random()
        if k < 0.35: out.append(r.choice(seps))
        elif k < 0.6: out.append(digits(r))
        elif k < 0.8: out.append(letters(r))
        else: out.append("~" * r.randint(1, 2))
    return "".join(out)

def gen_dpkg(r):
    epoch = ""
    if r.random() < 0.3:
        epoch = r.choice(["0", "1", "2", "00", "01", "10", "2147483647"]) + ":"
    up = dpkg_part(r, ".+~", True)
    if epoch and r.random() < 0.2:
        up += ":" + dpkg_part(r, ".+", True)
    rev = ""
    if r.random() < 0.6:
        if r.random() < 0.2:
            up += "-" + dpkg_part(r, ".+", True)  # hyphen inside upstream
        rev = "-" + (dpkg_part(r, ".+~", r.random() < 0.8) or "0")
    return epoch + up + rev

def gen_rpm(r):
    epoch = ""
    k = r.random()
    if k < 0.25:
        epoch = r.choice(["0", "1", "2", "00", "01", "10", ""]) + ":"
    out = [digits(r)] if r.random() < 0.9 else [letters(r)]
    for _ in range(r.randint(0, 6)):
        k = r.random()
        if k < 0.3: out.append(r.choice([".", ".", "_", "+", "..", "%", "@", "-"]))
        elif k < 0.55: out.append(digits(r))
        elif k < 0.75: out.append(letters(r))
        elif k < 0.88: out.append("~" * r.randint(1, 2))
        else: out.append("^" * r.randint(1, 2))
    return epoch + "".join(out)

def mutate(r, v, gen):
    k = r.random()
    if k < 0.2: return gen(r)
    i = r.randint(0, len(v))
    if k < 0.45:  # insert
        return v[:i] + r.choice(["~", "^", "0", "00", "a", ".", "1", "+"]) + v[i:]
    if k < 0.6 and len(v) > 1:  # delete
        j = min(len(v), i + 1)
        w = v[:i] + v[j:]
        return w or v
    if k < 0.8:
        return v + r.choice(["~", "^", ".0", "0", "a", "~rc1", "^post", "-1", ".1"])
    return v

def dpkg_valid(v):
    # dpkg rejects mutations that break its syntax; keep only what dpkg accepts without warning.
    if not v or v.startswith(":") or v.endswith(":") or v.endswith("-"):
        return False
    ep, _, rest = v.partition(":") if ":" in v else ("", "", v)
    if ":" in v and (not ep.isdigit() or int(ep) > 2147483647):
        return False
    up, _, rev = rest.rpartition("-") if "-" in rest else (rest, "", "")
    if not up or not up[0].isdigit():
        return False
    if ":" in up and ":" not in v:
        return False
    ok_up = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+~-:")
    ok_rev = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+~")
    return set(up) <= ok_up and set(rev) <= ok_rev

def dpkg_cmp(pair):
    a, b = pair
    if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0:
        return "<"
    if subprocess.run(["dpkg", "--compare-versions", a, "eq", b]).returncode == 0:
        return "="
    return ">"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=440)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    r = random.Random(args.seed)

    dpkg_pairs = []
    while len(dpkg_pairs) < args.count:
        a = gen_dpkg(r)
        b = mutate(r, a, gen_dpkg) if r.random() < 0.7 else gen_dpkg(r)
        if dpkg_valid(a) and dpkg_valid(b):
            dpkg_pairs.append((a, b))
    rpm_pairs = []
    while len(rpm_pairs) < args.count:
        a = gen_rpm(r)
        b = mutate(r, a, gen_rpm) if r.random() < 0.7 else gen_rpm(r)
        if a and b and " " not in a + b:
            rpm_pairs.append((a, b))

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rpm_pairs.txt")
        with open(path, "w") as f:
            for a, b in rpm_pairs:
                f.write(f"{a}\n{b}\n")
        # rpm's lua print() output is concatenated without newlines, hence the "," separator.
        lua = ('%{lua: local it = io.lines("' + path + '") '
               'for a in it do local b = it() print(rpm.vercmp(a, b) .. ",") end}')
        out = subprocess.run(["rpm", "--eval", lua], check=True, capture_output=True, text=True).stdout
        out = [x for x in out.strip().split(",") if x]
        if len(out) != len(rpm_pairs):
            sys.exit(f"rpm returned {len(out)} answers for {len(rpm_pairs)} pairs")
        sign = {"-1": "<", "0": "=", "1": ">"}
        with gzip.open(os.path.join(args.outdir, "rpm_pairs.txt.gz"), "wt", compresslevel=9) as g:
            for (a, b), res in zip(rpm_pairs, out):
                g.write(f"{a} {b} {sign[res]}\n")

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        answers = list(ex.map(dpkg_cmp, dpkg_pairs, chunksize=256))
    with gzip.open(os.path.join(args.outdir, "dpkg_pairs.txt.gz"), "wt", compresslevel=9) as g:
        for (a, b), res in zip(dpkg_pairs, answers):
            g.write(f"{a} {b} {res}\n")

if __name__ == "__main__":
    main()
