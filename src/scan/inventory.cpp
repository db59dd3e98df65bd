#include "scan/inventory.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>

#include "audit/config_audit.h"
#include "catalog/cataloger.h"
#include "catalog/ownership.h"
#include "core/sha256.h"
#include "image/layer_walker.h"
#include "image/local_sources.h"
#include "image/registry/registry_auth.h"
#include "image/registry/registry_reference.h"
#include "image/registry/registry_source.h"

namespace customs::scan {

std::string AnalyzerVersion() {
  // The same string BuildInventory keys its layer cache with when no audit runs.
  std::string version = "os:1";
  auto catalogers = catalog::DefaultCatalogers();
  for (const auto& cataloger : catalogers) {
    version += fmt::format(",{}:{}", cataloger->name(), cataloger->version());
  }
  for (const auto& cataloger : catalogers) {
    if (const FileExtractor* extractor = cataloger->extractor()) {
      version += fmt::format(",extract-{}:{}", extractor->name(), extractor->version());
    }
  }
  return version;
}

audit::ImageFacts AuditFactsOf(const Inventory& inventory) {
  audit::ImageFacts facts;
  const image::ImageConfig& config = inventory.config;
  facts.has_config = inventory.kind != "rootfs";
  facts.user = config.user;
  facts.env = config.env;
  facts.labels = config.labels;
  facts.exposed_ports = config.exposed_ports;
  facts.has_healthcheck = config.HasHealthcheck();
  for (const auto& entry : config.history) facts.history.push_back(entry.created_by);
  facts.history_layer = config.HistoryLayers();
  for (const auto& package : inventory.packages) {
    facts.packages.push_back(
        {catalog::PackageTypeName(package.type), package.name, package.version, package.layer.index});
  }
  facts.os_family = inventory.os.family;
  facts.os_version = inventory.os.version;
  facts.os_pretty_name = inventory.os.pretty_name;
  return facts;
}

Result<Inventory> BuildInventory(const InventoryOptions& options) {
  Inventory inventory;
  inventory.target = options.target;
  DiagnosticsCollector collected;
  // A hostile image can make a parser complain 200,000 times: keep a hundred of each kind and count the rest.
  BoundedDiagnostics diagnostics(collected);
  auto catalogers = catalog::DefaultCatalogers();

  PathFilter filter;
  const bool audit_config = options.audit.config;
  filter.wants_content = [&catalogers, audit_config](std::string_view path) {
    if (catalog::OsDetectionWants(path)) return true;
    if (audit_config && audit::ConfigAuditWantsContent(path)) return true;
    return std::any_of(catalogers.begin(), catalogers.end(), [&](const auto& c) { return c->WantsContent(path); });
  };
  filter.wants_history = [&catalogers](std::string_view path) {
    return std::any_of(catalogers.begin(), catalogers.end(), [&](const auto& c) { return c->WantsHistory(path); });
  };
  filter.max_content_size = [&catalogers](std::string_view path) -> std::uint64_t {
    if (!catalog::OsDetectionWants(path)) return 0;
    bool cataloged =
        std::any_of(catalogers.begin(), catalogers.end(), [&](const auto& c) { return c->WantsContent(path); });
    return cataloged ? 0 : catalog::kMaxReleaseFileSize;
  };
  std::vector<const FileExtractor*> extractors;
  for (const auto& cataloger : catalogers) {
    if (const FileExtractor* extractor = cataloger->extractor()) extractors.push_back(extractor);
  }
  std::optional<audit::secrets::SecretExtractor> secret_extractor;
  if (options.audit.secrets) {
    if (options.audit.secret_scanner == nullptr) {
      return MakeError(ErrorCode::kInvalidArgument, "secret scanning needs a secret scanner");
    }
    secret_extractor.emplace(*options.audit.secret_scanner, options.audit.secret_options);
    extractors.push_back(&*secret_extractor);
  }

  std::filesystem::path path(options.target);
  std::error_code ec;
  bool is_dir = std::filesystem::is_directory(path, ec);
  FileTree tree;
  if (options.source == nullptr && is_dir && (options.force_rootfs || !image::IsOciLayoutDirectory(path))) {
    inventory.kind = "rootfs";
    CUSTOMS_ASSIGN_OR_RETURN(tree, image::WalkDirectory(path, filter, diagnostics, 256ull << 20, extractors));
  } else {
    image::SourceOptions source_options;
    source_options.platform = options.platform;
    source_options.platform_given = options.platform_given;
    std::unique_ptr<image::ImageSource> owned;
    if (options.source == nullptr && std::filesystem::exists(path, ec)) {
      CUSTOMS_ASSIGN_OR_RETURN(owned, image::OpenLocalImage(path, source_options, diagnostics));
    } else if (options.source == nullptr) {
      // Not a local path: a registry reference, or a clear "not found".
      auto reference = image::registry::ParseReference(options.target);
      if (!reference) {
        return MakeError(ErrorCode::kNotFound, "{}: no such file or directory, and not an image reference ({})",
                         options.target, reference.error().message());
      }
      std::optional<image::registry::Credentials> credentials = options.registry_credentials;
      if (!credentials && options.registry_authorization.empty()) {
        image::registry::CredentialOptions credential_options;
        CUSTOMS_ASSIGN_OR_RETURN(credentials,
                                 image::registry::ResolveCredentials(credential_options, reference->registry));
      }
      image::registry::RegistryOptions registry_options;
      registry_options.platform = options.platform;
      registry_options.client.credentials = credentials;
      registry_options.client.authorization = options.registry_authorization;
      registry_options.client.ca_cert_file = options.registry_ca_cert;
      registry_options.client.insecure_skip_tls_verify = options.registry_insecure;
      registry_options.client.insecure_registries = options.insecure_registries;
      registry_options.client.user_agent = "customs";
      CUSTOMS_ASSIGN_OR_RETURN(owned, image::registry::RegistrySource::Open(*reference, registry_options));
    }
    const image::ImageSource* source = options.source != nullptr ? options.source : owned.get();
    inventory.kind = source->Kind();
    inventory.manifest_digest = source->ManifestDigest();
    if (!source->ConfigJson().empty()) inventory.config_digest = "sha256:" + Sha256::HexOf(source->ConfigJson());
    CUSTOMS_ASSIGN_OR_RETURN(inventory.config, image::ParseImageConfig(source->ConfigJson()));
    std::uint64_t total = 0;
    for (const auto& layer : source->Layers()) total += layer.size > 0 ? static_cast<std::uint64_t>(layer.size) : 0;
    image::WalkOptions walk;
    walk.threads = options.threads;
    image::WalkStats stats;
    walk.stats = &stats;
    // The cache key names every analyzer and its version: a new analyzer or version never reuses stale results.
    std::string filter_version = audit_config ? "os:2,audit-config:1" : "os:2";
    for (const auto& cataloger : catalogers) {
      filter_version += fmt::format(",{}:{}", cataloger->name(), cataloger->version());
    }
    for (const FileExtractor* extractor : extractors) {
      filter_version += fmt::format(",extract-{}:{}", extractor->name(), extractor->version());
    }
    walk.extractors = extractors;
    std::optional<image::LayerCache> cache;
    if (!options.cache_dir.empty()) {
      cache.emplace(std::filesystem::path(options.cache_dir) / "layers", filter_version);
      walk.cache = &*cache;
    }
    if (options.on_progress) {
      walk.on_progress = [&options, total](std::uint64_t done) { options.on_progress(done, total); };
    }
    CUSTOMS_ASSIGN_OR_RETURN(tree, image::WalkLayers(*source, inventory.config, filter, diagnostics, walk));
    inventory.layers_read = stats.layers_read.load();
    inventory.layers_from_cache = stats.layers_from_cache.load();
  }
  inventory.layers = tree.layers();
  // A release file that is a dangling, looping or escaping link is damage worth naming (the OS may stay unknown).
  for (const auto& [path, node] : tree.entries()) {
    if (node.type != FileType::kSymlink || !catalog::OsDetectionWants(path)) continue;
    if (auto resolved = tree.Resolve(path); !resolved) {
      diagnostics.Warn("scan/os", path, resolved.error().message());
    } else if (tree.Find(*resolved) == nullptr) {
      diagnostics.Info("scan/os", path, fmt::format("symbolic link to {}, which the image does not have", *resolved));
    }
  }
  inventory.os = catalog::DetectOs(tree, diagnostics);
  // Packages are large (about 660 bytes each): never let the vector double while 30,000 of them move in one by one.
  std::vector<std::string> looked_for;
  bool any_database = false;
  for (const auto& cataloger : catalogers) {
    auto packages = cataloger->Catalog(tree, inventory.os, diagnostics);
    for (auto& package : packages) {
      if (package.purl.empty()) package.purl = catalog::MakePurl(package, inventory.os);
    }
    if (inventory.packages.empty()) {
      inventory.packages = std::move(packages);
    } else {
      inventory.packages.reserve(inventory.packages.size() + packages.size());
      std::move(packages.begin(), packages.end(), std::back_inserter(inventory.packages));
    }
    for (std::string& path : cataloger->DatabasePaths()) {
      if (path.ends_with('/')) {
        auto it = tree.entries().lower_bound(path);
        any_database = any_database || (it != tree.entries().end() && it->first.starts_with(path));
      } else {
        any_database = any_database || tree.Find(path) != nullptr;
      }
      looked_for.push_back(std::move(path));
    }
  }
  if (!any_database && !looked_for.empty()) {
    // Not incomplete: nothing was missed. The report says what was looked for, so "0 packages" is never a mystery.
    diagnostics.Info("scan/catalog", "/",
                     fmt::format("no OS package database in the image (looked for {}): no OS packages to match",
                                 fmt::join(looked_for, ", ")));
  }
  catalog::AssignOsOwners(tree, inventory.packages, diagnostics);
  std::sort(inventory.packages.begin(), inventory.packages.end(), [](const auto& a, const auto& b) {
    return std::tie(a.type, a.name, a.version, a.arch) < std::tie(b.type, b.name, b.version, b.arch);
  });
  if (options.audit.config) {
    inventory.audit_findings =
        audit::AuditConfig(AuditFactsOf(inventory), tree, options.audit.secret_scanner, diagnostics);
    inventory.audited_config = true;
  }
  if (secret_extractor) {
    // Files an OS package installed are public (anyone can download the package): a key-shaped test fixture in
    // them is not this image's secret.
    std::unordered_set<std::string> os_owned;
    for (const auto& package : inventory.packages) {
      if (!catalog::IsOsPackage(package.type)) continue;
      for (const auto& file : package.files) os_owned.insert(file);
    }
    auto skip = [&os_owned](std::string_view path) { return os_owned.contains(std::string(path)); };
    auto secrets = audit::secrets::CollectSecretFindings(tree, *secret_extractor, skip, diagnostics);
    inventory.audit_findings.insert(inventory.audit_findings.end(), std::make_move_iterator(secrets.begin()),
                                    std::make_move_iterator(secrets.end()));
    inventory.audited_secrets = true;
  }
  if (options.collect_executables) inventory.executables = CollectExecutables(tree, diagnostics);
  diagnostics.Finish();
  inventory.diagnostics = collected.Take();
  return inventory;
}

std::vector<std::string> CollectExecutables(const FileTree& tree, Diagnostics& diagnostics) {
  std::set<std::string> out;
  bool truncated = false;
  auto add = [&](std::string path) {
    if (out.size() >= kMaxExecutables) {
      truncated = true;
      return;
    }
    out.insert(std::move(path));
  };
  auto executable = [](const FileNode* node) {
    return node != nullptr && (node->type == FileType::kRegular || node->type == FileType::kHardLink) &&
           (node->mode & 0111) != 0;
  };
  std::vector<std::pair<std::string, std::string>> directory_links;  // link path -> resolved directory
  for (const auto& [path, node] : tree.entries()) {
    if (executable(&node)) {
      add(path);
    } else if (node.type == FileType::kSymlink) {
      auto resolved = tree.Resolve(path);
      if (!resolved) continue;
      const FileNode* target = tree.Find(*resolved);
      if (executable(target)) {
        add(path);
      } else if (target != nullptr && target->type == FileType::kDirectory && *resolved != "/") {
        directory_links.emplace_back(path, *resolved);
      }
    }
  }
  // /bin -> /usr/bin (merged /usr): an exec of /bin/ls runs /usr/bin/ls, and the kernel reports the path as called.
  for (const auto& [link, directory] : directory_links) {
    const std::string prefix = directory + "/";
    std::vector<std::string> aliases;
    for (auto it = out.lower_bound(prefix); it != out.end() && it->starts_with(prefix); ++it) {
      aliases.push_back(link + it->substr(directory.size()));
    }
    for (auto& alias : aliases) add(std::move(alias));
  }
  if (truncated) {
    diagnostics.Warn("scan/executables", "/",
                     fmt::format("more than {} executables; the list keeps the first ones", kMaxExecutables));
  }
  return {out.begin(), out.end()};
}

}  // namespace customs::scan
