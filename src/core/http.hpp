#pragma once
// HTTP(S) behind a small interface, so every client (Image Factory, Kubernetes API) can be tested
// against a fake or a loopback server. The libcurl implementation takes TLS material from memory
// (a CA bundle to trust, a client certificate and key), never from disk paths, because kubeconfigs
// carry them inline and tests generate them on the fly. Verification is on unless a kubeconfig
// explicitly sets insecure-skip-tls-verify.

#include <chrono>
#include <functional>
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
  // Name to send as SNI and to verify the server certificate against, instead of the URL's host
  // (kubeconfig `tls-server-name`). The connection still goes to the URL's host and port, and the
  // Host header keeps the URL's host, as Go's crypto/tls ServerName does.
  std::string server_name;
  bool insecure_skip_verify = false;  // only when a kubeconfig says so
};

struct TransportOptions {
  TlsOptions tls;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{60000};  // whole request
  size_t max_response_bytes = size_t{64} << 20;
  // Explicit proxy (http://, https://, socks5://). Empty: the environment's (https_proxy,
  // no_proxy), as Go's http.ProxyFromEnvironment does.
  std::string proxy_url;
  // Streams (watch) have no whole-request timeout; they end when no byte arrives for this long.
  std::chrono::milliseconds stream_idle_timeout{0};
  // Polled while a transfer runs (at least once a second); true aborts it (Ctrl-C).
  std::function<bool()> cancelled;
  std::string user_agent = "talgpu/" TALGPU_VERSION;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one request. Any HTTP status is a Response; only transport failures (DNS, TLS,
  // timeouts, oversized bodies) are errors (rule `http-transport`).
  virtual Result<Response> send(const Request& req) = 0;
  // Sends one request and hands a 2xx response's body to `on_data` as it arrives (chunked
  // streams such as watches); `on_data` returns false to stop reading. A non-2xx response's body
  // is collected in the Response instead. The default implementation buffers (for fakes).
  virtual Result<Response> stream(const Request& req, const std::function<bool(std::string_view)>& on_data);
};

std::unique_ptr<Transport> make_curl_transport(TransportOptions opts = {});

}  // namespace talgpu::http
