#include "runtime/containers/engines.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "runtime/containers/grpc.h"

namespace customs::runtime {
namespace {

using nlohmann::json;

constexpr size_t kMaxDocument = size_t{8} << 20;

json ParseJson(std::string_view text) {
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string GetString(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void ReadLabels(const json& j, Labels* out) {
  if (!j.is_object()) {
    return;
  }
  for (const auto& [key, value] : j.items()) {
    if (value.is_string()) {
      out->emplace_back(key, value.get<std::string>());
    }
  }
  SortLabels(out);
}

const std::string* Annotation(const Labels& annotations, std::string_view key) {
  for (const auto& [k, v] : annotations) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

// The repository digest of "repo@sha256:..." entries.
std::string DigestOf(std::string_view reference) {
  size_t at = reference.find('@');
  return at == std::string_view::npos ? std::string() : std::string(reference.substr(at + 1));
}

}  // namespace

uint64_t ParseRfc3339Ns(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':') {
    return 0;
  }
  auto number = [&](size_t pos, size_t len, int* out) {
    int value = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
        return false;
      }
      value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!number(0, 4, &year) || !number(5, 2, &month) || !number(8, 2, &day) || !number(11, 2, &hour) ||
      !number(14, 2, &minute) || !number(17, 2, &second) || year < 1971 || month < 1 || month > 12 || day < 1 ||
      day > 31 || hour > 23 || minute > 59 || second > 60) {
    return 0;
  }
  size_t pos = 19;
  uint64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (digits < 9) {
        nanos = nanos * 10 + static_cast<uint64_t>(text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    while (digits++ < 9) {
      nanos *= 10;
    }
  }
  int64_t offset = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0, om = 0;
    if (pos + 6 > text.size() || !number(pos + 1, 2, &oh) || !number(pos + 4, 2, &om)) {
      return 0;
    }
    offset = (text[pos] == '+' ? 1 : -1) * (int64_t{oh} * 3600 + int64_t{om} * 60);
  } else if (pos >= text.size() || text[pos] != 'Z') {
    return 0;
  }
  struct tm tm_value = {};
  tm_value.tm_year = year - 1900;
  tm_value.tm_mon = month - 1;
  tm_value.tm_mday = day;
  tm_value.tm_hour = hour;
  tm_value.tm_min = minute;
  tm_value.tm_sec = second;
  time_t seconds = timegm(&tm_value);
  if (seconds <= 0) {
    return 0;
  }
  return static_cast<uint64_t>(seconds - offset) * 1000000000ULL + nanos;
}

Status ParseDockerInspect(std::string_view text, ContainerMetadata* out) {
  json j = ParseJson(text);
  if (!j.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "container inspect: not a JSON object");
  }
  std::string id = GetString(j, "Id");
  if (id.empty()) {
    id = GetString(j, "ID");  // config.v2.json
  }
  if (id.empty()) {
    return MakeError(ErrorCode::kCorrupt, "container inspect: no Id");
  }
  out->id = id;
  std::string name = GetString(j, "Name");
  if (!name.empty() && name.front() == '/') {
    name.erase(0, 1);
  }
  out->name = name;
  out->image_id = GetString(j, "Image");
  if (auto config = j.find("Config"); config != j.end() && config->is_object()) {
    out->image = GetString(*config, "Image");
    if (auto labels = config->find("Labels"); labels != config->end()) {
      out->labels.clear();
      ReadLabels(*labels, &out->labels);
    }
  }
  if (out->image.empty()) {
    out->image = GetString(j, "ImageName");  // podman's libpod inspect
  }
  if (auto host = j.find("HostConfig"); host != j.end() && host->is_object()) {
    if (auto privileged = host->find("Privileged"); privileged != host->end() && privileged->is_boolean()) {
      out->privileged = privileged->get<bool>() ? 1 : 0;
    }
  }
  if (auto state = j.find("State"); state != j.end() && state->is_object()) {
    out->start_ns = ParseRfc3339Ns(GetString(*state, "StartedAt"));
  }
  return Ok();
}

Status ParseDockerHostConfig(std::string_view text, ContainerMetadata* out) {
  json j = ParseJson(text);
  if (!j.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "hostconfig.json: not a JSON object");
  }
  if (auto privileged = j.find("Privileged"); privileged != j.end() && privileged->is_boolean()) {
    out->privileged = privileged->get<bool>() ? 1 : 0;
  }
  return Ok();
}

