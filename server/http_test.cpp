// The HTTP layer over real loopback sockets: keep-alive, limits, malformed requests, deadlines, streaming bodies in
// bounded memory, 100-continue, TLS, the connection limit, and shutdown.
#include "server/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <thread>

#include "core/file_util.h"
#include "core/sha256.h"

namespace customs::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A raw client socket: writes exactly what a test says, reads whatever the server sends.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    timeval timeout{20, 0};  // a liveness bound for the test, not a timing assertion
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Reads until the server closes (or the liveness bound passes).
  std::string ReadAll() {
    std::string out;
    char buffer[65536];
    for (;;) {
      ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        break;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
  // Reads until `marker` has been seen `count` times.
  std::string ReadUntil(std::string_view marker, int count = 1) {
    std::string out;
    char buffer[65536];
    auto seen = [&] {
      int found = 0;
      for (std::size_t at = out.find(marker); at != std::string::npos; at = out.find(marker, at + 1)) {
        ++found;
      }
      return found;
    };
    while (seen() < count) {
      ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        break;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::unique_ptr<HttpServer> StartServer(HttpHandler handler, HttpServerOptions options = {}) {
  options.listen = "127.0.0.1:0";
  auto server = HttpServer::Start(options, std::move(handler));
  EXPECT_TRUE(server) << server.error().message();
  return server ? std::move(*server) : nullptr;
}

void Echo(HttpExchange& exchange) {
  HttpResponse response;
  response.Set("Content-Type", "text/plain");
  auto body = exchange.ReadBody(1024);
  if (!body) {
    response.status = body.error().code() == ErrorCode::kInvalidArgument ? 413 : 400;
    response.body = body.error().message();
  } else {
    response.body = exchange.request().method + " " + exchange.request().path + " " + exchange.request().Query("q") +
                    " [" + *body + "]";
  }
  (void)exchange.Respond(response);
}

std::size_t CurlAppend(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

long CurlGet(const std::string& url, std::string* body, const std::string& ca = "") {
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &CurlAppend);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  if (!ca.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
  }
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return code == CURLE_OK ? status : -static_cast<long>(code);
}

long VmRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::stol(line.substr(6));
    }
  }
  return 0;
}

TEST(HttpTest, ServesKeepAliveRequestsAndDecodesTargets) {
  auto server = StartServer(Echo);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  ASSERT_TRUE(client.connected());
  client.Send("GET /a%20b?q=x%2By+z HTTP/1.1\r\nHost: t\r\n\r\n");
  client.Send("POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  client.Send(
      "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  std::string out = client.ReadAll();
  EXPECT_NE(out.find("GET /a b x+y+z []"), std::string::npos) << out;
  EXPECT_NE(out.find("POST /p  [hello]"), std::string::npos) << out;
  EXPECT_NE(out.find("POST /c  [abcde]"), std::string::npos) << out;
  EXPECT_NE(out.find("Server: customs"), std::string::npos);
}

TEST(HttpTest, MalformedAndOversizedRequestsGetClearStatuses) {
  HttpServerOptions options;
  options.max_header_bytes = 2048;
  auto server = StartServer(Echo, options);
  ASSERT_NE(server, nullptr);
  struct Case {
    std::string request;
    std::string status;
  };
  const Case cases[] = {
      {"GARBAGE\r\n\r\n", "HTTP/1.1 400"},
      {"GET nope HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 400"},
      {"GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 400"},
      {"GET /a%00b HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 400"},
      {"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n", "HTTP/1.1 431"},
      {"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n", "HTTP/1.1 413"},
      {"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "HTTP/1.1 400"},
      {std::string("GET / HTTP/1.1\r\nHost: t\r\nX: \x01\x02\r\n\r\n"), "HTTP/1.1 400"},
  };
  for (const auto& c : cases) {
    RawClient client(server->port());
    client.Send(c.request);
    std::string out = client.ReadAll();
    EXPECT_TRUE(out.starts_with(c.status)) << c.request.substr(0, 60) << " -> " << out.substr(0, 80);
  }
  // And the server still answers.
  std::string body;
  EXPECT_EQ(CurlGet(fmt::format("http://{}/ok", server->address()), &body), 200);
}

TEST(HttpTest, HandlersThatThrowOrDoNotAnswerGive500) {
  auto server = StartServer([](HttpExchange& exchange) {
    if (exchange.request().path == "/throw") {
      throw std::runtime_error("boom");
    }
  });
  ASSERT_NE(server, nullptr);
  std::string body;
  EXPECT_EQ(CurlGet(fmt::format("http://{}/throw", server->address()), &body), 500);
  body.clear();
  EXPECT_EQ(CurlGet(fmt::format("http://{}/silent", server->address()), &body), 500);
  EXPECT_NE(body.find("\"error\""), std::string::npos) << body;
}

TEST(HttpTest, StalledClientsHitTheirDeadlines) {
  std::promise<std::string> seen;
  auto future = seen.get_future();
  HttpServerOptions options;
  options.header_timeout = milliseconds(300);
  options.read_timeout = milliseconds(300);
  auto server = StartServer(
      [&](HttpExchange& exchange) {
        auto body = exchange.ReadBody(1 << 20);
        seen.set_value(body ? "read" : body.error().message());
        HttpResponse response;
        response.status = 400;
        (void)exchange.Respond(response);
      },
      options);
  ASSERT_NE(server, nullptr);
  {
    // Headers never finish: the connection is closed without a handler call.
    RawClient client(server->port());
    client.Send("GET / HTTP/1.1\r\nHost: t\r\n");
    EXPECT_EQ(client.ReadAll(), "");
  }
  // A body that stops half way: the handler's read fails with a timeout.
  RawClient client(server->port());
  client.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789");
  ASSERT_EQ(future.wait_for(seconds(20)), std::future_status::ready);
  EXPECT_NE(future.get().find("timed out"), std::string::npos);
}

TEST(HttpTest, StreamsLargeBodiesBothWaysInBoundedMemory) {
  constexpr std::size_t kSize = std::size_t{128} << 20;
  std::string server_digest;
  std::size_t server_bytes = 0;
  auto server = StartServer([&](HttpExchange& exchange) {
    Sha256 hash;
    std::vector<char> buffer(64 * 1024);
    for (;;) {
      auto n = exchange.ReadBodySome(buffer.data(), buffer.size());
      if (!n || *n == 0) {
        break;
      }
      hash.Update(buffer.data(), *n);
      server_bytes += *n;
    }
    server_digest = hash.FinishHex();
    // Echo the same amount back, chunked, generated on the fly.
    if (!exchange.BeginResponse(200, {{"Content-Type", "application/octet-stream"}}, std::nullopt)) {
      return;
    }
    std::string block(64 * 1024, 'x');
    for (std::size_t sent = 0; sent < server_bytes; sent += block.size()) {
      if (!exchange.WriteBody(std::string_view(block).substr(0, std::min(block.size(), server_bytes - sent)))) {
        return;
      }
    }
    (void)exchange.EndResponse();
  });
  ASSERT_NE(server, nullptr);
  long rss_before = VmRssKb();

  struct Upload {
    std::size_t sent = 0;
    Sha256 hash;
    std::size_t received = 0;
  } upload;
  CURL* curl = curl_easy_init();
  std::string url = fmt::format("http://{}/blob", server->address());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(kSize));
  curl_easy_setopt(
      curl, CURLOPT_READFUNCTION, +[](char* buffer, std::size_t size, std::size_t n, void* user) -> std::size_t {
        auto* u = static_cast<Upload*>(user);
        std::size_t chunk = std::min(size * n, kSize - u->sent);
        for (std::size_t i = 0; i < chunk; ++i) {
          buffer[i] = static_cast<char>((u->sent + i) * 31 % 251);
        }
        u->hash.Update(buffer, chunk);
        u->sent += chunk;
        return chunk;
      });
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char*, std::size_t size, std::size_t n, void* user) -> std::size_t {
        static_cast<Upload*>(user)->received += size * n;
        return size * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
  ASSERT_EQ(curl_easy_perform(curl), CURLE_OK);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(server_bytes, kSize);
  EXPECT_EQ(server_digest, upload.hash.FinishHex());
  EXPECT_EQ(upload.received, kSize);
  // 256 MiB went through this process; its resident memory grew by far less than one body.
  long growth_mb = (VmRssKb() - rss_before) / 1024;
  EXPECT_LT(growth_mb, 64) << "RSS grew by " << growth_mb << " MiB";
}

TEST(HttpTest, ExpectContinueIsAnsweredWhenTheHandlerReads) {
  auto server = StartServer(Echo);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.Send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  std::string interim = client.ReadUntil("\r\n\r\n");
  EXPECT_TRUE(interim.starts_with("HTTP/1.1 100 Continue")) << interim;
  client.Send("abc");
  EXPECT_NE(client.ReadUntil("[abc]").find("[abc]"), std::string::npos);
}

TEST(HttpTest, HeadAnswersHeadersOnly) {
  auto server = StartServer([](HttpExchange& exchange) {
    HttpResponse response;
    response.body = "twelve bytes";
    (void)exchange.Respond(response);
  });
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.Send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::string out = client.ReadAll();
  EXPECT_NE(out.find("Content-Length: 12"), std::string::npos) << out;
  // One body only: the GET's.
  EXPECT_EQ(out.find("twelve bytes"), out.rfind("twelve bytes"));
  EXPECT_NE(out.find("twelve bytes"), std::string::npos);
}

TEST(HttpTest, ConnectionsOverTheLimitGet503) {
  HttpServerOptions options;
  options.max_connections = 2;
  auto server = StartServer(Echo, options);
  ASSERT_NE(server, nullptr);
  RawClient a(server->port());
  RawClient b(server->port());
  a.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  b.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  a.ReadUntil("[]");
  b.ReadUntil("[]");
  RawClient c(server->port());
  std::string out = c.ReadAll();
  EXPECT_TRUE(out.starts_with("HTTP/1.1 503")) << out;
}

TEST(HttpTest, StopClosesIdleConnectionsAndReturns) {
  auto server = StartServer(Echo);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  client.ReadUntil("[]");
  EXPECT_EQ(server->open_connections(), 1u);
  auto stopped = std::async(std::launch::async, [&] { server->Stop(); });
  ASSERT_EQ(stopped.wait_for(seconds(20)), std::future_status::ready);
  EXPECT_EQ(server->open_connections(), 0u);
  EXPECT_EQ(client.ReadAll(), "");
}

// A self-signed certificate for 127.0.0.1, written as PEM files.
void WriteCertificate(const std::filesystem::path& cert, const std::filesystem::path& key) {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* x509 = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
  X509_gmtime_adj(X509_getm_notBefore(x509), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x509), 3600);
  X509_set_pubkey(x509, pkey);
  X509_NAME* name = X509_get_subject_name(x509);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x509, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x509, x509, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  X509_add_ext(x509, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x509, pkey, EVP_sha256());
  FILE* f = std::fopen(cert.c_str(), "w");
  PEM_write_X509(f, x509);
  std::fclose(f);
  f = std::fopen(key.c_str(), "w");
  PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x509);
  EVP_PKEY_free(pkey);
}

