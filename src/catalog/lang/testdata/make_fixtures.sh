#!/usr/bin/env bash
# Regenerates the language-cataloger fixtures in this directory from real tools and real packages: npm, yarn (classic
# and berry) and pnpm from the npm registry; Python, Ruby, Bundler, Composer and Rust crates from Debian 12 packages.
# Each fixture sits next to the answer of the tool that made it (the oracle). Needs root (apt-get), the npm registry
# and the Debian archive; nothing here runs during the tests. See PROVENANCE.md.
#
#   make_fixtures.sh [WORK_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
export DEBIAN_FRONTEND=noninteractive
command -v npm >/dev/null || { echo "make_fixtures: needs node and npm" >&2; exit 1; }
PKGS=(ruby ruby-rack ruby-bundler composer php-cli python3 python3-pip python3-pip-whl python3-urllib3 \
  python3-setuptools-whl python3-wheel-whl python3-requests librust-serde-dev librust-itoa-dev librust-cfg-if-dev)
command -v cargo >/dev/null || PKGS+=(cargo)
apt-get -o APT::Key::gpgvcommand=/usr/bin/gpgv install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null

# --- Node -------------------------------------------------------------------------------------------------------
# One project: scoped packages, nested duplicates at other versions (debug, ms, minimist), old lodash and minimist,
# packages with package.json files that are not packages (@babel/runtime/helpers/esm, resolve's test fixtures, one
# of them malformed on purpose upstream).
NODE_PKG='{
  "name": "customs-lang-meta-fixture",
  "version": "1.0.0",
  "private": true,
  "dependencies": {
    "@babel/code-frame": "7.12.13",
    "@babel/runtime": "7.20.0",
    "debug": "4.3.4",
    "express": "4.17.1",
    "lodash": "4.17.15",
    "minimist": "1.2.0",
    "mkdirp": "0.5.1",
    "resolve": "1.22.1"
  },
  "devDependencies": {
    "@types/node": "18.11.9"
  }
}'
T="$WORK/tools"
mkdir -p "$T" && (cd "$T" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund yarn@1.22.22 \
  @yarnpkg/cli-dist@4 pnpm@8 >/dev/null)
mkdir -p "$T/pnpm9" "$T/pnpm7"
(cd "$T/pnpm9" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund pnpm@9 >/dev/null)
(cd "$T/pnpm7" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund pnpm@7 >/dev/null)
NPM_OPTS=(--no-audit --no-fund --omit-lockfile-registry-resolved=false)

P="$WORK/node"
rm -rf "$P" && mkdir -p "$P" && echo "$NODE_PKG" > "$P/package.json"
(cd "$P" && npm install "${NPM_OPTS[@]}" --lockfile-version 3 >/dev/null)
OUT="$HERE/node/project"
rm -rf "$OUT" && mkdir -p "$OUT"
cp "$P/package.json" "$OUT/"
(cd "$P" && find node_modules -name package.json -print0 | xargs -0 -I{} cp --parents {} "$OUT/")
(cd "$P" && npm ls --all --parseable --long) | sed "s#^$P##" > "$HERE/node/npm-ls.txt"

L="$HERE/node/lockfiles"
rm -rf "$L" && mkdir -p "$L"
for v in 1 2 3; do
  d="$WORK/lock$v" && rm -rf "$d" && mkdir -p "$d" && echo "$NODE_PKG" > "$d/package.json"
  (cd "$d" && npm install "${NPM_OPTS[@]}" --package-lock-only --lockfile-version $v >/dev/null)
  cp "$d/package-lock.json" "$L/package-lock.v$v.json"
done
d="$WORK/yarn1" && rm -rf "$d" && mkdir -p "$d" && echo "$NODE_PKG" > "$d/package.json"
(cd "$d" && node "$T/node_modules/yarn/bin/yarn.js" install --registry https://registry.npmjs.org --ignore-scripts \
  --non-interactive >/dev/null && node "$T/node_modules/yarn/bin/yarn.js" list --json --offline > "$WORK/yarn1.json")