Status ParseDockerImageInspect(std::string_view text, ContainerMetadata* out) {
  json j = ParseJson(text);
  if (!j.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "image inspect: not a JSON object");
  }
  if (auto digests = j.find("RepoDigests"); digests != j.end() && digests->is_array()) {
    for (const auto& entry : *digests) {
      if (entry.is_string()) {
        std::string digest = DigestOf(entry.get<std::string>());
        if (!digest.empty()) {
          out->image_digest = digest;
          break;
        }
      }
    }
  }
  return Ok();
}

Result<std::vector<ContainerMetadata>> ParsePodmanContainersJson(std::string_view text) {
  json j = ParseJson(text);
  if (!j.is_array()) {
    return MakeError(ErrorCode::kCorrupt, "containers.json: not a JSON array");
  }
  std::vector<ContainerMetadata> out;
  for (const auto& entry : j) {
    if (!entry.is_object()) {
      continue;
    }
    ContainerMetadata m;
    m.id = GetString(entry, "id");
    if (m.id.empty()) {
      continue;
    }
    m.engine = ContainerEngine::kPodman;
    if (auto names = entry.find("names");
        names != entry.end() && names->is_array() && !names->empty() && (*names)[0].is_string()) {
      m.name = (*names)[0].get<std::string>();
    }
    m.image_id = GetString(entry, "image");
    if (!m.image_id.empty() && m.image_id.find(':') == std::string::npos) {
      m.image_id = "sha256:" + m.image_id;
    }
    // "metadata" is JSON inside a string: {"image-name": "...", "name": "..."}.
    json metadata = ParseJson(GetString(entry, "metadata"));
    if (metadata.is_object()) {
      m.image = GetString(metadata, "image-name");
      if (m.name.empty()) {
        m.name = GetString(metadata, "name");
      }
    }
    m.start_ns = ParseRfc3339Ns(GetString(entry, "created"));
    m.from_engine = true;
    out.push_back(std::move(m));
  }
  return out;
}

void ApplyAnnotations(const Labels& annotations, ContainerMetadata* out) {
  auto get = [&](std::string_view key) -> std::string {
    const std::string* value = Annotation(annotations, key);
    return value ? *value : std::string();
  };
  // containerd's CRI plugin.
  if (!get("io.kubernetes.cri.container-type").empty() || !get("io.kubernetes.cri.sandbox-name").empty()) {
    out->engine = ContainerEngine::kContainerd;
    std::string type = get("io.kubernetes.cri.container-type");
    out->name = type == "sandbox" ? get("io.kubernetes.cri.sandbox-name") : get("io.kubernetes.cri.container-name");
    out->image = get("io.kubernetes.cri.image-name");
    out->k8s_pod_name = get("io.kubernetes.cri.sandbox-name");
    out->k8s_namespace = get("io.kubernetes.cri.sandbox-namespace");
    out->k8s_pod_uid = get("io.kubernetes.cri.sandbox-uid");
    out->k8s_sandbox_id = get("io.kubernetes.cri.sandbox-id");
    if (out->k8s_sandbox_id.empty() && type == "sandbox") {
      out->k8s_sandbox_id = out->id;
    }
    return;
  }
  // CRI-O: the kubelet's labels travel as a JSON object in io.kubernetes.cri-o.Labels.
  if (!get("io.kubernetes.cri-o.ContainerType").empty() || !get("io.kubernetes.cri-o.Labels").empty()) {
    out->engine = ContainerEngine::kCrio;
    Labels labels;
    ReadLabels(ParseJson(get("io.kubernetes.cri-o.Labels")), &labels);
    auto label = [&](std::string_view key) {
      const std::string* value = FindLabel(labels, key);
      return value ? *value : std::string();
    };
    std::string type = get("io.kubernetes.cri-o.ContainerType");
    out->k8s_pod_name = label("io.kubernetes.pod.name");
    out->k8s_namespace = label("io.kubernetes.pod.namespace");
    out->k8s_pod_uid = label("io.kubernetes.pod.uid");
    if (out->k8s_namespace.empty()) {
      out->k8s_namespace = get("io.kubernetes.cri-o.Namespace");
    }
    out->k8s_sandbox_id = get("io.kubernetes.cri-o.SandboxID");
    if (type == "sandbox") {
      out->name = out->k8s_pod_name;
      out->k8s_pod_labels = labels;
    } else {
      out->name = label("io.kubernetes.container.name");
      out->labels = labels;
    }
    out->image = get("io.kubernetes.cri-o.ImageName");
    if (out->image.empty()) {
      out->image = get("io.kubernetes.cri-o.Image");
    }
    std::string digests = get("io.kubernetes.cri-o.ImageRepoDigests");
    if (!digests.empty()) {
      out->image_digest = DigestOf(digests.substr(0, digests.find(',')));
    }
    out->image_id = get("io.kubernetes.cri-o.ImageRef");
    return;
  }
  // podman.
  if (get("io.container.manager") == "libpod") {
    out->engine = ContainerEngine::kPodman;
    std::string privileged = get("io.podman.annotations.privileged");
    if (!privileged.empty()) {
      out->privileged = (privileged == "TRUE" || privileged == "true") ? 1 : 0;
    }
  }
}

