#include "vulndb/updater.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/file_util.h"
#include "vulndb/importer.h"
#include "vulndb/store_builder.h"

namespace customs::vulndb {
namespace {

constexpr const char* kOsvBucket = "https://osv-vulnerabilities.storage.googleapis.com";
constexpr const char* kNvdBase = "https://services.nvd.nist.gov/rest/json/cves/2.0";
constexpr int kNvdPageSize = 2000;

struct SourceDef {
  const char* name;
  bool default_on;
};
constexpr SourceDef kSources[] = {
    {"osv-go", true},  {"osv-pypi", true},  {"osv-crates.io", true}, {"osv-maven", true},
    {"osv-npm", true}, {"osv-nuget", true}, {"osv-packagist", true}, {"osv-rubygems", true},
    {"ubuntu", true},  {"debian", true},    {"debian-dsa", true},    {"debian-dla", true},
    {"alpine", true},  {"kev", true},       {"epss", true},          {"nvd", false},
};

// The language ecosystems osv.dev exports as <ECOSYSTEM>/all.zip, by source name. The OSV parser names the records
// of each the same way ("osv-" + the ecosystem in lower case).
constexpr std::pair<const char*, const char*> kOsvExports[] = {
    {"osv-go", "Go"},     {"osv-pypi", "PyPI"},   {"osv-crates.io", "crates.io"}, {"osv-maven", "Maven"},
    {"osv-npm", "npm"},   {"osv-nuget", "NuGet"}, {"osv-packagist", "Packagist"}, {"osv-rubygems", "RubyGems"},
    {"ubuntu", "Ubuntu"},
};

void EnsureCurlInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Download {
  FILE* file = nullptr;
  std::int64_t bytes = 0;
  std::int64_t content_length = -1;
  std::string etag;
  std::string last_modified;
  long retry_after = 0;
  const UpdateOptions* options = nullptr;
  std::string_view source;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* d = static_cast<Download*>(user);
  size_t n = size * count;
  if (std::fwrite(data, 1, n, d->file) != n) {
    return 0;
  }
  d->bytes += static_cast<std::int64_t>(n);
  return n;
}

std::string HeaderValue(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') {
    return {};
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) {
      return {};
    }
  }
  std::string_view value = line.substr(name.size() + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  return std::string(value);
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* d = static_cast<Download*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {  // a new response (redirect): forget earlier headers
    d->etag.clear();
    d->last_modified.clear();
    d->content_length = -1;
  }
  if (auto v = HeaderValue(line, "etag"); !v.empty()) {
    d->etag = v;
  }
  if (auto v = HeaderValue(line, "last-modified"); !v.empty()) {
    d->last_modified = v;
  }
  if (auto v = HeaderValue(line, "content-length"); !v.empty()) {
    d->content_length = std::atoll(v.c_str());
  }
  if (auto v = HeaderValue(line, "retry-after"); !v.empty()) {
    d->retry_after = std::atol(v.c_str());
  }
  return size * count;
}

int Progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* d = static_cast<Download*>(user);
  if (d->options->on_progress) {
    d->options->on_progress(d->source, now, total);
  }
  return 0;
}

struct CacheMeta {
  std::string url;
  std::string etag;
  std::string last_modified;
};

CacheMeta ReadMeta(const std::filesystem::path& path) {
  CacheMeta meta;
  auto text = ReadFile(path);
  if (!text) {
    return meta;
  }
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object()) {
    return meta;
  }
  meta.url = doc.value("url", "");
  meta.etag = doc.value("etag", "");
  meta.last_modified = doc.value("last_modified", "");
  return meta;
}

enum class Fetch { kUpdated, kNotModified };

