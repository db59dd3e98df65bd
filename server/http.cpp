// The only translation unit that includes Boost.Beast and Asio (see http.h for the model).
#include "server/http.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace customs::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// RFC 3986 percent-decoding. '+' stays '+': the query is not an HTML form, and media types contain '+'.
Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return MakeError(ErrorCode::kInvalidArgument, "truncated percent-encoding");
      }
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) {
        return MakeError(ErrorCode::kInvalidArgument, "bad percent-encoding");
      }
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '\0') {
      return MakeError(ErrorCode::kInvalidArgument, "NUL in the request target");
    }
    out.push_back(c);
  }
  return out;
}

// What every connection thread shares with the server object; kept alive by the threads, so a connection that
// outlives Stop() (a handler stuck past the drain timeout) never touches freed memory.
struct Shared {
  HttpServerOptions options;
  HttpHandler handler;
  std::optional<ssl::context> tls;
  std::mutex mutex;
  std::condition_variable idle;
  std::size_t active = 0;
  bool stopping = false;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, std::function<void()>> cancels;  // closes a connection's read side, from any thread
};

Error IoError(const beast::error_code& ec, std::string_view what) {
  if (ec == beast::error::timeout) {
    return Error(ErrorCode::kNetwork, fmt::format("{}: timed out", what));
  }
  if (ec == http::error::partial_message || ec == http::error::end_of_stream || ec == asio::error::eof) {
    return Error(ErrorCode::kNetwork, fmt::format("{}: the client closed the connection", what));
  }
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return Error(ErrorCode::kCorrupt, fmt::format("{}: {}", what, ec.message()));
  }
  return Error(ErrorCode::kNetwork, fmt::format("{}: {}", what, ec.message()));
}

template <class Stream>
class Connection final : public HttpExchange {
 public:
  Connection(std::shared_ptr<Shared> shared, asio::io_context& ioc, Stream& stream, std::string remote, bool tls)
      : shared_(std::move(shared)), ioc_(ioc), stream_(stream), remote_(std::move(remote)), tls_(tls) {}

