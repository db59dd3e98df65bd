#!/usr/bin/env bash
# customs sbom versus Trivy on the Node and Python parts of an image: alternating runs, both must succeed and list the
# same language packages (customs' set within Trivy's, differences printed) before a ratio is printed.
#
# usage: bench/lang_meta_vs_trivy.sh [BUILD_DIR] [RUNS]      (BUILD_DIR default build/release)
#
# Inputs, built once into $CUSTOMS_BENCH_DIR (default build/bench-lang) from real artifacts:
#   node.tar       one layer: /app/node_modules of `npm install react-scripts@5.0.1 express@4.17.1 lodash@4.17.15`
#                  (the npm registry; about 1,400 package.json files, 380 MB)
#   node-30k.tar   one layer: the package.json files of that tree copied into 22 apps (/apps/appNN/node_modules:
#                  about 31,000 package.json files): the "30,000 node_modules packages" memory case
#   python.tar     one layer: /usr/lib/python3/dist-packages of bookworm with 70 python3-* packages (mmdebstrap) and
#                  /usr/local/lib/python3.11/dist-packages with Debian's wheels installed by pip. No dpkg database
#                  in the image, so neither tool can attribute the packages to the OS: both list all of them.
# Trivy runs offline with only its package analyzers (`--format cyclonedx` disables every scanner).
set -euo pipefail
BUILD=${1:-build/release}
RUNS=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CUSTOMS=$BUILD/cli/customs
DATA=${CUSTOMS_BENCH_DIR:-$ROOT/build/bench-lang}
TRIVY=$(bash "$ROOT/scripts/fetch-trivy.sh")
source "$HERE/compare.sh"
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
export MEASURE_OUT=$(mktemp)
CACHE=$(mktemp -d)
trap 'rm -rf "$MEASURE_OUT" "$CACHE"' EXIT

# image_of DIR OUT.tar CREATED_BY: a one-layer docker-archive of DIR's contents.
image_of() {
  local dir=$1 out=$2 work
  work=$(mktemp -d "$DATA/.work.XXXXXX")
  tar -C "$dir" --numeric-owner --sort=name -cf "$work/layer.tar" .
  umoci init --layout "$work/oci"
  umoci new --image "$work/oci:1"
  umoci config --image "$work/oci:1" --os=linux --architecture=amd64 --no-history
  umoci raw add-layer --image "$work/oci:1" --history.created_by="$3" "$work/layer.tar"
  skopeo copy -q "oci:$work/oci:1" "docker-archive:$out.tmp:bench/$(basename "$out" .tar):1"
  mv "$out.tmp" "$out"
  rm -rf "$work"
}

if [ ! -f "$DATA/node.tar" ] || [ ! -f "$DATA/node-30k.tar" ]; then
  echo "building the Node inputs (npm install from the registry)"
  rm -rf "$DATA/node" && mkdir -p "$DATA/node/app"
  echo '{"name":"bench","version":"1.0.0","private":true,"dependencies":{"react-scripts":"5.0.1","express":"4.17.1","lodash":"4.17.15"}}' \
    > "$DATA/node/app/package.json"
  (cd "$DATA/node/app" && npm install --silent --no-audit --no-fund --ignore-scripts >/dev/null)
  image_of "$DATA/node" "$DATA/node.tar" "COPY app /app"
  rm -rf "$DATA/node30k" && mkdir -p "$DATA/node30k/apps"
  for i in $(seq -w 1 22); do
    mkdir -p "$DATA/node30k/apps/app$i"
    (cd "$DATA/node/app" && find node_modules -name package.json -print0 |
      xargs -0 cp --parents -t "$DATA/node30k/apps/app$i")
  done
  image_of "$DATA/node30k" "$DATA/node-30k.tar" "COPY apps /apps"
  rm -rf "$DATA/node30k"
fi
if [ ! -f "$DATA/python.tar" ]; then
  echo "building the Python input (mmdebstrap, a few minutes)"
  PY_PKGS=python3-django,python3-flask,python3-requests,python3-numpy,python3-yaml,python3-jinja2,python3-boto3
  PY_PKGS+=,python3-pandas,python3-scipy,python3-sqlalchemy,python3-pytest,python3-cryptography,python3-sklearn
  PY_PKGS+=,python3-matplotlib,python3-sympy,python3-pip,python3-pip-whl,python3-setuptools-whl,python3-wheel-whl
  rm -rf "$DATA/pyroot" "$DATA/python"
  mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --skip=output/dev \
    --format=directory --aptopt='APT::Key::gpgvcommand "/usr/bin/gpgv"' --include="$PY_PKGS" \
    --customize-hook='chroot "$1" python3 -m pip install --quiet --break-system-packages --ignore-installed --no-index --no-deps /usr/share/python-wheels/*.whl' \
    bookworm "$DATA/pyroot" "deb ${CUSTOMS_DEBIAN_MIRROR:-http://deb.debian.org/debian} bookworm main" >/dev/null 2>&1
  mkdir -p "$DATA/python/usr/lib/python3" "$DATA/python/usr/local/lib/python3.11"
  cp -a "$DATA/pyroot/usr/lib/python3/dist-packages" "$DATA/python/usr/lib/python3/"
  cp -a "$DATA/pyroot/usr/local/lib/python3.11/dist-packages" "$DATA/python/usr/local/lib/python3.11/"
  # The oracle: importlib.metadata over the same two directories.
  chroot "$DATA/pyroot" python3 -c '
