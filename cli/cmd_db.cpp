// `customs db`: build, inspect and update the local vulnerability store.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "core/duration.h"
#include "core/json_writer.h"
#include "report/common.h"
#include "vulndb/importer.h"
#include "vulndb/json_codec.h"
#include "vulndb/snapshot.h"
#include "vulndb/store.h"
#include "vulndb/updater.h"

namespace customs::cli {
namespace {

using namespace customs::vulndb;

struct DbOptions {
  std::string db_path;
  std::vector<std::string> inputs;
  std::string id;
  std::string format = "table";
  std::vector<std::string> sources;
  std::string mirror;
  std::string ca_bundle;
  double lock_timeout = 60;
  double timeout = 300;
  int retries = 3;
  bool verbose = false;
  std::string from;  // db update --from: a signed snapshot instead of the feeds
  std::string key;   // db publish: private key; db update --from: public key
  std::string out_dir;
  std::string max_age;
};

std::filesystem::path DbPath(const DbOptions& options) {
  return options.db_path.empty() ? DefaultStorePath() : std::filesystem::path(options.db_path);
}

// Prints diagnostics: warnings always (they name skipped records), info lines only with --verbose.
void PrintDiagnostics(DiagnosticsCollector& diagnostics, bool verbose) {
  std::size_t warnings = 0;
  for (const auto& d : diagnostics.Take()) {
    if (d.level == DiagnosticLevel::kInfo && !verbose) {
      continue;
    }
    if (d.level != DiagnosticLevel::kInfo) {
      ++warnings;
    }
    if (warnings > 50 && !verbose) {
      continue;
    }
    std::fprintf(stderr, "%s: %s: %s: %s\n", DiagnosticLevelName(d.level), d.source.c_str(), d.subject.c_str(),
                 d.message.c_str());
  }
  if (warnings > 50 && !verbose) {
    std::fprintf(stderr, "... %zu warnings in all (--verbose shows every one)\n", warnings);
  }
}

// The document in JsonWriter's layout: doubles in their shortest round-trip form (an EPSS score reads as it came in,
// 0.99506, not 0.9950599999999999) and strings sanitised.
std::string JsonDump(const nlohmann::json& document) {
  StringOutput out;
  JsonWriter json(out);
  report::WriteJsonValue(json, nlohmann::ordered_json(document));
  return out.Take();
}

void PrintInfo(const StoreInfo& info) {
  std::printf("store:           %s\n", info.path.c_str());
  std::printf("schema version:  %d\n", info.schema_version);
  std::printf("built at:        %s", info.built_at.c_str());
  if (auto age = StoreAge(info)) {
    std::printf(" (%.1f hours ago)", static_cast<double>(age->count()) / 3600.0);
  }
  std::printf("\n");
  std::printf("vulnerabilities: %lld\n", static_cast<long long>(info.vulnerabilities));
  std::printf("package rows:    %lld\n", static_cast<long long>(info.affected_rows));
  std::printf("\n%-16s %10s  %-20s  %s\n", "SOURCE", "RECORDS", "IMPORTED", "FROM");
  for (const auto& source : info.sources) {
    std::printf("%-16s %10lld  %-20s  %s\n", source.name.c_str(), static_cast<long long>(source.records),
                source.imported_at.c_str(), source.origin.c_str());
  }
}

int RunImport(const DbOptions& options) {
  DiagnosticsCollector diagnostics;
  std::vector<std::filesystem::path> inputs(options.inputs.begin(), options.inputs.end());
  ImportOptions import_options;
  import_options.db_path = DbPath(options);
  import_options.lock_timeout = std::chrono::milliseconds(static_cast<long long>(options.lock_timeout * 1000));
  auto info = ImportFeeds(inputs, import_options, diagnostics);
  PrintDiagnostics(diagnostics, options.verbose);
  if (!info) {
    std::fprintf(stderr, "customs db import: %s\n", info.error().message().c_str());
    std::fprintf(stderr, "the previous store (if any) is unchanged\n");
    return kExitFailure;
  }
  PrintInfo(*info);
  return kExitOk;
}

int RunInfo(const DbOptions& options) {
  auto store = Store::Open(DbPath(options));
  if (!store) {
    std::fprintf(stderr, "customs db info: %s\n", store.error().message().c_str());
    return kExitFailure;
  }
  auto info = (*store)->Info();
  if (!info) {
    std::fprintf(stderr, "customs db info: %s\n", info.error().message().c_str());
    return kExitFailure;
  }
  if (options.format == "json") {
    nlohmann::json out = {{"path", info->path.string()},
                          {"schema_version", info->schema_version},
                          {"built_at", info->built_at},
                          {"vulnerabilities", info->vulnerabilities},
                          {"affected_rows", info->affected_rows}};
    if (auto age = StoreAge(*info)) {
      out["age_seconds"] = age->count();
    }
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& s : info->sources) {
      sources.push_back(
          {{"name", s.name}, {"records", s.records}, {"imported_at", s.imported_at}, {"origin", s.origin}});
    }
    out["sources"] = sources;
    std::printf("%s\n", JsonDump(out).c_str());
  } else {
    PrintInfo(*info);
  }
  return kExitOk;
}

int RunShow(const DbOptions& options) {
  auto store = Store::Open(DbPath(options));
  if (!store) {
    std::fprintf(stderr, "customs db show: %s\n", store.error().message().c_str());
    return kExitFailure;
  }
  auto vulnerability = (*store)->GetVulnerability(options.id);
  if (!vulnerability) {
    std::fprintf(stderr, "customs db show: %s\n", vulnerability.error().message().c_str());
    return kExitFailure;
  }
  if (!*vulnerability) {
    std::fprintf(stderr, "customs db show: %s is not in the store\n", options.id.c_str());
    return kExitFailure;
  }
  auto affected = (*store)->AffectedFor(options.id);
  auto records = (*store)->RecordsFor(options.id);
  if (!affected || !records) {
    std::fprintf(stderr, "customs db show: %s\n", (!affected ? affected.error() : records.error()).message().c_str());
    return kExitFailure;
  }
  const Vulnerability& v = **vulnerability;
  if (options.format == "json") {
    nlohmann::json out = ToJson(v);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& a : *affected) {
      rows.push_back(ToJson(a));
    }
    out["affected"] = rows;
    nlohmann::json docs = nlohmann::json::array();
    for (const auto& r : *records) {
      docs.push_back(ToJson(r));
    }
    out["records"] = docs;
    std::printf("%s\n", JsonDump(out).c_str());
    return kExitOk;
  }
  std::printf("%s\n", v.id.c_str());
  auto line = [](const char* label, const std::string& value) {
    if (!value.empty()) {
      std::printf("  %-11s %s\n", label, value.c_str());
    }
  };
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
      out += (out.empty() ? "" : ", ") + item;
    }
    return out;
  };
  line("aliases:", join(v.aliases));
  line("related:", join(v.related));
  line("summary:", v.summary);
  line("published:", v.published);
  line("modified:", v.modified);
  line("withdrawn:", v.withdrawn);
  for (const auto& c : v.cvss) {
    std::printf("  cvss %-6s %s %s (%s)\n", c.version.c_str(), JsonDouble(c.base_score).c_str(), c.vector.c_str(),
                c.source.c_str());
  }
  for (const auto& s : v.severities) {
    std::printf("  severity    %s (%s: %s)\n", SeverityName(s.severity), s.source.c_str(), s.raw.c_str());
  }
  if (v.kev) {
    std::printf("  kev:        added %s, due %s%s\n", v.kev->date_added.c_str(), v.kev->due_date.c_str(),
                v.kev->known_ransomware ? ", known ransomware use" : "");
  }
  if (v.epss) {
    std::printf("  epss:       %s (percentile %s)\n", JsonDouble(v.epss->score).c_str(),
                JsonDouble(v.epss->percentile).c_str());
  }
  if (!v.details.empty()) {
    std::printf("\n%s\n", v.details.c_str());
  }
  if (!affected->empty()) {
    std::printf("\n  %-14s %-28s %-13s %-24s %s\n", "ECOSYSTEM", "PACKAGE", "STATUS", "FIXED", "SOURCE RECORD");
    for (const auto& a : *affected) {
      std::string fixed = a.fixed_version;
      if (fixed.empty()) {
        for (const auto& range : a.spec.ranges) {
          for (const auto& e : range.events) {
            if (e.kind == version::RangeEvent::Kind::kFixed) {
              fixed += (fixed.empty() ? "" : ",") + e.version;
            }
          }
        }
      }
      std::printf("  %-14s %-28s %-13s %-24s %s (%s)\n", a.ecosystem.c_str(), a.package.c_str(),
                  AffectedStatusName(a.status), fixed.c_str(), a.record_id.c_str(), a.source.c_str());
    }
  }
  if (!records->empty()) {
    std::printf("\n  from:");
    for (const auto& r : *records) {
      std::printf(" %s (%s)", r.vulnerability.id.c_str(), r.source.c_str());
    }
    std::printf("\n");
  }
  return kExitOk;
}