cp "$d/yarn.lock" "$L/yarn-v1.lock"
# yarn list prints trees; entries without "shadow" carry the installed version.
node -e '
const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).data.trees;
const out = new Set();
const walk = (n) => { if (!n.shadow) out.add(n.name); (n.children || []).forEach(walk); };
t.forEach(walk);
console.log([...out].sort().join("\n"));' "$WORK/yarn1.json" > "$L/yarn-v1.oracle.txt"
d="$WORK/berry" && rm -rf "$d" && mkdir -p "$d" && echo "$NODE_PKG" > "$d/package.json" && touch "$d/yarn.lock"
BERRY=(env YARN_ENABLE_TELEMETRY=0 YARN_NPM_REGISTRY_SERVER=https://registry.npmjs.org YARN_NODE_LINKER=node-modules
  YARN_ENABLE_GLOBAL_CACHE=0 node "$T/node_modules/@yarnpkg/cli-dist/bin/yarn.js")
(cd "$d" && "${BERRY[@]}" install >/dev/null && "${BERRY[@]}" info --all --recursive --json --name-only |
  tr -d '"' | sed 's/@npm:/@/' | sort -u > "$L/yarn-berry.oracle.txt")
cp "$d/yarn.lock" "$L/yarn-berry.lock"
for v in 7:pnpm7/node_modules/pnpm 8:node_modules/pnpm 9:pnpm9/node_modules/pnpm; do
  d="$WORK/pnpm${v%%:*}" && rm -rf "$d" && mkdir -p "$d" && echo "$NODE_PKG" > "$d/package.json"
  (cd "$d" && node "$T/${v#*:}/bin/pnpm.cjs" install --ignore-scripts >/dev/null &&
    node "$T/${v#*:}/bin/pnpm.cjs" ls --depth Infinity --parseable --long | tail -n +2 | sed 's/^[^:]*://' |
    sed 's/:PRIVATE$//' | sort -u > "$L/pnpm-lock.pnpm${v%%:*}.oracle.txt")
  cp "$d/pnpm-lock.yaml" "$L/pnpm-lock.pnpm${v%%:*}.yaml"
done

