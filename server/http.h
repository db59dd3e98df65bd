// The HTTP/1.1 server every role serves on: a small interface in front of Boost.Beast, which only http.cpp includes
// (Beast and Asio are slow to compile, so no other file sees them).
//
// Model: one thread per connection (bounded by max_connections), each running its own io_context. Every read and
// write is an asynchronous Beast operation with a deadline (header, body and write timeouts, idle keep-alive
// timeout), driven to completion on that thread, so handlers are plain blocking code: they may query PostgreSQL, and
// they may stream request and response bodies of any size in bounded memory (the push gate proxies layer blobs this
// way). Header size and whole-body reads are limited; a request over a limit is answered 431 or 413, a malformed one
// 400, and the connection is closed. A handler that throws or never answers yields a 500.
//
// TLS: with a certificate and key, every connection is TLS (TLS 1.2 or later); there is no plain listener beside it.
//
// Thread safety: handlers run concurrently on connection threads. HttpServer's methods are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace customs::server {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method;                                      // "GET", "POST", ...
  std::string target;                                      // as sent: "/api/v1/scan/abc/report?x=y"
  std::string path;                                        // percent-decoded path, without the query
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
  std::vector<HttpHeader> headers;
  std::string remote;  // "127.0.0.1:54321"
  bool tls = false;
  std::optional<std::uint64_t> content_length;  // when the request declared one
  bool chunked = false;

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
  // The first query value for `key`, or "" (use HasQuery to tell absent from empty).
  std::string Query(std::string_view key) const;
  bool HasQuery(std::string_view key) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;

  HttpResponse& Set(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }
};

// One request and its response. The handler reads the body (or not), then answers once: Respond() with a whole
// response, or BeginResponse(), WriteBody()..., EndResponse() for a streamed one. Errors from the I/O calls mean the
// client went away or missed a deadline; the handler should stop and return.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;
  virtual const HttpRequest& request() const = 0;

  // The whole body. kInvalidArgument ("request body over N bytes": answer 413) when it is larger than `limit`;
  // kNetwork when the client stalls past the read timeout or disconnects; kCorrupt for broken chunked framing.
  [[nodiscard]] virtual Result<std::string> ReadBody(std::size_t limit) = 0;
  // Streaming: up to `size` bytes of body into `buffer`; 0 at the end of the body. No size limit: the caller bounds
  // what it keeps.
  [[nodiscard]] virtual Result<std::size_t> ReadBodySome(char* buffer, std::size_t size) = 0;

  [[nodiscard]] virtual Status Respond(const HttpResponse& response) = 0;
  // A streamed response: with a content length, exactly that many bytes must follow; without, the body is chunked.
  [[nodiscard]] virtual Status BeginResponse(int status, const std::vector<HttpHeader>& headers,
                                             std::optional<std::uint64_t> content_length) = 0;
  [[nodiscard]] virtual Status WriteBody(std::string_view data) = 0;
  [[nodiscard]] virtual Status EndResponse() = 0;
  virtual bool responded() const = 0;
};

using HttpHandler = std::function<void(HttpExchange&)>;

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one ("[::1]:0" for IPv6)
  std::string tls_cert_file;              // PEM chain; with tls_key_file, the server speaks TLS only
  std::string tls_key_file;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 256;  // beyond this, new connections get a 503 and are closed
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};  // request line and headers
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};    // each body read
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};   // each write
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};    // between keep-alive requests
  std::string server_header = "customs";
};

class HttpServer {
 public:
  // Binds and starts accepting. kInvalidArgument for a malformed listen address or unreadable TLS files, kIo when the
  // address cannot be bound.
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, HttpHandler handler);
  virtual ~HttpServer() = default;
  // Stops accepting, closes idle connections, waits for running handlers to return (they see their I/O fail once
  // their client is gone), then returns. Idempotent.
  virtual void Stop() = 0;
  // The bound address, "127.0.0.1:43210".
  virtual std::string address() const = 0;
  virtual std::uint16_t port() const = 0;
  virtual std::size_t open_connections() const = 0;
};

// Splits a request target into its decoded path and query. kInvalidArgument for a target that is not origin-form
// ("/..."), bad percent-encoding, or a decoded NUL. Exposed for tests and fuzzing.
[[nodiscard]] Result<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> ParseRequestTarget(
    std::string_view target);

// The reason phrase for a status code ("Not Found").
std::string_view HttpStatusText(int status);

}  // namespace customs::server