int RunPublish(const DbOptions& options) {
  PublishOptions publish;
  publish.db_path = DbPath(options);
  publish.out_dir = options.out_dir;
  publish.private_key = options.key;
  publish.lock_timeout = std::chrono::milliseconds(static_cast<long long>(options.lock_timeout * 1000));
  auto published = PublishSnapshot(publish);
  if (!published) {
    std::fprintf(stderr, "customs db publish: %s\n", published.error().message().c_str());
    return kExitFailure;
  }
  std::printf("published %s (%.1f MB, store built at %s)\n", published->file.c_str(),
              static_cast<double>(published->size) / 1e6, published->built_at.c_str());
  std::printf("store digest:    %s\n", published->store_digest.c_str());
  std::printf("signed with key: %s\n", published->key_id.c_str());
  return kExitOk;
}

int RunSnapshotUpdate(const DbOptions& options) {
  if (!options.sources.empty() || !options.mirror.empty()) {
    return UsageError("--from takes a published snapshot: --source and --mirror apply to feed downloads only");
  }
  if (options.key.empty()) return UsageError("--from needs --key PUBKEY (the publisher's Ed25519 public key, PEM)");
  SnapshotUpdateOptions update;
  update.from = options.from;
  update.public_key = options.key;
  update.db_path = DbPath(options);
  update.ca_bundle = options.ca_bundle;
  update.lock_timeout = std::chrono::milliseconds(static_cast<long long>(options.lock_timeout * 1000));
  update.timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout * 1000));
  if (!options.max_age.empty()) {
    auto max_age = ParseDuration(options.max_age, std::chrono::hours(1));
    if (!max_age) return UsageError("--max-db-age: " + max_age.error().message());
    update.max_age = std::chrono::duration_cast<std::chrono::seconds>(*max_age);
  }
  auto result = UpdateFromSnapshot(update);
  if (!result) {
    std::fprintf(stderr, "customs db update: %s\n", result.error().message().c_str());
    std::fprintf(stderr, "the previous store (if any) is unchanged\n");
    return kExitFailure;
  }
  std::printf("%s %s (signed with key %s)\n\n",
              result->replaced ? "installed snapshot" : "already up to date with snapshot",
              result->metadata.store_digest.c_str(), result->metadata.key_id.c_str());
  PrintInfo(result->store);
  return kExitOk;
}