Status ParseOciConfig(std::string_view text, ContainerMetadata* out) {
  json j = ParseJson(text);
  if (!j.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "config.json: not a JSON object");
  }
  Labels annotations;
  if (auto a = j.find("annotations"); a != j.end()) {
    ReadLabels(*a, &annotations);
  }
  int8_t privileged_before = out->privileged;
  ApplyAnnotations(annotations, out);
  if (out->privileged < 0 || privileged_before < 0) {
    // The spec of a privileged container: every capability (CAP_SYS_ADMIN among them) and no masked paths.
    bool sys_admin = false;
    size_t bounding = 0;
    if (auto process = j.find("process"); process != j.end() && process->is_object()) {
      if (auto caps = process->find("capabilities"); caps != process->end() && caps->is_object()) {
        if (auto b = caps->find("bounding"); b != caps->end() && b->is_array()) {
          bounding = b->size();
          for (const auto& cap : *b) {
            sys_admin = sys_admin || (cap.is_string() && cap.get<std::string>() == "CAP_SYS_ADMIN");
          }
        }
      }
    }
    bool masked = false;
    if (auto linux_section = j.find("linux"); linux_section != j.end() && linux_section->is_object()) {
      if (auto paths = linux_section->find("maskedPaths"); paths != linux_section->end() && paths->is_array()) {
        masked = !paths->empty();
      }
    }
    if (out->privileged < 0) {
      out->privileged = (sys_admin && !masked && bounding >= 38) ? 1 : 0;
    }
  }
  return Ok();
}

Result<RuncState> ParseRuncState(std::string_view text) {
  json j = ParseJson(text);
  if (!j.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "state.json: not a JSON object");
  }
  RuncState state;
  state.id = GetString(j, "id");
  if (state.id.empty()) {
    return MakeError(ErrorCode::kCorrupt, "state.json: no id");
  }
  if (auto pid = j.find("init_process_pid"); pid != j.end() && pid->is_number_integer()) {
    state.init_pid = pid->get<int64_t>();
  }
  if (auto start = j.find("init_process_start"); start != j.end() && start->is_number_unsigned()) {
    state.init_start_ticks = start->get<uint64_t>();
  }
  if (auto paths = j.find("cgroup_paths"); paths != j.end() && paths->is_object()) {
    for (const auto& [controller, value] : paths->items()) {
      if (value.is_string() && (controller.empty() || controller == "unified")) {
        state.unified_cgroup = value.get<std::string>();
      }
    }
  }
  if (auto config = j.find("config"); config != j.end() && config->is_object()) {
    if (auto labels = config->find("labels"); labels != config->end() && labels->is_array()) {
      for (const auto& label : *labels) {
        if (!label.is_string()) {
          continue;
        }
        const std::string& text_label = label.get_ref<const std::string&>();
        size_t eq = text_label.find('=');
        if (eq == std::string::npos) {
          continue;
        }
        std::string key = text_label.substr(0, eq);
        std::string value = text_label.substr(eq + 1);
        if (key == "bundle") {
          state.bundle = value;
        } else {
          state.annotations.emplace_back(std::move(key), std::move(value));
        }
      }
    }
  }
  SortLabels(&state.annotations);
  return state;
}

