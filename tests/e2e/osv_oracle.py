#!/usr/bin/env python3
"""An independent OSV range evaluation: which advisories affect which package versions, decided without customs.

The version orders come from each ecosystem's own reference implementation, never from customs' comparators:
  npm, Go    npm's own `semver` (the copy bundled with Debian's npm), through node
  PyPI       `packaging.version` (Debian python3-packaging, the PyPA implementation pip uses)
  Maven      `org.apache.maven.artifact.versioning.ComparableVersion` (Debian libmaven3-core-java), through java
  Packagist  composer/semver's VersionParser::normalize + version_compare (Debian php-composer-semver), through php
RubyGems, crates.io and NuGet have no reference implementation installed here and are left out (the script says so).
The range walk is the OSV schema's own evaluation ("Evaluation" in ossf.github.io/osv-schema), written here in Python.

  osv_oracle.py boundary-sbom --advisories DIR|ZIP... --out SBOM.json
      A CycloneDX SBOM of every (ecosystem, package, version) that the advisories name in an event or version list:
      the versions at which verdicts flip.
  osv_oracle.py expect --advisories DIR|ZIP... --sbom SBOM.json --out EXPECT.json
      For each package of the SBOM (any tool's: its purls), the advisory ids (and their aliases) that affect it.
  osv_oracle.py osv-api --cassette CASSETTE.yaml.gz --advisories ... --sbom-out SBOM.json --out EXPECT.json
      osv.dev's own recorded answers (an osv-scanner test cassette) as an SBOM of the queried packages and the
      expectation: the advisories osv.dev listed that we hold a record of.
  osv_oracle.py compare --expect EXPECT.json --report REPORT.json [--missed-only]
      Compares with `customs sbom-scan --format json`; prints every difference, exits 1 on any.
Advisory inputs are directories of OSV JSON and zips of them (YAML records are not read).
"""
import argparse, json, os, re, subprocess, sys, tempfile, urllib.parse, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ECOSYSTEMS = {"npm": "npm", "Go": "golang", "PyPI": "pypi", "Maven": "maven", "Packagist": "composer"}
PURL_TYPES = {v: k for k, v in ECOSYSTEMS.items()}
NPM_SEMVER = "/usr/lib/node_modules/npm/node_modules/semver"
MAVEN_JAR = "/usr/share/java/maven-artifact-3.x.jar"
COMPOSER = "/usr/share/php/Composer/Semver/autoload.php"


def load_records(paths):
    records = []
    for path in paths:
        if os.path.isdir(path):
            for root, _, files in os.walk(path):
                for f in sorted(files):
                    if f.endswith(".json"):
                        with open(os.path.join(root, f)) as fh:
                            records.append(json.load(fh))
        elif path.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                for n in z.namelist():
                    if n.endswith(".json"):
                        records.append(json.loads(z.read(n)))
    return [r for r in records if isinstance(r, dict) and "id" in r and not r.get("withdrawn")]


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def key_name(ecosystem, name):
    return pep503(name) if ecosystem == "PyPI" else (name.lower() if ecosystem == "Packagist" else name)


# ---- reference orders ----------------------------------------------------------------------------------------------
# Each returns {version: rank} for the versions it accepts (equal versions share a rank); rejected ones are absent.

def rank_with(cmp_sorted):
    ranks, rank, prev = {}, -1, None
    for group in cmp_sorted:
        rank += 1
        for v in group:
            ranks[v] = rank
    return ranks


def order_node(versions, go):
    js = r"""
const semver = require(process.argv[1]);
const go = process.argv[2] === 'go';
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const norm = v => go ? v.replace(/^v/, '') : v;
const ok = input.filter(v => semver.valid(norm(v), {loose: false}) !== null);
ok.sort((a, b) => semver.compare(norm(a), norm(b)));
const groups = [];
for (const v of ok) {
  if (groups.length && semver.compare(norm(groups[groups.length - 1][0]), norm(v)) === 0) groups[groups.length - 1].push(v);
  else groups.push([v]);
}
process.stdout.write(JSON.stringify(groups));
"""
    out = subprocess.run(["node", "-e", js, NPM_SEMVER, "go" if go else "npm"], input=json.dumps(sorted(versions)),
                         capture_output=True, text=True, check=True).stdout
    return rank_with(json.loads(out))


