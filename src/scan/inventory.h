// Image -> inventory: opens the image (any supported kind), walks its layers once with every cataloger's path
// filter, detects the OS and runs the catalogers. Shared by `customs sbom`, `customs image` and `customs fs`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "audit/secrets/secret_extractor.h"
#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/error.h"
#include "core/file_tree.h"
#include "image/config.h"
#include "image/registry/registry_auth.h"
#include "image/source.h"

namespace customs::scan {

// The image audit that runs in the same single pass (customs image --scanners secret,config; customs audit).
struct AuditOptions {
  bool config = false;   // configuration and contents rules (audit/config_audit.h)
  bool secrets = false;  // secrets in every file of every layer (audit/secrets/)
  // Required when `secrets`; also used by the config rules to find secrets in ENV and history. Borrowed.
  const audit::secrets::SecretScanner* secret_scanner = nullptr;
  audit::secrets::ExtractorOptions secret_options;
};

struct InventoryOptions {
  std::string target;  // a path (archive, OCI layout, root filesystem) or a registry reference
  // When set, the image is read from this source instead of opening `target` (which then only names it): the push
  // gate's image whose manifest is not in the registry yet. Borrowed; must outlive the call.
  const image::ImageSource* source = nullptr;
  bool force_rootfs = false;  // --rootfs: treat a directory as a root filesystem
  image::Platform platform;
  bool platform_given = false;
  unsigned threads = 0;
  // Registry access for targets that are references ("127.0.0.1:5000/app:1", "alpine:3.20"); credentials come from
  // CUSTOMS_REGISTRY_USERNAME/PASSWORD or ~/.docker/config.json.
  std::string registry_ca_cert;
  bool registry_insecure = false;
  std::vector<std::string> insecure_registries;
  // When set, these credentials are used for the registry instead of the environment and the Docker config (the
  // server passes the ones a scan request carried).
  std::optional<image::registry::Credentials> registry_credentials;
  // When set, sent as the Authorization header value ("Bearer <token>") from the first request on, instead of any
  // credential lookup: a registry token a caller already holds (Harbor hands its scanners one).
  std::string registry_authorization;
  // Per-layer analysis cache directory (empty: no cache). Only image layers are cached, never root filesystems.
  std::string cache_dir;
  // Progress: bytes of layer data read so far, and the total when known (0 otherwise). Called from worker threads.
  std::function<void(std::uint64_t done, std::uint64_t total)> on_progress;
  AuditOptions audit;
  // Collect Inventory::executables (customs policy rules --image: the image's executables are the allow-list).
  bool collect_executables = false;
};

struct Inventory {
  std::string target;
  std::string kind;  // docker-archive, oci-layout, oci-archive, rootfs, registry
  std::string manifest_digest;
  std::string config_digest;  // "sha256:" of the config JSON (the image id engines report); empty for a rootfs
  image::ImageConfig config;
  catalog::OsInfo os;
  std::vector<LayerInfo> layers;
  std::vector<catalog::Package> packages;  // sorted by type, name, version, arch
  // The image audit's findings (empty unless InventoryOptions::audit asked for it), and which audits ran.
  std::vector<audit::AuditFinding> audit_findings;
  bool audited_config = false;
  bool audited_secrets = false;
  // With InventoryOptions::collect_executables: every path of the final filesystem that is a regular file with an
  // execute bit, and every symlink (also through directory symlinks such as /bin -> usr/bin) that resolves to one;
  // sorted. Bounded (kMaxExecutables); a larger image gets a warning and the first ones.
  std::vector<std::string> executables;
  std::vector<Diagnostic> diagnostics;
  unsigned layers_read = 0;        // layers decompressed and parsed in this run
  unsigned layers_from_cache = 0;  // layers taken from the analysis cache
};

inline constexpr std::size_t kMaxExecutables = 200000;

// The executables of a final filesystem (see Inventory::executables).
std::vector<std::string> CollectExecutables(const FileTree& tree, Diagnostics& diagnostics);

// Names every analyzer that builds an inventory (catalogers and their file extractors), with its version
// ("os:1,dpkg:2,...,extract-java:1"): two inventories of one image are interchangeable only when this string is equal.
// It keys the server's stored inventories (and, with the audit's parts added, the per-layer analysis cache), so a new
// analyzer or version never reuses stale results.
std::string AnalyzerVersion();

// What the audit needs of an inventory besides its files: the config, the packages, the OS.
audit::ImageFacts AuditFactsOf(const Inventory& inventory);

// Fails (kNotFound, kCorrupt, kUnsupported...) when the image cannot be read at all; damage to one package database
// is a diagnostic in the result instead.
[[nodiscard]] Result<Inventory> BuildInventory(const InventoryOptions& options);

}  // namespace customs::scan
