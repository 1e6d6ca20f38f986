#pragma once
// A loopback HTTPS server for client tests (Image Factory now, the Kubernetes API later).
//
// It generates its own CA and a server certificate for 127.0.0.1/localhost at construction, so
// clients are tested with verification ON by trusting `ca_pem()`. Routes match method + path
// (exact, or a prefix ending in '*'); every request is recorded; mutual TLS can be required, with
// client certificates issued by the same CA. Each connection is served on its own thread (a watch
// stream can be open while other requests go on), always `Connection: close`. A handler can answer
// with a chunked stream (watches), drop the connection, or be slow; the server certificate can be
// expired or signed by an unrelated CA, to test the client's refusals.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <core/http.hpp>

namespace talgpu::test {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

struct RecordedRequest {
  std::string method;
  std::string path;   // without the query
  std::string query;  // after '?', may be empty
  http::Headers headers;
  std::string body;
  std::string client_cn;  // common name of the verified client certificate, if any

  std::string header(std::string_view name) const;
};

// Writes one chunk of a streamed response; false when the client went away or the server stops.
using ChunkWriter = std::function<bool(std::string_view)>;
// A streaming body: called after the headers with a writer and a "server is stopping" probe.
// Returning true ends the stream properly; false drops the connection without the last chunk.
using StreamBody = std::function<bool(const ChunkWriter& write, const std::function<bool()>& stopping)>;

struct ServerResponse {
  int status = 200;
  http::Headers headers;
  std::string body;
  StreamBody stream;     // set: the body is sent chunked from this instead of `body`
  bool drop = false;     // close the connection without answering
};

using Handler = std::function<ServerResponse(const RecordedRequest&)>;

// valid: for 127.0.0.1, localhost and kube.test; kube_test_only: only DNS:kube.test (to test
// tls-server-name); expired; foreign_ca: signed by a CA the client was not given.
enum class ServerCert { valid, kube_test_only, expired, foreign_ca };
enum class KeyType { ec, rsa, ed25519 };

struct HttpsServerOptions {
  bool require_client_cert = false;
  ServerCert server_cert = ServerCert::valid;
};

class HttpsServer {
 public:
  explicit HttpsServer(HttpsServerOptions opts = {});
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Adds a route; later routes win over earlier ones for the same request. Unrouted requests
  // get 404.
  void route(std::string method, std::string path, Handler handler);

  std::string url() const;  // "https://127.0.0.1:<port>"
  const std::string& ca_pem() const;
  // A client certificate signed by the server's CA (for mutual TLS).
  TestCert issue_client_cert(const std::string& common_name, KeyType type = KeyType::ec) const;
  // A certificate from an unrelated CA (to test rejection).
  static TestCert foreign_cert(const std::string& common_name);

  std::vector<RecordedRequest> requests() const;
  // Stops accepting and waits for every connection's handler (called by the destructor; owners
  // whose handlers use their own members call it first).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace talgpu::test