def order_pypi(versions):
    from packaging.version import Version, InvalidVersion
    parsed = []
    for v in versions:
        try:
            parsed.append((Version(v), v))
        except InvalidVersion:
            pass
    parsed.sort()
    groups = []
    for pv, v in parsed:
        if groups and groups[-1][0][0] == pv:
            groups[-1].append((pv, v))
        else:
            groups.append([(pv, v)])
    return rank_with([[v for _, v in g] for g in groups])


def order_maven(versions):
    src = r"""
import org.apache.maven.artifact.versioning.ComparableVersion;
import java.util.*;
public class Order {
  public static void main(String[] a) throws Exception {
    List<String> vs = new ArrayList<>();
    Scanner s = new Scanner(System.in, "UTF-8");
    while (s.hasNextLine()) { String l = s.nextLine(); if (!l.isEmpty()) vs.add(l); }
    vs.sort((x, y) -> new ComparableVersion(x).compareTo(new ComparableVersion(y)));
    StringBuilder out = new StringBuilder();
    String prev = null;
    for (String v : vs) {
      if (prev != null && new ComparableVersion(prev).compareTo(new ComparableVersion(v)) != 0) out.append("\n");
      else if (prev != null) out.append("\t");
      out.append(v);
      prev = v;
    }
    System.out.print(out);
  }
}
"""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "Order.java")
        with open(path, "w") as f:
            f.write(src)
        out = subprocess.run(["java", "-cp", MAVEN_JAR, path], input="\n".join(sorted(versions)) + "\n",
                             capture_output=True, text=True, check=True).stdout
    return rank_with([line.split("\t") for line in out.split("\n") if line])


def order_composer(versions):
    php = r"""<?php
require getenv('COMPOSER_AUTOLOAD');
$p = new Composer\Semver\VersionParser();
$vs = json_decode(stream_get_contents(STDIN), true);
$ok = [];
foreach ($vs as $v) { try { $n = $p->normalize($v); if (strpos($n, 'dev-') !== 0) $ok[$v] = $n; } catch (\Exception $e) {} }
uksort($ok, function ($a, $b) use ($ok) { return version_compare($ok[$a], $ok[$b]); });
$groups = []; $prev = null;
foreach ($ok as $v => $n) {
  if ($prev !== null && version_compare($ok[$prev], $n) === 0) $groups[count($groups) - 1][] = (string)$v;
  else $groups[] = [(string)$v];
  $prev = $v;
}
echo json_encode($groups);
"""
    with tempfile.NamedTemporaryFile("w", suffix=".php", delete=False) as f:
        f.write(php)
        script = f.name
    try:
        out = subprocess.run(["php", script], input=json.dumps(sorted(versions)), capture_output=True, text=True,
                             check=True, env=dict(os.environ, COMPOSER_AUTOLOAD=COMPOSER)).stdout
    finally:
        os.unlink(script)
    return rank_with(json.loads(out))


def missing_tools():
    missing = []
    if not os.path.isdir(NPM_SEMVER) or subprocess.run(["which", "node"], capture_output=True).returncode:
        missing.append("node with npm's semver (nodejs, npm)")
    try:
        import packaging  # noqa: F401
    except ImportError:
        missing.append("python3-packaging")
    try:
        import yaml  # noqa: F401
    except ImportError:
        missing.append("python3-yaml")
    if not os.path.exists(MAVEN_JAR) or subprocess.run(["which", "java"], capture_output=True).returncode:
        missing.append("java + maven-artifact (default-jdk-headless, libmaven3-core-java)")
    if not os.path.exists(COMPOSER) or subprocess.run(["which", "php"], capture_output=True).returncode:
        missing.append("php + composer/semver (php-cli, php-composer-semver)")
    return missing


