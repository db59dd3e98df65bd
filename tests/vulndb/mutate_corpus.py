#!/usr/bin/env python3
"""Writes 300 random mutations (byte flips, cuts, splices, structural tokens) of every file of a fuzz corpus.

Without clang-16 there is no libFuzzer here; this gives the replay drivers built with the asan-ubsan preset
something to chew on: python3 tests/vulndb/mutate_corpus.py fuzz/corpus/vulndb_osv_zip /tmp/m 7 &&
build/asan/src/vulndb/fuzz_vulndb_osv_zip /tmp/m
"""
import os, random, sys, shutil
random.seed(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
src, dst = sys.argv[1], sys.argv[2]
shutil.rmtree(dst, ignore_errors=True); os.makedirs(dst)
files = [os.path.join(r, f) for r, _, fs in os.walk(src) for f in fs]
tokens = [b'{', b'}', b'[', b']', b'"', b',', b':', b'\n', b'\t', b'\x00', b'\xff', b'null', b'0', b'-', b'/', b'[01 Jan 2020] DSA-1-1 x - y\n', b'{CVE-1 CVE-2}', b'CVSS:4.0/', b'R', b'- ']
n = 0
for f in files:
    data = open(f, 'rb').read()
    for i in range(300):
        d = bytearray(data)
        for _ in range(random.randint(1, 8)):
            op = random.randint(0, 4)
            if not d: d = bytearray(b'x')
            p = random.randrange(len(d))
            if op == 0: d[p] = random.randrange(256)
            elif op == 1: del d[p:p + random.randint(1, 50)]
            elif op == 2: d[p:p] = random.choice(tokens)
            elif op == 3: d = d[:p]
            else:
                q = random.randrange(len(d)); d[p:p] = d[q:q + random.randint(1, 100)]
        open(os.path.join(dst, '%06d' % n), 'wb').write(bytes(d)); n += 1
print(n)
