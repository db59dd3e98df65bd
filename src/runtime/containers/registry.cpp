#include "runtime/containers/registry.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

namespace customs::runtime {
namespace {

// Bounds: a host that churns containers for months must not grow without limit.
constexpr size_t kMaxCgroups = 200000;
constexpr size_t kMaxContainers = 100000;

// When a cgroup matches no layout, the engines' state may appear only after the cgroup (runc writes state.json
// once its init exists): check again after these delays.
constexpr std::chrono::milliseconds kClassifyRetries[] = {std::chrono::milliseconds(0), std::chrono::milliseconds(50),
                                                          std::chrono::milliseconds(500)};

std::string RelativePath(const std::filesystem::path& root, const std::filesystem::path& dir) {
  std::string rel = dir.lexically_relative(root).generic_string();
  if (rel == "." || rel.empty()) {
    return "/";
  }
  return "/" + rel;
}

}  // namespace

ContainerRegistry::ContainerRegistry(EngineConfig config, std::filesystem::path cgroup_root)
    : client_(std::move(config)), cgroup_root_(std::move(cgroup_root)) {}

ContainerRegistry::~ContainerRegistry() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) {
    worker_.join();
  }
}

void ContainerRegistry::Start() {
  std::lock_guard lock(mutex_);
  if (!worker_.joinable()) {
    worker_ = std::thread([this] { Run(); });
  }
}

std::shared_ptr<const CgroupEntry> ContainerRegistry::Record(uint64_t cgroup_id, std::string_view path) {
  auto entry = std::make_shared<CgroupEntry>();
  entry->id = cgroup_id;
  entry->path = path.empty() ? std::string("/") : std::string(path);
  entry->dir = cgroup_root_ / std::filesystem::path(entry->path).relative_path();
  if (auto parsed = ParseContainerCgroup(entry->path)) {
    entry->container_id = parsed->id;
    entry->where = *parsed;
    entry->container_dir = cgroup_root_ / std::filesystem::path(parsed->container_path).relative_path();
    QueueFetch(entry->where);
  } else if (entry->path != "/") {
    entry->classifying = true;
  }
  if (cgroups_.size() >= kMaxCgroups) {
    cgroups_.clear();
  }
  cgroups_[cgroup_id] = entry;
  return entry;
}

void ContainerRegistry::QueueFetch(const CgroupContainer& where) {
  MetaEntry& meta = containers_[where.id];
  if (meta.queued) {
    return;
  }
  meta.queued = true;
  Task task;
  task.kind = Task::Kind::kFetch;
  task.container_id = where.id;
  task.where = where;
  tasks_.push_back(std::move(task));
  cv_.notify_one();
}

void ContainerRegistry::Scan() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  auto record_dir = [&](const std::filesystem::path& dir) {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) {
      return;
    }
    if (cgroups_.count(st.st_ino)) {
      return;
    }
    auto entry = Record(st.st_ino, RelativePath(cgroup_root_, dir));
    if (entry->classifying) {
      Task task;
      task.kind = Task::Kind::kClassify;
      task.cgroup_id = entry->id;
      task.attempt = static_cast<int>(std::size(kClassifyRetries)) - 1;  // existing cgroups: one check is enough
      tasks_.push_back(task);
    }
  };
  record_dir(cgroup_root_);
  std::filesystem::recursive_directory_iterator it(cgroup_root_,
                                                   std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) {
      record_dir(it->path());
    }
  }
  cv_.notify_one();
}

std::shared_ptr<const CgroupEntry> ContainerRegistry::OnCgroupCreated(uint64_t cgroup_id, std::string_view path) {
  std::lock_guard lock(mutex_);
  // A container's cgroup: Record queued a fetch (for a restarted container, a refresh; the cached metadata is served
  // meanwhile).
  auto entry = Record(cgroup_id, path);
  if (entry->classifying) {
    Task task;
    task.kind = Task::Kind::kClassify;
    task.cgroup_id = cgroup_id;
    tasks_.push_back(task);
  }
  cv_.notify_one();
  return entry;
}

void ContainerRegistry::OnCgroupRemoved(uint64_t cgroup_id) {
  std::lock_guard lock(mutex_);
  cgroups_.erase(cgroup_id);
}

std::shared_ptr<const CgroupEntry> ContainerRegistry::Lookup(uint64_t cgroup_id) const {
  std::lock_guard lock(mutex_);
  auto it = cgroups_.find(cgroup_id);
  return it == cgroups_.end() ? nullptr : it->second;
}