def ranks_for(ecosystem, versions):
    versions = set(versions)
    if ecosystem == "npm":
        return order_node(versions, go=False)
    if ecosystem == "Go":
        return order_node(versions, go=True)
    if ecosystem == "PyPI":
        return order_pypi(versions)
    if ecosystem == "Maven":
        return order_maven(versions)
    if ecosystem == "Packagist":
        return order_composer(versions)
    raise ValueError(ecosystem)


# ---- the OSV walk ---------------------------------------------------------------------------------------------------

def affected(version, entry, rank):
    """OSV "Evaluation": a version is affected by an entry when it is listed, or when some range leaves it vulnerable."""
    if version not in rank:
        return None  # the reference rejects the installed version: no verdict
    r = rank[version]
    if any(v in rank and rank[v] == r for v in entry.get("versions", [])):
        return True
    for rng in entry.get("ranges", []):
        if rng.get("type") == "GIT":
            continue
        events = []
        for e in rng.get("events", []):
            (kind, v), = e.items()
            if kind == "introduced" and v == "0":
                events.append((-1, 0, kind, v))
            elif v in rank:
                events.append((rank[v], 1, kind, v))
            else:
                events = None  # a bound the reference rejects: the range cannot be evaluated
                break
        if events is None:
            continue
        limits = [e for e in events if e[2] == "limit"]
        vulnerable = False
        for er, _, kind, v in sorted([e for e in events if e[2] != "limit"], key=lambda e: (e[0], e[1])):
            if kind == "introduced" and (v == "0" or r >= er):
                vulnerable = True
            elif kind == "fixed" and r >= er:
                vulnerable = False
            elif kind == "last_affected" and r > er:
                vulnerable = False
        if vulnerable and limits:
            vulnerable = any(v == "*" or r < er for er, _, _, v in limits)
        if vulnerable:
            return True
    return False


def purl_of(ecosystem, name, version):
    q = lambda s: urllib.parse.quote(s, safe=".-_~")
    t = ECOSYSTEMS[ecosystem]
    if ecosystem == "Maven":
        group, _, artifact = name.rpartition(":")
        path = f"{q(group)}/{q(artifact)}"
    elif ecosystem in ("npm", "Packagist") and "/" in name:
        ns, _, n = name.rpartition("/")
        path = f"{q(ns)}/{q(n)}"
    elif ecosystem == "Go":
        path = "/".join(q(p) for p in name.split("/"))
    else:
        path = q(name)
    return f"pkg:{t}/{path}@{q(version)}"


def parse_purl(purl):
    m = re.match(r"^pkg:([^/]+)/([^?#]*?)(?:@([^?#]*))?(?:[?#].*)?$", purl)
    if not m:
        return None
    t = m.group(1).lower()
    if t not in PURL_TYPES:
        return None
    parts = [urllib.parse.unquote(p) for p in m.group(2).split("/")]
    version = urllib.parse.unquote(m.group(3) or "")
    ecosystem = PURL_TYPES[t]
    name = ":".join(parts) if ecosystem == "Maven" else "/".join(parts)
    if ecosystem == "Go" and name == "stdlib":
        version = re.sub(r"^(go|v)", "", version)
    return ecosystem, name, version


def sbom_packages(path):
    with open(path) as f:
        doc = json.load(f)
    out = []
    def walk(components):
        for c in components or []:
            if c.get("purl"):
                p = parse_purl(c["purl"])
                if p and p[2]:
                    out.append(p)
            walk(c.get("components"))
    if doc.get("bomFormat") == "CycloneDX":
        walk(doc.get("components"))
    else:
        for p in doc.get("packages", []):
            for r in p.get("externalRefs", []):
                if r.get("referenceType") == "purl":
                    q = parse_purl(r["referenceLocator"])
                    if q and q[2]:
                        out.append(q)
    return sorted(set(out))


def index_entries(records):
    by_package = {}
    for r in records:
        for a in r.get("affected", []):
            eco = a.get("package", {}).get("ecosystem")
            if eco not in ECOSYSTEMS:
                continue
            name = a["package"]["name"]
            by_package.setdefault((eco, key_name(eco, name)), []).append((r, a))
    return by_package


