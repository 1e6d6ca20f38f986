#pragma once
// HTTP(S) behind a small interface, so every client (Image Factory, Kubernetes API) can be tested
// against a fake or a loopback server. The libcurl implementation takes TLS material from memory
// (a CA bundle to trust, a client certificate and key), never from disk paths, because kubeconfigs
// carry them inline and tests generate them on the fly. Verification is always on.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <core/error.hpp>

namespace talgpu::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
};

struct Response {
  long status = 0;
  Headers headers;  // names as the server sent them
  std::string body;

  // First header with this name (case-insensitive), or empty.
  std::string header(std::string_view name) const;
};

struct TlsOptions {
  std::string ca_pem;           // trust only these CAs when set (else the system store)
  std::string client_cert_pem;  // client certificate (mutual TLS), optional
  std::string client_key_pem;   // its private key
};

struct TransportOptions {
  TlsOptions tls;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{60000};  // whole request
  size_t max_response_bytes = size_t{64} << 20;
  std::string user_agent = "talgpu/" TALGPU_VERSION;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one request. Any HTTP status is a Response; only transport failures (DNS, TLS,
  // timeouts, oversized bodies) are errors (rule `http-transport`).
  virtual Result<Response> send(const Request& req) = 0;
};

std::unique_ptr<Transport> make_curl_transport(TransportOptions opts = {});

}  // namespace talgpu::http