// One HTTP GET into `part`, with conditional headers from `meta` when `cached` exists. Retries transient failures.
Result<Fetch> FetchUrl(const std::string& url, const std::filesystem::path& part, const CacheMeta& meta, bool cached,
                       CacheMeta& new_meta, const UpdateOptions& options, std::string_view source,
                       std::int64_t& bytes) {
  EnsureCurlInit();
  Error last_error(ErrorCode::kNetwork, "no attempt made");
  for (int attempt = 0; attempt <= options.retries; ++attempt) {
    if (attempt > 0) {
      auto delay = options.backoff * (1 << std::min(attempt - 1, 6));
      std::this_thread::sleep_for(delay);
    }
    FILE* file = std::fopen(part.c_str(), "wb");
    if (file == nullptr) {
      return MakeError(ErrorCode::kIo, "creating {}", part.string());
    }
    Download d;
    d.file = file;
    d.options = &options;
    d.source = source;
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    curl_slist* headers = nullptr;
    if (cached && meta.url == url) {
      if (!meta.etag.empty()) {
        headers = curl_slist_append(headers, ("If-None-Match: " + meta.etag).c_str());
      }
      if (!meta.last_modified.empty()) {
        headers = curl_slist_append(headers, ("If-Modified-Since: " + meta.last_modified).c_str());
      }
    }
    if (source == "nvd") {
      if (const char* key = std::getenv("NVD_API_KEY"); key != nullptr && *key != '\0') {
        headers = curl_slist_append(headers, (std::string("apiKey: ") + key).c_str());
      }
    }
    char error_buffer[CURL_ERROR_SIZE] = {};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ReadHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &d);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min(options.connect_timeout, options.timeout).count()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "customs-vulndb/0.1 (+https://github.com/customs)");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_bundle.empty()) {
      curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_bundle.c_str());
    }
    if (options.on_progress) {
      curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, Progress);
      curl_easy_setopt(c, CURLOPT_XFERINFODATA, &d);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    bool flushed = std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
    std::fclose(file);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    bool transient = false;
    if (rc != CURLE_OK) {
      last_error = Error(ErrorCode::kNetwork,
                         fmt::format("{}: {}", url, error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc)));
      transient = rc != CURLE_SSL_CACERT_BADFILE && rc != CURLE_PEER_FAILED_VERIFICATION &&
                  rc != CURLE_UNSUPPORTED_PROTOCOL && rc != CURLE_URL_MALFORMAT && rc != CURLE_WRITE_ERROR;
    } else if (status == 304) {
      bytes += 0;
      return Fetch::kNotModified;
    } else if (status != 200) {
      last_error = Error(ErrorCode::kNetwork, fmt::format("{}: HTTP {}", url, status));
      transient = status >= 500 || status == 429 || status == 408;
      if (d.retry_after > 0 && transient) {
        std::this_thread::sleep_for(std::chrono::seconds(std::min<long>(d.retry_after, 60)));
      }
    } else if (d.content_length >= 0 && d.content_length != d.bytes) {
      last_error =
          Error(ErrorCode::kNetwork, fmt::format("{}: received {} of {} bytes", url, d.bytes, d.content_length));
      transient = true;
    } else if (!flushed) {
      return MakeError(ErrorCode::kIo, "writing {}", part.string());
    } else {
      bytes += d.bytes;
      new_meta = {url, d.etag, d.last_modified};
      return Fetch::kUpdated;
    }
    if (!transient) {
      break;
    }
  }
  std::error_code ignored;
  std::filesystem::remove(part, ignored);
  return tl::unexpected(last_error);
}

std::string FileNameFor(std::string_view url, std::size_t index) {
  std::string_view path = url.substr(0, url.find('?'));
  std::string_view base = path.substr(path.find_last_of('/') + 1);
  // Alpine's files share names across releases ("v3.20/main.json"): keep the parent directory in the name.
  std::string_view parent = path.substr(0, path.find_last_of('/'));
  parent = parent.substr(parent.find_last_of('/') + 1);
  return fmt::format("{:02}-{}-{}", index, parent, base.empty() ? "data" : base);
}

struct SourcePlan {
  std::string name;
  bool selected = false;
  std::vector<std::filesystem::path> current;                      // cached files (may be empty)
  std::vector<std::pair<std::filesystem::path, CacheMeta>> fresh;  // downloaded .part files and their meta
};

// NVD pages: request until the reported total is covered.
Status FetchNvd(const UpdateOptions& options, const std::filesystem::path& directory, SourcePlan& plan,
                std::int64_t& bytes) {
  std::string base = options.mirror.empty() ? kNvdBase : ApplyMirror(kNvdBase, options.mirror);
  bool keyed = std::getenv("NVD_API_KEY") != nullptr;
  for (int page = 0, start = 0; page < 1000; ++page) {
    if (page > 0 && options.mirror.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(keyed ? 700 : 6500));  // NVD's published rate limits
    }
    std::string url = fmt::format("{}?resultsPerPage={}&startIndex={}", base, kNvdPageSize, start);
    std::filesystem::path part = directory / fmt::format("page-{:04}.json.part", page);
    CacheMeta meta;
    CUSTOMS_ASSIGN_OR_RETURN(Fetch fetched, FetchUrl(url, part, {}, false, meta, options, "nvd", bytes));
    (void)fetched;
    auto text = ReadFile(part);
    if (!text) {
      return tl::unexpected(text.error());
    }
    plan.fresh.emplace_back(part, meta);
    auto doc = nlohmann::json::parse(*text, nullptr, false);
    if (!doc.is_object()) {
      return MakeError(ErrorCode::kCorrupt, "{}: page is not JSON", url);
    }
    std::int64_t total = doc.value("totalResults", 0);
    std::int64_t per_page = doc.value("resultsPerPage", 0);
    if (per_page <= 0) {
      break;
    }
    start += static_cast<int>(per_page);
    if (start >= total) {
      break;
    }
  }
  return Ok();
}