def cmd_boundary(args):
    records = load_records(args.advisories)
    packages = set()
    keep = re.compile(args.package_filter)
    for (eco, _), entries in index_entries(records).items():
        for r, a in entries:
            name = a["package"]["name"]
            if not keep.search(f"{eco}|{name}"):
                continue
            for rng in a.get("ranges", []):
                if rng.get("type") == "GIT":
                    continue
                for e in rng.get("events", []):
                    (_, v), = e.items()
                    if v not in ("0", "*"):
                        packages.add((eco, name, v))
            for v in a.get("versions", []):
                packages.add((eco, name, v))
    components = [{"type": "library", "name": n, "version": v, "purl": purl_of(e, n, v)}
                  for e, n, v in sorted(packages)]
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components}
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"oracle: {len(components)} package versions at the advisories' boundaries")


def cmd_expect(args):
    records = load_records(args.advisories)
    entries = index_entries(records)
    packages = sbom_packages(args.sbom)
    by_eco = {}
    for eco, name, version in packages:
        by_eco.setdefault(eco, []).append((name, version))
    expect, unreadable = {}, []
    for eco, items in by_eco.items():
        versions = set(v for _, v in items)
        for name, _ in items:
            for r, a in entries.get((eco, key_name(eco, name)), []):
                for rng in a.get("ranges", []):
                    for e in rng.get("events", []):
                        versions.update(v for v in e.values() if v not in ("0", "*"))
                versions.update(a.get("versions", []))
        rank = ranks_for(eco, versions)
        for name, version in items:
            ids = set()
            verdicts = []
            for r, a in entries.get((eco, key_name(eco, name)), []):
                verdict = affected(version, a, rank)
                verdicts.append(verdict)
                if verdict:
                    ids.add(r["id"])
            if verdicts and all(v is None for v in verdicts):
                unreadable.append(f"{eco}|{name}|{version}")
                continue  # the reference cannot read this version: no expectation
            aliases = {}
            for r, a in entries.get((eco, key_name(eco, name)), []):
                aliases[r["id"]] = [r["id"]] + r.get("aliases", [])
            expect[f"{eco}|{name}|{version}"] = {i: aliases[i] for i in sorted(ids)}
    with open(args.out, "w") as f:
        json.dump({"judged": expect, "unreadable": sorted(unreadable)}, f, indent=1, sort_keys=True)
    n_aff = sum(1 for v in expect.values() if v)
    print(f"oracle: {len(expect)} packages judged ({n_aff} affected), {len(unreadable)} the reference cannot read")


def cmd_osv_api(args):
    """osv.dev's own answers, recorded (osv-scanner's test cassette): the packages it was asked about, as an SBOM,
    and as the expectation the advisories we hold for each (the ids osv.dev returned that we have records of)."""
    import gzip
    import yaml
    with gzip.open(args.cassette) as f:
        cassette = yaml.safe_load(f)
    answers = {}
    for interaction in cassette["interactions"]:
        body = interaction["request"].get("body")
        if not body or "querybatch" not in interaction["request"].get("url", "querybatch"):
            continue
        request = json.loads(body)
        if "queries" not in request:
            continue
        response = json.loads(interaction["response"]["body"])
        for query, result in zip(request["queries"], response["results"]):
            eco, name, version = query["package"]["ecosystem"], query["package"]["name"], query.get("version", "")
            if eco in ECOSYSTEMS and version:
                answers[(eco, name, version)] = {v["id"] for v in result.get("vulns", [])}
    entries = index_entries(load_records(args.advisories))
    expect = {}
    for (eco, name, version), ids in sorted(answers.items()):
        known = {}
        for r, a in entries.get((eco, key_name(eco, name)), []):
            known[r["id"]] = [r["id"]] + r.get("aliases", [])
        expect[f"{eco}|{name}|{version}"] = {i: known[i] for i in sorted(ids) if i in known}
    with open(args.out, "w") as f:
        json.dump({"judged": expect, "unreadable": []}, f, indent=1, sort_keys=True)
    components = [{"type": "library", "name": n, "version": v, "purl": purl_of(e, n, v)}
                  for (e, n, v) in sorted(answers)]
    with open(args.sbom_out, "w") as f:
        json.dump({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components}, f)
    print(f"osv.dev answers: {len(answers)} packages, {sum(1 for v in expect.values() if v)} with advisories we hold")