int RunUpdate(const DbOptions& options) {
  if (!options.from.empty()) return RunSnapshotUpdate(options);
  if (!options.key.empty() || !options.max_age.empty()) {
    return UsageError("--key and --max-db-age apply to --from (a signed snapshot) only");
  }
  DiagnosticsCollector diagnostics;
  UpdateOptions update;
  update.db_path = DbPath(options);
  update.sources = options.sources;
  update.mirror = options.mirror;
  update.ca_bundle = options.ca_bundle;
  update.lock_timeout = std::chrono::milliseconds(static_cast<long long>(options.lock_timeout * 1000));
  update.timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout * 1000));
  update.retries = options.retries;
  if (isatty(STDERR_FILENO) != 0) {
    // A one-line progress display per source, redrawn in place (a terminal only).
    update.on_progress = [](std::string_view source, std::int64_t done, std::int64_t total) {
      if (total > 0) {
        std::fprintf(stderr, "\r%-16.*s %6.1f / %6.1f MB", static_cast<int>(source.size()), source.data(),
                     static_cast<double>(done) / 1e6, static_cast<double>(total) / 1e6);
      } else {
        std::fprintf(stderr, "\r%-16.*s %6.1f MB", static_cast<int>(source.size()), source.data(),
                     static_cast<double>(done) / 1e6);
      }
    };
  }
  auto result = UpdateStore(update, diagnostics);
  if (update.on_progress) {
    std::fprintf(stderr, "\r\033[K");
  }
  PrintDiagnostics(diagnostics, options.verbose);
  if (!result) {
    std::fprintf(stderr, "customs db update: %s\n", result.error().message().c_str());
    std::fprintf(stderr, "the previous store (if any) is unchanged\n");
    return kExitFailure;
  }
  for (const auto& s : result->sources) {
    std::printf("%-16s %s%s%s\n", s.name.c_str(), s.outcome.c_str(), s.error.empty() ? "" : ": ", s.error.c_str());
  }
  if (result->store) {
    std::printf("\n");
    PrintInfo(*result->store);
  }
  std::fflush(stdout);
  if (!result->failed.empty()) {
    std::string names;
    for (const auto& f : result->failed) {
      names += (names.empty() ? "" : ", ") + f;
    }
    std::fprintf(stderr, "customs db update: failed sources: %s\n", names.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void AddDbCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<DbOptions>();
  CLI::App* db = app.add_subcommand("db", "Build, inspect and update the local vulnerability store");
  db->require_subcommand(1);
  auto add_db = [options](CLI::App* command) {
    command->add_option("--db", options->db_path, "Store path (default $XDG_CACHE_HOME/customs/db/customs.db)");
  };
  auto add_lock = [options](CLI::App* command) {
    command->add_option("--lock-timeout", options->lock_timeout,
                        "Seconds to wait for another writer to finish (default 60)");
  };

  CLI::App* import = db->add_subcommand("import", "Build the store from local feed files or directories");
  import
      ->add_option("inputs", options->inputs,
                   "Feed files or directories (OSV zip/JSON/YAML, Debian tracker JSON, "
                   "DSA/DLA lists, Alpine secdb, NVD pages, KEV, EPSS CSV[.gz])")
      ->required();
  add_db(import);
  add_lock(import);
  import->add_flag("-v,--verbose", options->verbose, "Print every diagnostic");
  import->callback([options, &context] { context.exit_code = RunImport(*options);
});

CLI::App* info = db->add_subcommand("info", "Schema version, build time, per-source counts and age");
add_db(info);
info->add_option("--format", options->format, "table | json")->check(CLI::IsMember({"table", "json"}));
info->callback([options, &context] { context.exit_code = RunInfo(*options); });

CLI::App* show = db->add_subcommand("show", "One vulnerability with everything the store knows");
show->add_option("id", options->id, "CVE, GHSA, GO, PYSEC, RUSTSEC, DSA, USN... id or alias")->required();
add_db(show);
show->add_option("--format", options->format, "table | json")->check(CLI::IsMember({"table", "json"}));
show->callback([options, &context] { context.exit_code = RunShow(*options); });

CLI::App* update = db->add_subcommand("update", "Download the feeds and rebuild the store");
add_db(update);
add_lock(update);
update
    ->add_option(
        "--source", options->sources,
        "Only these sources (repeatable; default: all but nvd, which takes ~15 min at NVD's public rate limit)")
    ->check(CLI::IsMember(UpdateSourceNames()));
update->add_option("--mirror", options->mirror,
                   "Base URL replacing every source's scheme and host (same paths), e.g. http://mirror:8080");
update->add_option("--ca-bundle", options->ca_bundle, "CA certificates file for HTTPS verification");
update->add_option("--timeout", options->timeout, "Seconds allowed per download (default 300)");
update->add_option("--retries", options->retries, "Retries per download after a transient failure (default 3)");
update->add_flag("-v,--verbose", options->verbose, "Print every diagnostic");
update->add_option("--from", options->from,
                   "Install the signed snapshot published at URL (http, https, file) or DIR by `customs db publish`, "
                   "instead of downloading the feeds; the signature is verified before anything is replaced");
update->add_option("--key", options->key, "With --from: the publisher's Ed25519 public key (PEM)");
update->add_option("--max-db-age", options->max_age,
                   "With --from: refuse a snapshot built longer ago than this (72h, 7d; a bare number is hours)");
update->callback([options, &context] { context.exit_code = RunUpdate(*options); });

CLI::App* publish =
    db->add_subcommand("publish", "Write the store as a signed snapshot (compressed store + latest.json) into DIR");
publish->add_option("dir", options->out_dir, "Snapshot directory (served as is by a web server)")->required();
add_db(publish);
add_lock(publish);
publish->add_option("--key", options->key, "Ed25519 private key (PEM: openssl genpkey -algorithm ed25519)")->required();
publish->callback([options, &context] { context.exit_code = RunPublish(*options); });
}  // namespace customs::cli

}  // namespace customs::cli