# --- Python -----------------------------------------------------------------------------------------------------
# Debian's own metadata (egg-info directories and dist-info) and wheels that Debian ships, installed with Debian's pip
# into a private target directory; the oracle is importlib.metadata over both directories.
PY="$HERE/python"
rm -rf "$PY" && mkdir -p "$PY/dist-packages" "$PY/site-packages"
for d in /usr/lib/python3/dist-packages/*.dist-info /usr/lib/python3/dist-packages/*.egg-info; do
  name=$(basename "$d")
  case "$name" in urllib3-* | requests-* | pip-* | idna-* | certifi-* | chardet-* | charset_normalizer-*) ;; *) continue ;; esac
  mkdir -p "$PY/dist-packages/$name"
  for f in METADATA PKG-INFO; do [ -f "$d/$f" ] && cp "$d/$f" "$PY/dist-packages/$name/"; done
done
S="$WORK/site"
rm -rf "$S" && /usr/bin/python3 -m pip install --quiet --no-index --no-deps --target "$S" /usr/share/python-wheels/*.whl
for d in "$S"/*.dist-info; do mkdir -p "$PY/site-packages/$(basename "$d")" && cp "$d/METADATA" "$PY/site-packages/$(basename "$d")/"; done
/usr/bin/python3 - "$PY/dist-packages" "$PY/site-packages" > "$PY/importlib.oracle.txt" <<'PYEOF'
import importlib.metadata as m, os, sys
rows = set()
for path in sys.argv[1:]:
    for d in m.distributions(path=[path]):
        rows.add("%s/%s %s %s" % (os.path.basename(path), os.path.basename(str(d._path)), d.metadata["Name"], d.version))
print("\n".join(sorted(rows)))
PYEOF

# --- Ruby -------------------------------------------------------------------------------------------------------
R="$HERE/ruby"
rm -rf "$R" && mkdir -p "$R/default" "$R/bundled" "$R/integration"
cp /usr/lib/ruby/gems/3.1.0/specifications/default/{optparse,net-http,rdoc,json,openssl}-*.gemspec "$R/default/"
cp /usr/lib/ruby/gems/3.1.0/specifications/{rake,rexml,minitest}-*.gemspec "$R/bundled/"
cp /usr/share/rubygems-integration/all/specifications/{rack,webrick,bundler}-*.gemspec "$R/integration/"
ruby -e 'Gem::Specification.each { |s| puts "#{File.basename(s.loaded_from)} #{s.name} #{s.version}" }' |
  sort -u > "$R/rubygems.oracle.txt"
G="$WORK/gemproject"
rm -rf "$G" && mkdir -p "$G" && printf 'source "https://rubygems.org"\ngem "rack"\ngem "webrick"\ngem "rexml"\n' > "$G/Gemfile"
(cd "$G" && bundle lock --local >/dev/null && cp Gemfile.lock "$R/Gemfile.lock" &&
  ruby -rbundler -e 'Bundler::LockfileParser.new(File.read("Gemfile.lock")).specs.each { |s| puts "#{s.name} #{s.version}" }' |
  sort -u > "$R/Gemfile.lock.oracle.txt")

# --- PHP --------------------------------------------------------------------------------------------------------
# Composer 2 (Debian's) installs Debian-packaged PHP libraries offline from inline "package" repositories whose dists
# are local directories; installed.json (Composer 2 format) and composer.lock are composer's own output. Composer 1's
# installed.json is the same package array without the wrapper object (Composer 2's InstalledFilesystemRepository
# still reads it); composer 1 is not packaged in Debian 12, so the v1 fixture is that array taken from the v2 file.
C="$WORK/composer"
rm -rf "$C" && mkdir -p "$C"
cat > "$C/composer.json" <<'JSON'
{
  "name": "customs/fixture",
  "repositories": [
    {"type": "package", "package": {"name": "psr/log", "version": "1.1.4",
      "dist": {"type": "path", "url": "/usr/share/php/Psr/Log"}}},
    {"type": "package", "package": {"name": "symfony/console", "version": "v5.4.23",
      "dist": {"type": "path", "url": "/usr/share/php/Symfony/Component/Console"}}},
    {"type": "package", "package": {"name": "seld/jsonlint", "version": "1.9.0",
      "dist": {"type": "path", "url": "/usr/share/php/Seld/JsonLint"}}}
  ],
  "require": {"psr/log": "1.1.4", "symfony/console": "v5.4.23"},
  "require-dev": {"seld/jsonlint": "1.9.0"},
  "config": {"secure-http": false}
}
JSON
(cd "$C" && COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME="$WORK/composer-home" composer install --no-interaction \
  --no-plugins --no-scripts --quiet)
PHPD="$HERE/php"
rm -rf "$PHPD" && mkdir -p "$PHPD"
cp "$C/vendor/composer/installed.json" "$PHPD/installed.v2.json"
cp "$C/composer.lock" "$PHPD/composer.lock"
php -r '$j = json_decode(file_get_contents($argv[1]), true); echo json_encode($j["packages"], JSON_PRETTY_PRINT|JSON_UNESCAPED_SLASHES), "\n";' \
  "$PHPD/installed.v2.json" > "$PHPD/installed.v1.json"
(cd "$C" && COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME="$WORK/composer-home" composer show --format=json) |
  php -r '$j = json_decode(stream_get_contents(STDIN), true); foreach ($j["installed"] as $p) echo $p["name"], " ", $p["version"], "\n";' |
  sort > "$PHPD/composer-show.oracle.txt"

# --- Rust Cargo.lock ---------------------------------------------------------------------------------------------
# cargo resolves offline against Debian's crate sources (/usr/share/cargo/registry) standing in for crates.io; the
# lockfile still names crates.io as the source, as it does in Debian's own builds.
RS="$WORK/crate"
rm -rf "$RS" && mkdir -p "$RS/src" "$RS/.cargo" "$RS/local-helper/src"
printf '[source.crates-io]\nreplace-with = "debian"\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n' > "$RS/.cargo/config.toml"
printf '[package]\nname = "customs-fixture"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\nserde = "1"\nitoa = "1"\ncfg-if = "1"\nlocal-helper = { path = "local-helper" }\n' > "$RS/Cargo.toml"
printf '[package]\nname = "local-helper"\nversion = "0.2.0"\nedition = "2021"\n' > "$RS/local-helper/Cargo.toml"
echo 'fn main() {}' > "$RS/src/main.rs" && touch "$RS/local-helper/src/lib.rs"
(cd "$RS" && CARGO_HOME="$WORK/cargo-home" cargo generate-lockfile --offline -q &&
  CARGO_HOME="$WORK/cargo-home" cargo metadata --offline --format-version 1 -q) > "$WORK/cargo-metadata.json"
mkdir -p "$HERE/cargo" && cp "$RS/Cargo.lock" "$HERE/cargo/Cargo.lock"
/usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
for p in sorted(m["packages"], key=lambda p: p["name"]):
    print(p["name"], p["version"], p["source"] or "-")' "$WORK/cargo-metadata.json" > "$HERE/cargo/cargo-metadata.oracle.txt"
echo "fixtures regenerated in $HERE"