def cmd_compare(args):
    with open(args.expect) as f:
        oracle = json.load(f)
    expect, unreadable = oracle["judged"], set(oracle["unreadable"])
    with open(args.report) as f:
        report = json.load(f)
    type_to_eco = {v: k for k, v in ECOSYSTEMS.items()}
    got = {}
    for finding in report["findings"] + [s for s in report.get("suppressed", [])]:
        p = finding["package"]
        eco = type_to_eco.get(p["type"])
        if eco is None:
            continue
        ids = set([finding["id"]] + finding.get("aliases", []) + [finding["advisory"]["record"]])
        got.setdefault(f"{eco}|{p['name']}|{p['version']}", []).append(ids)
    differences, extra_only = 0, 0
    for key, want in sorted(expect.items()):
        findings = got.get(key, [])
        for advisory, names in want.items():
            if not any(set(names) & ids for ids in findings):
                print(f"MISSED   {key}: {advisory} (the reference order says affected)")
                differences += 1
        for ids in findings:
            if not any(set(names) & ids for names in want.values()):
                if args.missed_only:
                    extra_only += 1
                    continue
                print(f"EXTRA    {key}: {sorted(ids)[0]} (the reference order says not affected)")
                differences += 1
    for key in sorted(set(got) - set(expect)):
        print(f"UNJUDGED {key}: customs reports {len(got[key])} finding(s) the oracle could not judge")
    # A version the reference cannot read is one customs must name as unchecked (an incomplete diagnostic), and the
    # other way round: an incomplete diagnostic names a version the reference cannot read either.
    named = set()
    for d in report.get("diagnostics", []):
        if d.get("level") != "incomplete" or d.get("source") != "match":
            continue
        m = re.match(r"^(\S+) (.+) (\S+): not checked", d.get("message", ""))
        if not m:
            continue
        key = f"{m.group(1)}|{m.group(2)}|{m.group(3)}"
        named.add(key)
        if key not in unreadable:
            print(f"UNCHECKED {key}: customs could not read a version the reference orders")
            differences += 1
    for key in sorted(unreadable - named):
        print(f"SILENT   {key}: neither customs nor the reference reads it, and customs did not say so")
        differences += 1
    judged = len(expect)
    affected_n = sum(1 for v in expect.values() if v)
    if args.missed_only:
        print(f"oracle compare: {extra_only} finding(s) from records the reference did not list (newer records, or "
              f"ones it lacked) not counted")
    print(f"oracle compare: {judged} packages, {affected_n} affected, {differences} difference(s)")
    return 1 if differences else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("boundary-sbom")
    b.add_argument("--advisories", nargs="+", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--package-filter", default="", help="regex on 'ECOSYSTEM|name' choosing the packages")
    e = sub.add_parser("expect")
    e.add_argument("--advisories", nargs="+", required=True)
    e.add_argument("--sbom", required=True)
    e.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--expect", required=True)
    c.add_argument("--report", required=True)
    c.add_argument("--missed-only", action="store_true",
                   help="count only advisories the reference lists and customs misses (a recorded answer is older "
                        "than the advisories)")
    o = sub.add_parser("osv-api")
    o.add_argument("--cassette", required=True)
    o.add_argument("--advisories", nargs="+", required=True)
    o.add_argument("--sbom-out", required=True)
    o.add_argument("--out", required=True)
    sub.add_parser("missing-tools")
    args = ap.parse_args()
    if args.cmd == "missing-tools":
        print("; ".join(missing_tools()))
        return 0
    if args.cmd == "boundary-sbom":
        return cmd_boundary(args) or 0
    if args.cmd == "expect":
        return cmd_expect(args) or 0
    if args.cmd == "osv-api":
        return cmd_osv_api(args) or 0
    return cmd_compare(args)


if __name__ == "__main__":
    sys.exit(main())
