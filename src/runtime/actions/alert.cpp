#include "runtime/actions/alert.h"

#include <curl/curl.h>
#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

namespace customs::runtime {
namespace {

std::string Rfc3339(uint64_t time_ns) {
  time_t seconds = static_cast<time_t>(time_ns / 1000000000ULL);
  struct tm tm_value;
  gmtime_r(&seconds, &tm_value);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm_value.tm_year + 1900, tm_value.tm_mon + 1,
                     tm_value.tm_mday, tm_value.tm_hour, tm_value.tm_min, tm_value.tm_sec, time_ns % 1000000000ULL);
}

std::string ClockTime(uint64_t time_ns) {
  time_t seconds = static_cast<time_t>(time_ns / 1000000000ULL);
  struct tm tm_value;
  gmtime_r(&seconds, &tm_value);
  return fmt::format("{:02}:{:02}:{:02}.{:09}", tm_value.tm_hour, tm_value.tm_min, tm_value.tm_sec,
                     time_ns % 1000000000ULL);
}

std::string Hostname() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

}  // namespace

Alert MakeAlert(const Rule& rule, const Event& event) {
  Alert alert;
  alert.rule = rule.name;
  alert.priority = rule.priority;
  alert.time_ns = event.time_ns;
  alert.output = rule.output.Render(event);
  alert.tags = rule.tags;
  alert.container_id = event.container_id.empty() ? "host" : event.container_id.substr(0, 12);
  for (const auto& segment : rule.output.segments()) {
    if (segment.field_text.empty()) {
      continue;
    }
    bool seen = false;
    for (const auto& [key, value] : alert.output_fields) {
      seen = seen || key == segment.field_text;
    }
    if (seen) {
      continue;
    }
    if (segment.unknown) {
      alert.output_fields.emplace_back(segment.field_text, "<NA>");
      alert.output_field_numeric.push_back(false);
    } else {
      std::string text = FieldText(event, segment.field);
      alert.output_field_numeric.push_back(FieldIsNumeric(segment.field) && text != "<NA>");
      alert.output_fields.emplace_back(segment.field_text, std::move(text));
    }
  }
  return alert;
}

std::string AlertToJson(const Alert& alert) {
  static const std::string hostname = Hostname();
  nlohmann::ordered_json j;
  j["time"] = Rfc3339(alert.time_ns);
  j["rule"] = alert.rule;
  j["priority"] = PriorityName(alert.priority);
  j["output"] = fmt::format("{}: {} {}", ClockTime(alert.time_ns), PriorityName(alert.priority), alert.output);
  auto& fields = j["output_fields"] = nlohmann::ordered_json::object();
  for (size_t i = 0; i < alert.output_fields.size(); ++i) {
    const auto& [key, value] = alert.output_fields[i];
    if (alert.output_field_numeric[i]) {
      fields[key] = std::stoll(value);
    } else {
      fields[key] = value;
    }
  }
  j["tags"] = alert.tags;
  j["source"] = "syscall";
  j["hostname"] = hostname;
  j["container.id"] = alert.container_id;
  auto& actions = j["actions"] = nlohmann::ordered_json::array();
  for (const auto& action : alert.actions) {
    actions.push_back({{"action", ActionName(action.action)},
                       {"dry_run", action.dry_run},
                       {"ok", action.ok},
                       {"time", Rfc3339(action.time_ns)},
                       {"target", action.target},
                       {"result", action.result}});
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string AlertToText(const Alert& alert) {
  std::string out = fmt::format("{}: {} {}", ClockTime(alert.time_ns), PriorityName(alert.priority), alert.output);
  for (const auto& action : alert.actions) {
    out += fmt::format(" [{}{}: {}]", action.dry_run ? "dry-run " : "", ActionName(action.action), action.result);
  }
  return out;
}

Result<std::unique_ptr<StreamSink>> StreamSink::Open(const std::string& path, AlertFormat format) {
  FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return MakeError(ErrorCode::kIo, "cannot open {}: {}", path, std::strerror(errno));
  }
  return std::make_unique<StreamSink>(file, format, true);
}

StreamSink::~StreamSink() {
  if (owns_ && file_ != nullptr) {
    std::fclose(file_);
  }
}

void StreamSink::Write(const Alert& alert) {
  std::string line = format_ == AlertFormat::kJson ? AlertToJson(alert) : AlertToText(alert);
  line.push_back('\n');
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

void StreamSink::Flush() {
  std::lock_guard lock(mutex_);
  std::fflush(file_);
}

SyslogSink::SyslogSink() {
  openlog("customs", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void SyslogSink::Write(const Alert& alert) {
  static constexpr int kLevels[] = {LOG_EMERG,   LOG_ALERT,  LOG_CRIT, LOG_ERR,
                                    LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
  syslog(kLevels[static_cast<size_t>(alert.priority)], "%s", AlertToJson(alert).c_str());
}

WebhookSink::WebhookSink(std::string url, size_t max_queue, int max_attempts)
    : url_(std::move(url)), max_queue_(max_queue), max_attempts_(max_attempts) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  thread_ = std::thread([this] { Run(); });
}

WebhookSink::~WebhookSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WebhookSink::Write(const Alert& alert) {
  std::string body = AlertToJson(alert);
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queue_) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back(std::move(body));
  }
  cv_.notify_one();
}

void WebhookSink::Run() {
  CURL* curl = curl_easy_init();
  struct curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  while (true) {
    std::string body;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        break;
      }
      body = std::move(queue_.front());
      queue_.pop_front();
    }
    bool ok = false;
    for (int attempt = 0; attempt < max_attempts_ && !ok; ++attempt) {
      if (attempt > 0) {
        std::unique_lock lock(mutex_);
        // Back off 1 s, 2 s, 4 s...; on shutdown retry only once more without waiting.
        if (stopping_ && attempt > 1) {
          break;
        }
        cv_.wait_for(lock, std::chrono::seconds(1 << (attempt - 1)), [&] { return stopping_; });
      }
      curl_easy_reset(curl);
      curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
      curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
      curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(
          curl, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t n, void*) { return size * n; });
      CURLcode code = curl_easy_perform(curl);
      long status = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      ok = code == CURLE_OK && status >= 200 && status < 300;
    }
    if (ok) {
      ++delivered_;
    } else {
      ++failed_;
    }
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
}

}  // namespace customs::runtime