  void Serve() {
    const HttpServerOptions& options = shared_->options;
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      auto ec = Drive(options.header_timeout,
                      [&](auto handler) { stream_.async_handshake(ssl::stream_base::server, std::move(handler)); });
      if (ec) {
        return;
      }
    }
    bool first = true;
    for (;;) {
      if (!ServeOne(first ? options.header_timeout : options.idle_timeout)) {
        break;
      }
      first = false;
    }
    Close();
  }

  const HttpRequest& request() const override { return request_; }
  bool responded() const override { return responded_; }

  Result<std::string> ReadBody(std::size_t limit) override {
    if (request_.content_length && *request_.content_length > limit) {
      return MakeError(ErrorCode::kInvalidArgument, "request body over {} bytes", limit);
    }
    std::string body;
    std::vector<char> chunk(std::size_t{64} * 1024);
    for (;;) {
      CUSTOMS_ASSIGN_OR_RETURN(std::size_t n, ReadBodySome(chunk.data(), chunk.size()));
      if (n == 0) {
        return body;
      }
      if (body.size() + n > limit) {
        return MakeError(ErrorCode::kInvalidArgument, "request body over {} bytes", limit);
      }
      body.append(chunk.data(), n);
    }
  }

  Result<std::size_t> ReadBodySome(char* buffer, std::size_t size) override {
    if (size == 0) {
      return MakeError(ErrorCode::kInvalidArgument, "ReadBodySome with an empty buffer");
    }
    while (!parser_->is_done()) {
      if (!continue_sent_ && expects_continue_) {
        continue_sent_ = true;
        http::response<http::empty_body> interim{http::status::continue_, 11};
        auto ec = Drive(shared_->options.write_timeout,
                        [&](auto handler) { http::async_write(stream_, interim, std::move(handler)); });
        if (ec) {
          return tl::unexpected(IoError(ec, "sending 100 Continue"));
        }
      }
      auto& body = parser_->get().body();
      body.data = buffer;
      body.size = size;
      auto ec = Drive(shared_->options.read_timeout,
                      [&](auto handler) { http::async_read_some(stream_, buffer_, *parser_, std::move(handler)); });
      if (ec == http::error::need_buffer) {
        ec = {};
      }
      if (ec) {
        broken_ = true;
        return tl::unexpected(IoError(ec, "reading the request body"));
      }
      std::size_t n = size - body.size;
      if (n > 0) {
        return n;
      }
    }
    return std::size_t{0};
  }

  Status Respond(const HttpResponse& response) override {
    if (responded_) {
      return MakeError(ErrorCode::kInternal, "a second response to one request");
    }
    responded_ = true;
    http::response<http::string_body> out{static_cast<http::status>(response.status), 11};
    SetHeaders(out, response.headers);
    bool head = request_.method == "HEAD";
    if (!head) {
      out.body() = response.body;
    }
    out.keep_alive(KeepAlive());
    out.prepare_payload();
    if (head) {
      out.content_length(response.body.size());
    }
    beast::error_code ec;
    if (head) {
      http::response_serializer<http::string_body> serializer{out};
      ec = Drive(shared_->options.write_timeout,
                 [&](auto handler) { http::async_write_header(stream_, serializer, std::move(handler)); });
    } else {
      ec = Drive(shared_->options.write_timeout,
                 [&](auto handler) { http::async_write(stream_, out, std::move(handler)); });
    }
    ended_ = true;
    if (ec) {
      broken_ = true;
      return tl::unexpected(IoError(ec, "writing the response"));
    }
    return Ok();
  }

  Status BeginResponse(int status, const std::vector<HttpHeader>& headers,
                       std::optional<std::uint64_t> content_length) override {
    if (responded_) {
      return MakeError(ErrorCode::kInternal, "a second response to one request");
    }
    responded_ = true;
    streaming_.emplace(static_cast<http::status>(status), 11);
    SetHeaders(*streaming_, headers);
    if (content_length) {
      streaming_->content_length(*content_length);
    } else {
      streaming_->chunked(true);
    }
    streaming_->keep_alive(KeepAlive());
    streaming_->body().data = nullptr;
    streaming_->body().size = 0;
    streaming_->body().more = true;
    serializer_.emplace(*streaming_);
    auto ec = Drive(shared_->options.write_timeout,
                    [&](auto handler) { http::async_write_header(stream_, *serializer_, std::move(handler)); });
    if (ec) {
      broken_ = true;
      return tl::unexpected(IoError(ec, "writing the response header"));
    }
    if (request_.method == "HEAD") {
      ended_ = true;
    }
    return Ok();
  }

  Status WriteBody(std::string_view data) override {
    if (!serializer_) {
      return MakeError(ErrorCode::kInternal, "WriteBody before BeginResponse");
    }
    if (ended_ || data.empty()) {
      return Ok();
    }
    streaming_->body().data = const_cast<char*>(data.data());
    streaming_->body().size = data.size();
    streaming_->body().more = true;
    auto ec = Drive(shared_->options.write_timeout,
                    [&](auto handler) { http::async_write(stream_, *serializer_, std::move(handler)); });
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    if (ec) {
      broken_ = true;
      return tl::unexpected(IoError(ec, "writing the response body"));
    }
    return Ok();
  }

  Status EndResponse() override {
    if (!serializer_) {
      return MakeError(ErrorCode::kInternal, "EndResponse before BeginResponse");
    }
    if (ended_) {
      return Ok();
    }
    ended_ = true;
    streaming_->body().data = nullptr;
    streaming_->body().size = 0;
    streaming_->body().more = false;
    auto ec = Drive(shared_->options.write_timeout,
                    [&](auto handler) { http::async_write(stream_, *serializer_, std::move(handler)); });
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    if (ec) {
      broken_ = true;
      return tl::unexpected(IoError(ec, "ending the response"));
    }
    return Ok();
  }

 private:
  // Starts one asynchronous operation with a deadline and runs this connection's io_context until it completes.
  template <class Initiate>
  beast::error_code Drive(std::chrono::milliseconds timeout, Initiate&& initiate) {
    beast::get_lowest_layer(stream_).expires_after(timeout);
    beast::error_code result;
    bool done = false;
    initiate([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run();
    beast::get_lowest_layer(stream_).expires_never();
    if (!done) {
      return asio::error::operation_aborted;
    }
    return result;
  }

  template <class Message>
  void SetHeaders(Message& message, const std::vector<HttpHeader>& headers) {
    message.set(http::field::server, shared_->options.server_header);
    for (const auto& h : headers) {
      message.insert(h.name, h.value);
    }
  }

  // Another request may follow on this connection only when this one's body was read to its end.
  bool KeepAlive() {
    std::lock_guard lock(shared_->mutex);
    return parser_->keep_alive() && parser_->is_done() && !shared_->stopping && !broken_;
  }

  void RespondError(int status, std::string_view message) {
    HttpResponse response;
    response.status = status;
    response.Set("Content-Type", "application/json");
    response.body = fmt::format("{{\"error\":{{\"message\":\"{}\"}}}}\n", message);
    broken_ = true;  // the request was not read to its end: close after answering
    (void)Respond(response);
  }

  // Reads and answers one request. false: close the connection.
  bool ServeOne(std::chrono::milliseconds header_timeout) {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
    parser_->body_limit(boost::none);  // bodies are bounded by the handler (ReadBody) or streamed
    responded_ = ended_ = broken_ = continue_sent_ = false;
    streaming_.reset();
    serializer_.reset();
    request_ = HttpRequest{};
    auto ec = Drive(header_timeout,
                    [&](auto handler) { http::async_read_header(stream_, buffer_, *parser_, std::move(handler)); });
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == ssl::error::stream_truncated) {
      return false;
    }
    if (ec == http::error::header_limit) {
      RespondError(431, "request headers too large");
      return false;
    }
    if (ec) {
      RespondError(400, "malformed HTTP request");
      return false;
    }
    const auto& header = parser_->get();
    request_.method = std::string(header.method_string());
    request_.target = std::string(header.target());
    request_.remote = remote_;
    request_.tls = tls_;
    for (const auto& field : header) {
      request_.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    if (auto length = parser_->content_length()) {
      request_.content_length = *length;
    }
    request_.chunked = parser_->chunked();
    if (const std::string* expect = request_.Header("Expect"); expect != nullptr) {
      expects_continue_ = EqualsIgnoreCase(*expect, "100-continue");
    } else {
      expects_continue_ = false;
    }
    if (header.version() != 11 && header.version() != 10) {
      RespondError(505, "HTTP version not supported");
      return false;
    }
    auto target = ParseRequestTarget(request_.target);
    if (!target) {
      RespondError(400, target.error().message());
      return false;
    }
    request_.path = std::move(target->first);
    request_.query = std::move(target->second);
    try {
      shared_->handler(*this);
    } catch (const std::exception& e) {
      if (!responded_) {
        RespondError(500, "internal error");
      }
      broken_ = true;
    } catch (...) {
      if (!responded_) {
        RespondError(500, "internal error");
      }
      broken_ = true;
    }
    if (!responded_) {
      RespondError(500, "the handler did not answer");
    }
    if (serializer_ && !ended_) {
      return false;  // a streamed response left unfinished: the framing is lost
    }
    return KeepAlive();
  }

  void Close() {
    beast::error_code ignored;
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      Drive(std::chrono::seconds(1), [&](auto handler) { stream_.async_shutdown(std::move(handler)); });
    }
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  std::shared_ptr<Shared> shared_;
  asio::io_context& ioc_;
  Stream& stream_;
  std::string remote_;
  bool tls_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  HttpRequest request_;
  bool responded_ = false;
  bool ended_ = false;
  bool broken_ = false;
  bool expects_continue_ = false;
  bool continue_sent_ = false;
  std::optional<http::response<http::buffer_body>> streaming_;
  std::optional<http::response_serializer<http::buffer_body>> serializer_;
};

// Registers the connection so Stop() can close its read side from another thread (posted to this io_context, so
// it runs on this thread), serves it, and unregisters.
template <class Stream>
void ServeStream(const std::shared_ptr<Shared>& shared, asio::io_context& ioc, Stream& stream, std::uint64_t id,
                 std::string remote, bool tls) {
  {
    std::lock_guard lock(shared->mutex);
    shared->cancels[id] = [&ioc, &stream] {
      asio::post(ioc, [&stream] {
        beast::error_code ignored;
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_receive, ignored);
      });
    };
    if (shared->stopping) {
      shared->cancels[id]();
    }
  }
  Connection<Stream> connection(shared, ioc, stream, std::move(remote), tls);
  connection.Serve();
  std::lock_guard lock(shared->mutex);
  shared->cancels.erase(id);
}