// ------------------------------------------------------------------------------------------------------------------
// I/O.

namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * count > kMaxDocument) {
    return 0;  // too big: abort the transfer
  }
  body->append(data, size * count);
  return size * count;
}

std::once_flag curl_once;

}  // namespace

Result<std::string> UnixSocketGet(const std::string& socket, const std::string& path,
                                  std::chrono::milliseconds timeout) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  }
  std::string body;
  std::string url = "http://localhost" + path;
  curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return MakeError(ErrorCode::kNetwork, "{} {}: {}", socket, path, curl_easy_strerror(rc));
  }
  if (status == 404) {
    return MakeError(ErrorCode::kNotFound, "{} {}: 404", socket, path);
  }
  if (status != 200) {
    return MakeError(ErrorCode::kIo, "{} {}: HTTP {}", socket, path, status);
  }
  return body;
}

bool EngineClient::FetchDocker(const std::string& id, ContainerMetadata* out) {
  if (!config_.docker_socket.empty()) {
    auto inspect = UnixSocketGet(config_.docker_socket, "/containers/" + id + "/json", config_.timeout);
    if (inspect && ParseDockerInspect(*inspect, out)) {
      if (!out->image_id.empty()) {
        auto image = UnixSocketGet(config_.docker_socket, "/images/" + out->image_id + "/json", config_.timeout);
        if (image) {
          (void)ParseDockerImageInspect(*image, out);
        }
      }
      return true;
    }
  }
  std::filesystem::path dir = config_.docker_root / "containers" / id;
  auto config = ReadFile(dir / "config.v2.json", kMaxDocument);
  if (!config || !ParseDockerInspect(*config, out)) {
    return false;
  }
  if (auto host = ReadFile(dir / "hostconfig.json", kMaxDocument)) {
    (void)ParseDockerHostConfig(*host, out);
  }
  return true;
}

bool EngineClient::FetchPodman(const std::string& id, ContainerMetadata* out) {
  if (!config_.podman_socket.empty()) {
    auto inspect = UnixSocketGet(config_.podman_socket, "/containers/" + id + "/json", config_.timeout);
    if (inspect && ParseDockerInspect(*inspect, out)) {
      return true;
    }
  }
  bool found = false;
  if (auto text = ReadFile(config_.podman_root / "overlay-containers" / "containers.json", size_t{64} << 20)) {
    if (auto all = ParsePodmanContainersJson(*text)) {
      for (auto& m : *all) {
        if (m.id == id) {
          *out = std::move(m);
          found = true;
          break;
        }
      }
    }
  }
  if (auto config =
          ReadFile(config_.podman_root / "overlay-containers" / id / "userdata" / "config.json", kMaxDocument)) {
    ContainerMetadata spec;
    spec.id = id;
    if (ParseOciConfig(*config, &spec)) {
      out->privileged = spec.privileged;
      found = true;
    }
  }
  return found;
}

void EngineClient::AddCriLabels(const std::string& id, ContainerMetadata* out) {
  for (const auto& socket : config_.cri_sockets) {
    std::error_code ec;
    if (socket.empty() || !std::filesystem::exists(socket, ec)) {
      continue;
    }
    // runtime.v1 PodSandboxStatusRequest{pod_sandbox_id = 1}: PodSandboxStatus (1) labels (7).
    ProtoWriter pod_request;
    pod_request.String(1, out->k8s_sandbox_id);
    auto pod =
        GrpcUnaryCall(socket, "/runtime.v1.RuntimeService/PodSandboxStatus", pod_request.bytes(), {}, config_.timeout);
    if (!pod) {
      continue;  // not this runtime's pod, or no CRI here
    }
    out->k8s_pod_labels = ProtoStringMap(ProtoBytes(*pod, 1), 7);
    // ContainerStatusRequest{container_id = 1}: ContainerStatus (1) labels (12).
    ProtoWriter container_request;
    container_request.String(1, id);
    auto container = GrpcUnaryCall(socket, "/runtime.v1.RuntimeService/ContainerStatus", container_request.bytes(), {},
                                   config_.timeout);
    if (container) {
      Labels labels = ProtoStringMap(ProtoBytes(*container, 1), 12);
      if (!labels.empty()) {
        out->labels = std::move(labels);
      }
    }
    return;
  }
}