TEST(HttpTest, ServesTlsOnly) {
  auto dir = TempDir::Create("http-tls-test");
  ASSERT_TRUE(dir);
  WriteCertificate(dir->path() / "cert.pem", dir->path() / "key.pem");
  HttpServerOptions options;
  options.tls_cert_file = (dir->path() / "cert.pem").string();
  options.tls_key_file = (dir->path() / "key.pem").string();
  auto server = StartServer(Echo, options);
  ASSERT_NE(server, nullptr);
  std::string body;
  EXPECT_EQ(
      CurlGet(fmt::format("https://{}/secure?q=1", server->address()), &body, (dir->path() / "cert.pem").string()),
      200);
  EXPECT_EQ(body, "GET /secure 1 []");
  // Untrusted by a client without the certificate; plain HTTP gets no answer.
  body.clear();
  EXPECT_LT(CurlGet(fmt::format("https://{}/", server->address()), &body), 0);
  body.clear();
  EXPECT_LT(CurlGet(fmt::format("http://{}/", server->address()), &body), 200);

  options.tls_key_file = (dir->path() / "missing.pem").string();
  options.listen = "127.0.0.1:0";
  auto broken = HttpServer::Start(options, Echo);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code(), ErrorCode::kInvalidArgument);
}

TEST(HttpTest, BadListenAddressesAreRefused) {
  for (const char* listen : {"nocolon", "127.0.0.1:99999", "127.0.0.1:x", "256.0.0.1:80"}) {
    HttpServerOptions options;
    options.listen = listen;
    auto server = HttpServer::Start(options, Echo);
    EXPECT_FALSE(server) << listen;
  }
}

TEST(RequestTargetTest, DecodesPathAndQuery) {
  auto parsed = ParseRequestTarget("/api/v1/scan/a%2Fb/report?sbom_media_type=application/vnd.cyclonedx+json&x&y=");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->first, "/api/v1/scan/a/b/report");
  ASSERT_EQ(parsed->second.size(), 3u);
  EXPECT_EQ(parsed->second[0].second, "application/vnd.cyclonedx+json");
  EXPECT_EQ(parsed->second[1].first, "x");
  for (const char* bad : {"", "x", "http://h/p", "/%", "/%4", "/%g0", "/?a=%00"}) {
    EXPECT_FALSE(ParseRequestTarget(bad)) << bad;
  }
}

}  // namespace
}  // namespace customs::server
