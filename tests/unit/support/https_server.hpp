#pragma once
// A loopback HTTPS server for client tests (Image Factory now, the Kubernetes API later).
//
// It generates its own CA and a server certificate for 127.0.0.1/localhost at construction, so
// clients are tested with verification ON by trusting `ca_pem()`. Routes match method + path
// (exact, or a prefix ending in '*'); every request is recorded; mutual TLS can be required, with
// client certificates issued by the same CA. One connection at a time, `Connection: close`.

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

struct ServerResponse {
  int status = 200;
  http::Headers headers;
  std::string body;
};

using Handler = std::function<ServerResponse(const RecordedRequest&)>;

struct HttpsServerOptions {
  bool require_client_cert = false;
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
  TestCert issue_client_cert(const std::string& common_name) const;
  // A certificate from an unrelated CA (to test rejection).
  static TestCert foreign_cert(const std::string& common_name);

  std::vector<RecordedRequest> requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace talgpu::test