void EngineClient::AddContainerdRecord(const std::string& id, const std::string& ns, ContainerMetadata* out) {
  std::error_code ec;
  if (config_.containerd_socket.empty() || !std::filesystem::exists(config_.containerd_socket, ec)) {
    return;
  }
  // containerd.services.containers.v1 GetContainerRequest{id = 1}: Container (1) {labels (2), image (3)}.
  ProtoWriter request;
  request.String(1, id);
  auto response = GrpcUnaryCall(config_.containerd_socket, "/containerd.services.containers.v1.Containers/Get",
                                request.bytes(), {"containerd-namespace: " + ns}, config_.timeout);
  if (!response) {
    return;
  }
  std::string_view container = ProtoBytes(*response, 1);
  std::string image(ProtoBytes(container, 3));
  if (!image.empty() && out->image.empty()) {
    out->image = std::move(image);
  }
  Labels labels = ProtoStringMap(container, 2);
  if (!labels.empty() && out->labels.empty()) {
    out->labels = std::move(labels);
  }
}

bool EngineClient::FetchContainerd(const std::string& id, const std::string& ns, ContainerMetadata* out) {
  std::filesystem::path tasks = config_.containerd_state / "io.containerd.runtime.v2.task";
  std::vector<std::filesystem::path> candidates;
  if (!ns.empty()) {
    candidates.push_back(tasks / ns / id / "config.json");
  } else {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(tasks, ec)) {
      candidates.push_back(entry.path() / id / "config.json");
    }
  }
  for (const auto& path : candidates) {
    auto config = ReadFile(path, kMaxDocument);
    if (config && ParseOciConfig(*config, out)) {
      if (out->engine == ContainerEngine::kUnknown || out->engine == ContainerEngine::kCri) {
        out->engine = ContainerEngine::kContainerd;
      }
      if (!out->k8s_sandbox_id.empty()) {
        AddCriLabels(id, out);
      } else {
        // The bundle's directory names the namespace (ctr run, or another containerd client).
        AddContainerdRecord(id, path.parent_path().parent_path().filename().string(), out);
      }
      if (out->name.empty()) {
        out->name = id;  // ctr run: the container id is its name
      }
      return true;
    }
  }
  return false;
}

bool EngineClient::FetchCrio(const std::string& id, ContainerMetadata* out) {
  std::filesystem::path userdata = config_.crio_root / "overlay-containers" / id / "userdata" / "config.json";
  auto config = ReadFile(userdata, kMaxDocument);
  if (!config || !ParseOciConfig(*config, out) || out->engine != ContainerEngine::kCrio) {
    return false;
  }
  // Pod labels: the sandbox's labels.
  if (!out->k8s_sandbox_id.empty() && out->k8s_sandbox_id != id) {
    auto sandbox = ReadFile(config_.crio_root / "overlay-containers" / out->k8s_sandbox_id / "userdata" / "config.json",
                            kMaxDocument);
    ContainerMetadata pod;
    pod.id = out->k8s_sandbox_id;
    if (sandbox && ParseOciConfig(*sandbox, &pod)) {
      out->k8s_pod_labels = pod.k8s_pod_labels;
    }
  }
  return true;
}

std::optional<RuncState> EngineClient::FindRuncState(const std::string& id) {
  for (const auto& root : config_.runc_roots) {
    std::vector<std::filesystem::path> candidates = {root / id / "state.json"};
    // containerd and docker keep one runc root per namespace: <root>/<namespace>/<id>.
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
      candidates.push_back(entry.path() / id / "state.json");
    }
    for (const auto& path : candidates) {
      auto text = ReadFile(path, kMaxDocument);
      if (!text) {
        continue;
      }
      auto state = ParseRuncState(*text);
      if (state && state->id == id) {
        return *state;
      }
    }
  }
  return std::nullopt;
}

