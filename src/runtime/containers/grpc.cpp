#include "runtime/containers/grpc.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cstdlib>
#include <mutex>

namespace customs::runtime {
namespace {

constexpr size_t kMaxResponse = size_t{8} << 20;

std::once_flag curl_once;

struct Response {
  std::string body;
  std::string grpc_status;
  std::string grpc_message;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<Response*>(user);
  if (response->body.size() + size * count > kMaxResponse) {
    return 0;
  }
  response->body.append(data, size * count);
  return size * count;
}

// Headers and trailers both arrive here (gRPC puts grpc-status in the trailers, or in the headers of a
// trailers-only response).
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<Response*>(user);
  std::string_view line(data, size * count);
  auto value_of = [&](std::string_view name) -> std::string {
    if (line.size() <= name.size() + 1) {
      return {};
    }
    for (size_t i = 0; i < name.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) {
        return {};
      }
    }
    if (line[name.size()] != ':') {
      return {};
    }
    std::string_view value = line.substr(name.size() + 1);
    while (!value.empty() && (value.front() == ' ')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
      value.remove_suffix(1);
    }
    return std::string(value);
  };
  if (auto status = value_of("grpc-status"); !status.empty()) {
    response->grpc_status = status;
  }
  if (auto message = value_of("grpc-message"); !message.empty()) {
    response->grpc_message = message;
  }
  return size * count;
}

}  // namespace

void ProtoWriter::Varint(uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<char>(value));
}

void ProtoWriter::String(uint32_t field, std::string_view value) {
  Varint((uint64_t{field} << 3) | 2);
  Varint(value.size());
  out_.append(value);
}

void ProtoWriter::Bool(uint32_t field, bool value) {
  Varint((uint64_t{field} << 3) | 0);
  Varint(value ? 1 : 0);
}

bool ProtoReader::ReadVarint(uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) {
      return false;
    }
    auto byte = static_cast<uint8_t>(data_[pos_++]);
    *value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) {
      return true;
    }
  }
  return false;
}

bool ProtoReader::Next(uint32_t* field, uint32_t* wire_type, uint64_t* number, std::string_view* bytes) {
  if (!ok_ || pos_ >= data_.size()) {
    return false;
  }
  uint64_t key = 0;
  if (!ReadVarint(&key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff) {
    ok_ = false;
    return false;
  }
  *field = static_cast<uint32_t>(key >> 3);
  *wire_type = static_cast<uint32_t>(key & 7);
  *number = 0;
  *bytes = {};
  switch (*wire_type) {
    case 0:
      if (!ReadVarint(number)) {
        ok_ = false;
        return false;
      }
      return true;
    case 1:  // 64-bit
    case 5:  // 32-bit
    {
      size_t width = *wire_type == 1 ? 8 : 4;
      if (data_.size() - pos_ < width) {
        ok_ = false;
        return false;
      }
      *bytes = data_.substr(pos_, width);
      pos_ += width;
      return true;
    }
    case 2: {
      uint64_t length = 0;
      if (!ReadVarint(&length) || length > data_.size() - pos_) {
        ok_ = false;
        return false;
      }
      *bytes = data_.substr(pos_, static_cast<size_t>(length));
      pos_ += static_cast<size_t>(length);
      return true;
    }
    default: ok_ = false; return false;  // groups (3, 4) are not used by these APIs
  }
}

std::string_view ProtoBytes(std::string_view message, uint32_t field) {
  ProtoReader reader(message);
  uint32_t f, wire;
  uint64_t number;
  std::string_view bytes;
  while (reader.Next(&f, &wire, &number, &bytes)) {
    if (f == field && wire == 2) {
      return bytes;
    }
  }
  return {};
}

Labels ProtoStringMap(std::string_view message, uint32_t field) {
  Labels out;
  ProtoReader reader(message);
  uint32_t f, wire;
  uint64_t number;
  std::string_view entry;
  while (reader.Next(&f, &wire, &number, &entry)) {
    if (f != field || wire != 2) {
      continue;
    }
    out.emplace_back(std::string(ProtoBytes(entry, 1)), std::string(ProtoBytes(entry, 2)));
  }
  SortLabels(&out);
  return out;
}

Result<std::string_view> GrpcUnframe(std::string_view body) {
  if (body.size() < 5) {
    return MakeError(ErrorCode::kCorrupt, "gRPC response shorter than its 5-byte frame header");
  }
  if (body[0] != 0) {
    return MakeError(ErrorCode::kCorrupt, "compressed gRPC response (not requested)");
  }
  uint32_t length = (uint32_t{static_cast<uint8_t>(body[1])} << 24) | (uint32_t{static_cast<uint8_t>(body[2])} << 16) |
                    (uint32_t{static_cast<uint8_t>(body[3])} << 8) | uint32_t{static_cast<uint8_t>(body[4])};
  if (length > body.size() - 5) {
    return MakeError(ErrorCode::kCorrupt, "gRPC frame of {} bytes in a {}-byte response", length, body.size());
  }
  return body.substr(5, length);
}

Result<std::string> GrpcUnaryCall(const std::string& socket, const std::string& method, std::string_view request,
                                  const std::vector<std::string>& metadata, std::chrono::milliseconds timeout) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::string framed(5, '\0');
  auto length = static_cast<uint32_t>(request.size());
  framed[1] = static_cast<char>(length >> 24);
  framed[2] = static_cast<char>(length >> 16);
  framed[3] = static_cast<char>(length >> 8);
  framed[4] = static_cast<char>(length);
  framed.append(request);
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/grpc");
  headers = curl_slist_append(headers, "TE: trailers");
  for (const auto& header : metadata) {
    headers = curl_slist_append(headers, header.c_str());
  }
  Response response;
  std::string url = "http://localhost" + method;
  curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, framed.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(framed.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  long http_status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return MakeError(ErrorCode::kNetwork, "{} {}: {}", socket, method, curl_easy_strerror(rc));
  }
  if (http_status != 200) {
    return MakeError(ErrorCode::kIo, "{} {}: HTTP {}", socket, method, http_status);
  }
  if (response.grpc_status.empty()) {
    return MakeError(ErrorCode::kCorrupt, "{} {}: no grpc-status", socket, method);
  }
  if (response.grpc_status != "0") {
    return MakeError(response.grpc_status == "5" ? ErrorCode::kNotFound : ErrorCode::kIo, "{} {}: grpc-status {} {}",
                     socket, method, response.grpc_status, response.grpc_message);
  }
  CUSTOMS_ASSIGN_OR_RETURN(std::string_view message, GrpcUnframe(response.body));
  return std::string(message);
}

}  // namespace customs::runtime