std::shared_ptr<const CgroupEntry> ContainerRegistry::ResolvePid(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) != 0) {
      continue;
    }
    std::string path = line.substr(3);
    std::filesystem::path dir = cgroup_root_ / std::filesystem::path(path).relative_path();
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) {
      return nullptr;
    }
    if (auto known = Lookup(st.st_ino)) {
      return known;
    }
    return OnCgroupCreated(st.st_ino, path);
  }
  return nullptr;
}

ContainerRegistry::MetadataState ContainerRegistry::Metadata(const std::string& container_id) const {
  std::lock_guard lock(mutex_);
  auto it = containers_.find(container_id);
  if (it == containers_.end()) {
    return {nullptr, false};
  }
  return {it->second.metadata, it->second.metadata == nullptr && it->second.queued};
}

std::vector<std::string> ContainerRegistry::TakeUpdated() {
  std::lock_guard lock(mutex_);
  return std::exchange(updated_, {});
}

std::vector<std::shared_ptr<const CgroupEntry>> ContainerRegistry::Entries() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const CgroupEntry>> out;
  out.reserve(cgroups_.size());
  for (const auto& [id, entry] : cgroups_) {
    out.push_back(entry);
  }
  return out;
}

bool ContainerRegistry::WaitIdle(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex_);
      bool busy = running_ > 0 || std::any_of(tasks_.begin(), tasks_.end(), [](const Task& t) {
                    return t.not_before <= std::chrono::steady_clock::now();
                  });
      if (!busy) {
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

void ContainerRegistry::Publish(ContainerMetadata metadata) {
  std::lock_guard lock(mutex_);
  std::string id = metadata.id;
  if (containers_.size() >= kMaxContainers && !containers_.count(id)) {
    containers_.clear();
  }
  MetaEntry& meta = containers_[id];
  meta.metadata = std::make_shared<const ContainerMetadata>(std::move(metadata));
  meta.queued = false;
  updated_.push_back(id);
}

uint64_t ContainerRegistry::fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

void ContainerRegistry::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    auto ready = std::find_if(tasks_.begin(), tasks_.end(), [&](const Task& t) { return t.not_before <= now; });
    if (ready == tasks_.end()) {
      if (tasks_.empty()) {
        cv_.wait(lock);
      } else {
        auto next = std::min_element(tasks_.begin(), tasks_.end(), [](const Task& a, const Task& b) {
                      return a.not_before < b.not_before;
                    })->not_before;
        cv_.wait_until(lock, next);
      }
      continue;
    }
    Task task = std::move(*ready);
    tasks_.erase(ready);
    ++running_;
    lock.unlock();
    RunTask(std::move(task));
    lock.lock();
    --running_;
  }
}

void ContainerRegistry::RunTask(const Task& task) {
  if (task.kind == Task::Kind::kFetch) {
    ContainerMetadata metadata = client_.Fetch(task.where);
    {
      std::lock_guard lock(mutex_);
      ++fetches_;
    }
    Publish(std::move(metadata));
    return;
  }
  std::shared_ptr<const CgroupEntry> entry = Lookup(task.cgroup_id);
  if (entry == nullptr || !entry->container_id.empty()) {
    return;
  }
  auto found = client_.Classify(entry->path, entry->dir);
  std::lock_guard lock(mutex_);
  auto updated = std::make_shared<CgroupEntry>(*entry);
  if (found) {
    updated->container_id = found->id;
    updated->where = *found;
    updated->container_dir = cgroup_root_ / std::filesystem::path(found->container_path).relative_path();
    updated->classifying = false;
    QueueFetch(updated->where);
  } else if (task.attempt + 1 < static_cast<int>(std::size(kClassifyRetries))) {
    // Not (yet) a container: the first check answers the event loop (host); later ones may still find it.
    updated->classifying = false;
    Task retry = task;
    ++retry.attempt;
    retry.not_before = std::chrono::steady_clock::now() + kClassifyRetries[retry.attempt];
    tasks_.push_back(retry);
    cv_.notify_one();
  } else {
    updated->classifying = false;
  }
  if (cgroups_.count(task.cgroup_id)) {
    cgroups_[task.cgroup_id] = updated;
  }
  updated_.push_back(std::string());  // an empty id: a cgroup's classification changed
}

}  // namespace customs::runtime