bool EngineClient::FetchRunc(const std::string& id, ContainerMetadata* out) {
  auto state = FindRuncState(id);
  if (!state) {
    return false;
  }
  ApplyAnnotations(state->annotations, out);
  if (!state->bundle.empty()) {
    if (auto config = ReadFile(std::filesystem::path(state->bundle) / "config.json", kMaxDocument)) {
      (void)ParseOciConfig(*config, out);
    }
  }
  if (out->engine == ContainerEngine::kUnknown) {
    out->engine = ContainerEngine::kRunc;
  }
  if (out->name.empty()) {
    out->name = id;
  }
  return true;
}

ContainerMetadata EngineClient::Fetch(const CgroupContainer& where) {
  ContainerMetadata m;
  m.id = where.id;
  m.engine = where.engine;
  bool found = false;
  switch (where.engine) {
    case ContainerEngine::kDocker:
      found = FetchDocker(where.id, &m);
      m.engine = ContainerEngine::kDocker;
      break;
    case ContainerEngine::kPodman:
      found = FetchPodman(where.id, &m) || FetchRunc(where.id, &m);
      m.engine = ContainerEngine::kPodman;
      break;
    case ContainerEngine::kContainerd:
    case ContainerEngine::kCri: found = FetchContainerd(where.id, where.ns, &m) || FetchCrio(where.id, &m); break;
    case ContainerEngine::kCrio: found = FetchCrio(where.id, &m); break;
    case ContainerEngine::kRunc:
    case ContainerEngine::kUnknown:
      // A bare 64-hex cgroup: any engine may own it.
      found = FetchRunc(where.id, &m) || FetchContainerd(where.id, "", &m);
      break;
  }
  m.id = where.id;
  m.from_engine = found;
  if (m.k8s_pod_uid.empty()) {
    m.k8s_pod_uid = where.pod_uid;
  }
  return m;
}

std::optional<CgroupContainer> EngineClient::Classify(std::string_view relative_path,
                                                      const std::filesystem::path& absolute_dir) {
  // `ctr run`: /<namespace>/<id> with a task bundle under the containerd state directory.
  std::string_view path = relative_path;
  while (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  size_t slash = path.find('/');
  if (slash != std::string_view::npos && path.find('/', slash + 1) == std::string_view::npos) {
    std::string ns(path.substr(0, slash));
    std::string id(path.substr(slash + 1));
    std::error_code ec;
    if (!ns.empty() && !id.empty() && ns != "." && ns != ".." && id != "." && id != ".." &&
        std::filesystem::exists(config_.containerd_state / "io.containerd.runtime.v2.task" / ns / id, ec)) {
      return CgroupContainer{ContainerEngine::kContainerd, id, {}, "/" + std::string(path), ns};
    }
  }
  // Plain runc (or any runc-based engine) whose state names this cgroup.
  for (const auto& root : config_.runc_roots) {
    std::error_code ec;
    std::vector<std::filesystem::path> state_dirs;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
      state_dirs.push_back(entry.path());
      std::error_code ec2;
      for (const auto& inner : std::filesystem::directory_iterator(entry.path(), ec2)) {
        state_dirs.push_back(inner.path());
      }
    }
    for (const auto& state_dir : state_dirs) {
      auto text = ReadFile(state_dir / "state.json", kMaxDocument);
      if (!text) {
        continue;
      }
      auto state = ParseRuncState(*text);
      if (!state || state->unified_cgroup.empty()) {
        continue;
      }
      // The container's cgroup, or one below it.
      std::string dir = absolute_dir.lexically_normal().string();
      std::string cgroup = std::filesystem::path(state->unified_cgroup).lexically_normal().string();
      if (dir == cgroup ||
          (dir.size() > cgroup.size() && dir.compare(0, cgroup.size(), cgroup) == 0 && dir[cgroup.size()] == '/')) {
        std::string rel(relative_path);
        std::string container_path = rel.substr(0, rel.size() - (dir.size() - cgroup.size()));
        return CgroupContainer{ContainerEngine::kRunc, state->id, {}, container_path, {}};
      }
    }
  }
  return std::nullopt;
}

}  // namespace customs::runtime