import importlib.metadata as m
for d in m.distributions(path=["/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11/dist-packages"]):
    print("pypi", d.metadata["Name"].lower().replace("_", "-").replace(".", "-"), d.version)' | sort -u \
    > "$DATA/python.oracle.txt"
  image_of "$DATA/python" "$DATA/python.tar" "COPY site-packages"
  rm -rf "$DATA/pyroot" "$DATA/python"
fi

# "type name version" rows of the language packages in a customs JSON SBOM / a Trivy CycloneDX document.
customs_rows() {
  python3 -c '
import json, sys, re
d = json.load(open(sys.argv[1]))
for p in d["packages"]:
    if p["type"] in ("npm", "pypi"):
        name = p["name"] if p["type"] == "npm" else re.sub(r"[-_.]+", "-", p["name"]).lower()
        print(p["type"], name, p["version"])' "$1" | sort -u
}
trivy_rows() {
  python3 -c '
import json, sys, re, urllib.parse
d = json.load(open(sys.argv[1]))
for c in d.get("components", []):
    purl = c.get("purl", "")
    m = re.match(r"pkg:(npm|pypi)/(.+)@([^?#]+)", purl)
    if not m:
        continue
    name = urllib.parse.unquote(m.group(2))
    if m.group(1) == "pypi":
        name = re.sub(r"[-_.]+", "-", name).lower()
    print(m.group(1), name, urllib.parse.unquote(m.group(3)))' "$1" | sort -u
}

echo "customs: $($CUSTOMS --version)   trivy: $($TRIVY --version 2>/dev/null | head -1)"
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
for image in node.tar node-30k.tar python.tar; do
  path=$DATA/$image
  # One checked run of each first: both succeed and agree on the packages.
  "$CUSTOMS" sbom --format json --no-cache "$path" -o "$CACHE/customs.json"
  "$TRIVY" image --quiet --cache-dir "$CACHE/trivy" --format cyclonedx --offline-scan --input "$path" \
    -o "$CACHE/trivy.json"
  rm -rf "$CACHE/trivy"
  customs_rows "$CACHE/customs.json" > "$CACHE/customs.rows"
  trivy_rows "$CACHE/trivy.json" > "$CACHE/trivy.rows"
  ours=$(wc -l < "$CACHE/customs.rows")
  theirs=$(wc -l < "$CACHE/trivy.rows")
  missing=$(comm -23 "$CACHE/customs.rows" "$CACHE/trivy.rows" | wc -l)
  extra=$(comm -13 "$CACHE/customs.rows" "$CACHE/trivy.rows")
  echo "== $image ($(du -h "$path" | cut -f1)): customs $ours distinct packages, trivy $theirs; customs-only $missing"
  if [ -n "$extra" ]; then echo "   trivy-only: $(echo "$extra" | tr '\n' ' ' | cut -c1-300)"; fi
  if [ "$image" = python.tar ]; then
    # importlib.metadata sees the distributions on sys.path; both tools also list dist-infos vendored inside packages
    # (python3-py ships py/_vendored_packages/apipkg-2.0.0.dist-info), which importlib cannot see from there.
    absent=$(comm -13 "$CACHE/customs.rows" "$DATA/python.oracle.txt")
    [ -z "$absent" ] || { echo "   customs misses distributions importlib.metadata lists: $absent"; exit 1; }
    echo "   customs lists every distribution importlib.metadata lists ($(wc -l < "$DATA/python.oracle.txt")), plus" \
      "$(comm -23 "$CACHE/customs.rows" "$DATA/python.oracle.txt" | tr '\n' ' ')(vendored)"
  fi
  [ "$missing" -eq 0 ] || { echo "customs lists packages Trivy does not: not comparable"; exit 1; }
  : > "$MEASURE_OUT"
  for _ in $(seq "$RUNS"); do
    measure_once customs "$CUSTOMS" sbom --format json --no-cache "$path"
    rm -rf "$CACHE/trivy"
    measure_once trivy "$TRIVY" image --quiet --cache-dir "$CACHE/trivy" --format cyclonedx --offline-scan --input "$path"
  done
  summarize customs trivy
done