// One connection's thread: its own io_context and stream.
void RunConnection(const std::shared_ptr<Shared>& shared, tcp::socket::native_handle_type fd, const tcp::endpoint& peer,
                   std::uint64_t id) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.assign(peer.protocol(), fd, ec);
  if (!ec) {
    socket.set_option(tcp::no_delay(true), ec);
    std::string remote = fmt::format("{}:{}", peer.address().to_string(), peer.port());
    if (shared->tls) {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *shared->tls);
      ServeStream(shared, ioc, stream, id, std::move(remote), true);
    } else {
      beast::tcp_stream stream(std::move(socket));
      ServeStream(shared, ioc, stream, id, std::move(remote), false);
    }
  }
  std::lock_guard lock(shared->mutex);
  --shared->active;
  shared->idle.notify_all();
}

class BeastServer final : public HttpServer {
 public:
  explicit BeastServer(std::shared_ptr<Shared> shared) : shared_(std::move(shared)), acceptor_(accept_ioc_) {}
  ~BeastServer() override {
    try {
      Stop();
    } catch (...) {  // a destructor must not throw; Stop() only throws if a mutex does
    }
  }

  Status Bind() {
    const std::string& listen = shared_->options.listen;
    std::size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "listen address '{}' is not HOST:PORT", listen);
    }
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) {
      host = "0.0.0.0";
    }
    int port = 0;
    std::string port_text = listen.substr(colon + 1);
    if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
        (port = std::stoi(port_text)) > 65535) {
      return MakeError(ErrorCode::kInvalidArgument, "listen address '{}': bad port", listen);
    }
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
      tcp::resolver resolver(accept_ioc_);
      auto results = resolver.resolve(host, port_text, ec);
      if (ec || results.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "listen address '{}': {}", listen, ec.message());
      }
      address = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(address, static_cast<std::uint16_t>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return MakeError(ErrorCode::kIo, "listening on {}: {}", listen, ec.message());
    }
    bound_ = acceptor_.local_endpoint(ec);
    Accept();
    accept_thread_ = std::thread([this] { accept_ioc_.run(); });
    return Ok();
  }

  void Stop() override {
    {
      std::lock_guard lock(shared_->mutex);
      if (stopped_) {
        return;
      }
      stopped_ = true;
      shared_->stopping = true;
      for (auto& [id, cancel] : shared_->cancels) {
        cancel();
      }
    }
    asio::post(accept_ioc_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    if (accept_thread_.joinable()) {
      accept_thread_.join();
    }
    std::unique_lock lock(shared_->mutex);
    // Handlers finish what they are doing; one stuck past this is left running (it holds `shared_`, not `this`).
    shared_->idle.wait_for(lock, std::chrono::seconds(30), [this] { return shared_->active == 0; });
  }

  std::string address() const override {
    return bound_.address().is_v6() ? fmt::format("[{}]:{}", bound_.address().to_string(), bound_.port())
                                    : fmt::format("{}:{}", bound_.address().to_string(), bound_.port());
  }
  std::uint16_t port() const override { return bound_.port(); }
  std::size_t open_connections() const override {
    std::lock_guard lock(shared_->mutex);
    return shared_->active;
  }

 private:
  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
      }
      if (!ec) {
        Dispatch(std::move(socket));
      }
      Accept();
    });
  }

  void Dispatch(tcp::socket socket) {
    beast::error_code ec;
    tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) {
      return;
    }
    std::uint64_t id = 0;
    {
      std::lock_guard lock(shared_->mutex);
      if (shared_->stopping) {
        return;
      }
      if (shared_->active >= shared_->options.max_connections) {
        // Over the limit: a short answer written straight to the socket (it fits any send buffer), then close.
        static constexpr std::string_view kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
            "Connection: close\r\nContent-Length: 46\r\n\r\n{\"error\":{\"message\":\"too many connections\"}}\n";
        socket.non_blocking(true, ec);
        socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ec);
        socket.close(ec);
        return;
      }
      ++shared_->active;
      id = shared_->next_id++;
    }
    tcp::socket::native_handle_type fd = socket.release(ec);
    if (ec) {
      std::lock_guard lock(shared_->mutex);
      --shared_->active;
      shared_->idle.notify_all();
      return;
    }
    std::thread(RunConnection, shared_, fd, peer, id).detach();
  }

  std::shared_ptr<Shared> shared_;
  asio::io_context accept_ioc_;
  tcp::acceptor acceptor_;
  tcp::endpoint bound_;
  std::thread accept_thread_;
  bool stopped_ = false;
};

}  // namespace