Result<FeedBatch> ParseFiles(const std::vector<std::filesystem::path>& files, Diagnostics& diagnostics) {
  FeedBatch all;
  for (const auto& file : files) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string content, ReadFile(file, std::size_t{2} << 30));
    std::string name = file.filename().string();
    if (name.ends_with(".part")) {
      name.resize(name.size() - 5);
    }
    if (content.size() >= 2 && static_cast<unsigned char>(content[0]) == 0x1f &&
        static_cast<unsigned char>(content[1]) == 0x8b) {
      auto inflated = Gunzip(content);
      if (!inflated) {
        return tl::unexpected(inflated.error().WithContext(file.string()));
      }
      content = std::move(*inflated);
      if (name.ends_with(".gz")) {
        name.resize(name.size() - 3);
      }
    }
    FeedFormat format = DetectFormat(name, std::string_view(content).substr(0, 4096));
    if (format == FeedFormat::kUnknown) {
      return MakeError(ErrorCode::kCorrupt, "{}: the download is not in a format customs knows", file.string());
    }
    FeedBatch batch;
    CUSTOMS_RETURN_IF_ERROR(ParseFeed(format, content, name, batch, diagnostics));
    for (auto& [source, count] : batch.counts) {
      all.counts[source] += count;
    }
    std::move(batch.records.begin(), batch.records.end(), std::back_inserter(all.records));
    for (auto& [cve, kev] : batch.kev) {
      all.kev[cve] = kev;
    }
    std::move(batch.epss.begin(), batch.epss.end(), std::back_inserter(all.epss));
    all.skipped += batch.skipped;
  }
  return all;
}

}  // namespace

std::vector<std::string> UpdateSourceNames() {
  std::vector<std::string> names;
  for (const auto& s : kSources) {
    names.emplace_back(s.name);
  }
  return names;
}

std::vector<std::string> SourceUrls(std::string_view source) {
  for (const auto& [name, ecosystem] : kOsvExports) {
    if (source == name) {
      return {fmt::format("{}/{}/all.zip", kOsvBucket, ecosystem)};
    }
  }
  if (source == "debian") {
    return {"https://security-tracker.debian.org/tracker/data/json"};
  }
  if (source == "debian-dsa") {
    return {"https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DSA/list"};
  }
  if (source == "debian-dla") {
    return {"https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DLA/list"};
  }
  if (source == "alpine") {
    std::vector<std::string> urls;
    for (const char* release : {"v3.18", "v3.19", "v3.20", "v3.21", "v3.22", "edge"}) {
      for (const char* repo : {"main", "community"}) {
        urls.push_back(fmt::format("https://secdb.alpinelinux.org/{}/{}.json", release, repo));
      }
    }
    return urls;
  }
  if (source == "kev") {
    return {"https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"};
  }
  if (source == "epss") {
    return {"https://epss.cyentia.com/epss_scores-current.csv.gz"};
  }
  if (source == "nvd") {
    return {kNvdBase};
  }
  return {};
}

std::string ApplyMirror(std::string_view url, std::string_view mirror) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return std::string(url);
  }
  std::size_t path = url.find('/', scheme + 3);
  std::string_view rest = path == std::string_view::npos ? std::string_view{} : url.substr(path);
  while (!mirror.empty() && mirror.back() == '/') {
    mirror.remove_suffix(1);
  }
  return std::string(mirror) + std::string(rest);
}