const std::string* HttpRequest::Header(std::string_view name) const {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      return &h.value;
    }
  }
  return nullptr;
}

std::string HttpRequest::Query(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) {
      return v;
    }
  }
  return {};
}

bool HttpRequest::HasQuery(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) {
      return true;
    }
  }
  return false;
}

Result<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> ParseRequestTarget(
    std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return MakeError(ErrorCode::kInvalidArgument, "request target is not an absolute path");
  }
  std::size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  std::string_view raw_query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (std::size_t hash = raw_query.find('#'); hash != std::string_view::npos) {
    raw_query = raw_query.substr(0, hash);
  }
  CUSTOMS_ASSIGN_OR_RETURN(std::string path, PercentDecode(raw_path));
  std::vector<std::pair<std::string, std::string>> query;
  while (!raw_query.empty()) {
    std::size_t amp = raw_query.find('&');
    std::string_view item = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (item.empty()) {
      continue;
    }
    std::size_t eq = item.find('=');
    CUSTOMS_ASSIGN_OR_RETURN(std::string key, PercentDecode(item.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      CUSTOMS_ASSIGN_OR_RETURN(value, PercentDecode(item.substr(eq + 1)));
    }
    query.emplace_back(std::move(key), std::move(value));
  }
  return std::make_pair(std::move(path), std::move(query));
}

std::string_view HttpStatusText(int status) {
  return http::obsolete_reason(static_cast<http::status>(status));
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options, HttpHandler handler) {
  auto shared = std::make_shared<Shared>();
  shared->options = std::move(options);
  shared->handler = std::move(handler);
  const HttpServerOptions& o = shared->options;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key");
  }
  if (!o.tls_cert_file.empty()) {
    shared->tls.emplace(ssl::context::tls_server);
    beast::error_code ec;
    shared->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                                 ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                             ec);
    shared->tls->use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec) {
      return MakeError(ErrorCode::kInvalidArgument, "TLS certificate {}: {}", o.tls_cert_file, ec.message());
    }
    shared->tls->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
    if (ec) {
      return MakeError(ErrorCode::kInvalidArgument, "TLS key {}: {}", o.tls_key_file, ec.message());
    }
  }
  auto server = std::make_unique<BeastServer>(shared);
  CUSTOMS_RETURN_IF_ERROR(server->Bind());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace customs::server