Result<UpdateResult> UpdateStore(const UpdateOptions& options, Diagnostics& diagnostics) {
  std::filesystem::path db_path = options.db_path.empty() ? DefaultStorePath() : options.db_path;
  std::filesystem::path directory = db_path.parent_path().empty() ? "." : db_path.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "creating {}: {}", directory.string(), ec.message());
  }
  for (const auto& name : options.sources) {
    if (SourceUrls(name).empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "unknown source '{}'", name);
    }
  }
  CUSTOMS_ASSIGN_OR_RETURN(WriterLock lock, WriterLock::Acquire(db_path, options.lock_timeout));
  std::filesystem::path cache = directory / "feeds";

  UpdateResult result;
  StoreBuilder builder;
  std::vector<SourcePlan> plans;
  for (const auto& def : kSources) {
    SourcePlan plan;
    plan.name = def.name;
    plan.selected = options.sources.empty()
                        ? def.default_on
                        : std::find(options.sources.begin(), options.sources.end(), def.name) != options.sources.end();
    std::filesystem::path source_dir = cache / def.name;
    for (auto it = std::filesystem::directory_iterator(source_dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.ends_with(".part")) {
        std::filesystem::remove(it->path(), ec);  // left by an interrupted update
      } else if (!name.ends_with(".meta")) {
        plan.current.push_back(it->path());
      }
    }
    ec.clear();
    std::sort(plan.current.begin(), plan.current.end());
    if (!plan.selected && plan.current.empty()) {
      continue;
    }
    plans.push_back(std::move(plan));
  }

  for (auto& plan : plans) {
    SourceUpdate update;
    update.name = plan.name;
    std::filesystem::path source_dir = cache / plan.name;
    std::optional<FeedBatch> batch;
    if (plan.selected) {
      std::filesystem::create_directories(source_dir, ec);
      Status fetched = Ok();
      bool any_new = false;
      if (plan.name == "nvd") {
        fetched = FetchNvd(options, source_dir, plan, update.bytes);
        any_new = fetched.has_value();
      } else {
        std::vector<std::string> urls = SourceUrls(plan.name);
        for (std::size_t i = 0; i < urls.size() && fetched; ++i) {
          std::string url = options.mirror.empty() ? urls[i] : ApplyMirror(urls[i], options.mirror);
          std::filesystem::path file = source_dir / FileNameFor(urls[i], i);
          std::filesystem::path part = file;
          part += ".part";
          std::filesystem::path meta_path = file;
          meta_path += ".meta";
          bool cached = std::filesystem::exists(file, ec);
          CacheMeta meta = ReadMeta(meta_path);
          CacheMeta new_meta;
          auto outcome = FetchUrl(url, part, meta, cached, new_meta, options, plan.name, update.bytes);
          if (!outcome) {
            fetched = tl::unexpected(outcome.error());
          } else if (*outcome == Fetch::kUpdated) {
            plan.fresh.emplace_back(part, new_meta);
            any_new = true;
          } else {
            plan.fresh.emplace_back(file, meta);  // 304: the cached file stands for this URL
          }
        }
      }
      if (fetched && any_new) {
        std::vector<std::filesystem::path> files;
        for (const auto& [path, meta] : plan.fresh) {
          files.push_back(path);
        }
        auto parsed = ParseFiles(files, diagnostics);
        if (parsed) {
          batch = std::move(*parsed);
          update.outcome = "updated";
        } else {
          fetched = tl::unexpected(parsed.error());
        }
      } else if (fetched) {
        update.outcome = "not modified";
      }
      if (!fetched) {
        update.error = fetched.error().message();
        for (const auto& [path, meta] : plan.fresh) {
          if (path.extension() == ".part") {
            std::filesystem::remove(path, ec);
          }
        }
        plan.fresh.clear();
        result.failed.push_back(plan.name);
        diagnostics.Warn("vulndb/update", plan.name, update.error);
      }
    }
    if (!batch && !plan.current.empty()) {
      auto previous = ParseFiles(plan.current, diagnostics);
      if (previous) {
        batch = std::move(*previous);
        if (update.outcome.empty()) {
          update.outcome = plan.selected ? "failed (kept previous data)" : "cached";
        }
      } else {
        diagnostics.Warn("vulndb/update", plan.name,
                         fmt::format("previous download unusable: {}", previous.error().message()));
      }
    }
    if (!batch && update.outcome.empty()) {
      update.outcome = "failed (no data)";
    }
    if (batch) {
      std::vector<std::string> urls = SourceUrls(plan.name);
      std::string origin = options.mirror.empty() ? urls.front() : ApplyMirror(urls.front(), options.mirror);
      if (urls.size() > 1) {
        origin += fmt::format(" (+{} more)", urls.size() - 1);
      }
      builder.Add(std::move(*batch), origin);
    }
    result.sources.push_back(std::move(update));
  }

  CUSTOMS_RETURN_IF_ERROR(PublishStore(builder, db_path));
  // Promote downloads only now that the store built from them is live.
  for (auto& plan : plans) {
    bool has_new =
        std::any_of(plan.fresh.begin(), plan.fresh.end(), [](const auto& f) { return f.first.extension() == ".part"; });
    if (!has_new) {
      continue;
    }
    if (plan.name == "nvd") {
      for (const auto& old : plan.current) {
        std::filesystem::remove(old, ec);
      }
    }
    for (const auto& [path, meta] : plan.fresh) {
      if (path.extension() != ".part") {
        continue;
      }
      std::filesystem::path final_path = path;
      final_path.replace_extension();
      std::filesystem::rename(path, final_path, ec);
      nlohmann::json doc = {{"url", meta.url}, {"etag", meta.etag}, {"last_modified", meta.last_modified}};
      std::filesystem::path meta_path = final_path;
      meta_path += ".meta";
      (void)WriteFileAtomic(meta_path, doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
  CUSTOMS_ASSIGN_OR_RETURN(auto store, Store::Open(db_path));
  CUSTOMS_ASSIGN_OR_RETURN(StoreInfo info, store->Info());
  result.store = std::move(info);
  return result;
}

}  // namespace customs::vulndb
