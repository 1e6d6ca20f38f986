#include "https_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <core/strings.hpp>

namespace talgpu::test {

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("https test server: ") + what);
  }
}

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

KeyPtr new_key(KeyType type = KeyType::ec) {
  KeyPtr k(type == KeyType::rsa       ? EVP_RSA_gen(2048)
           : type == KeyType::ed25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                      : EVP_EC_gen("P-256"));
  check(k != nullptr, "EVP_EC_gen");
  return k;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Signs a certificate for `key` with `issuer_key` (self-signed when issuer is null).
CertPtr make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                  const char* san, const char* eku, bool expired = false) {
  static std::atomic<long> serial{1};
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), expired ? -7 * 86400 : -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), expired ? -86400 : 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer ? issuer : cert.get();
  add_ext(cert.get(), iss, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(cert.get(), iss, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_ext(cert.get(), iss, NID_subject_key_identifier, "hash");
  if (san != nullptr) {
    add_ext(cert.get(), iss, NID_subject_alt_name, san);
  }
  if (eku != nullptr) {
    add_ext(cert.get(), iss, NID_ext_key_usage, eku);
  }
  check(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

std::string cert_pem(X509* c) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, c);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

std::string key_pem(EVP_PKEY* k) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

struct Route {
  std::string method;
  std::string path;
  Handler handler;
};

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

}  // namespace

std::string RecordedRequest::header(std::string_view name) const {
  std::string want = to_lower(name);
  for (const auto& [k, v] : headers) {
    if (to_lower(k) == want) {
      return v;
    }
  }
  return {};
}

struct HttpsServer::Impl {
  HttpsServerOptions opts;
  KeyPtr ca_key;
  CertPtr ca_cert;
  std::string ca_pem;
  SSL_CTX* ctx = nullptr;
  int listen_fd = -1;
  int port = 0;
  std::atomic<bool> stop{false};
  std::thread thread;
  mutable std::mutex mu;
  std::vector<Route> routes;
  std::vector<RecordedRequest> requests;
  std::mutex conn_mu;
  std::vector<std::thread> connections;

  void serve() {
    while (!stop) {
      pollfd p{listen_fd, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) {
        continue;
      }
      int fd = accept(listen_fd, nullptr, nullptr);
      if (fd < 0) {
        continue;
      }
      timeval tv{5, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::lock_guard<std::mutex> lock(conn_mu);
      connections.emplace_back([this, fd] {
        handle(fd);
        close(fd);
      });
    }
  }

  static bool write_all(SSL* ssl, std::string_view data) {
    while (!data.empty()) {
      int n = SSL_write(ssl, data.data(), static_cast<int>(data.size()));
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void handle(int fd) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) <= 0) {
      ERR_clear_error();
      SSL_free(ssl);
      return;
    }
    RecordedRequest req;
    if (X509* peer = SSL_get1_peer_certificate(ssl)) {
      char cn[256] = {0};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
      req.client_cn = cn;
      X509_free(peer);
    }
    std::string data;
    char buf[4096];
    size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) {
        SSL_free(ssl);
        return;
      }
      data.append(buf, static_cast<size_t>(n));
      header_end = data.find("\r\n\r\n");
    }
    std::vector<std::string> lines = split(data.substr(0, header_end), '\n');
    std::vector<std::string> first = split(std::string(trim(lines[0])), ' ');
    req.method = first.size() > 0 ? first[0] : "";
    std::string target = first.size() > 1 ? first[1] : "/";
    auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    size_t content_length = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
      auto colon = lines[i].find(':');
      if (colon == std::string::npos) {
        continue;
      }
      std::string k(trim(lines[i].substr(0, colon)));
      std::string v(trim(lines[i].substr(colon + 1)));
      if (to_lower(k) == "content-length") {
        content_length = std::stoul(v);
      }
      req.headers.emplace_back(std::move(k), std::move(v));
    }
    req.body = data.substr(header_end + 4);
    while (req.body.size() < content_length) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) {
        break;
      }
      req.body.append(buf, static_cast<size_t>(n));
    }
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu);
      requests.push_back(req);
      for (auto it = routes.rbegin(); it != routes.rend(); ++it) {
        bool prefix = !it->path.empty() && it->path.back() == '*';
        bool match = prefix ? req.path.rfind(it->path.substr(0, it->path.size() - 1), 0) == 0 : req.path == it->path;
        if (it->method == req.method && match) {
          handler = it->handler;
          break;
        }
      }
    }
    ServerResponse resp = handler ? handler(req) : ServerResponse{404, {}, "not found\n"};
    if (resp.drop) {
      SSL_free(ssl);
      return;
    }
    std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " " + reason(resp.status) + "\r\n";
    for (const auto& [k, v] : resp.headers) {
      out += k + ": " + v + "\r\n";
    }
    if (resp.stream) {
      out += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
      bool ok = write_all(ssl, out);
      ChunkWriter writer = [&](std::string_view chunk) {
        if (!ok || chunk.empty()) {
          return ok;
        }
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
        ok = write_all(ssl, size) && write_all(ssl, chunk) && write_all(ssl, "\r\n");
        return ok;
      };
      bool clean = ok && resp.stream(writer, [this] { return stop.load(); });
      if (!clean) {
        SSL_free(ssl);  // dropped: no terminating chunk, no close_notify
        return;
      }
      write_all(ssl, "0\r\n\r\n");
    } else {
      out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\nConnection: close\r\n\r\n" + resp.body;
      write_all(ssl, out);
    }
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
};

HttpsServer::HttpsServer(HttpsServerOptions opts) : m_impl(std::make_unique<Impl>()) {
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the test binary
  Impl& s = *m_impl;
  s.opts = opts;
  s.ca_key = new_key();
  s.ca_cert = make_cert(s.ca_key.get(), "talgpu test CA", nullptr, nullptr, true, nullptr, nullptr);
  s.ca_pem = cert_pem(s.ca_cert.get());
  KeyPtr server_key = new_key();
  KeyPtr other_ca_key = new_key();
  CertPtr other_ca = make_cert(other_ca_key.get(), "unrelated CA", nullptr, nullptr, true, nullptr, nullptr);
  bool foreign = opts.server_cert == ServerCert::foreign_ca;
  CertPtr server_cert = make_cert(server_key.get(), "127.0.0.1", foreign ? other_ca.get() : s.ca_cert.get(),
                                  foreign ? other_ca_key.get() : s.ca_key.get(), false,
                                  opts.server_cert == ServerCert::kube_test_only ? "DNS:kube.test" : "IP:127.0.0.1,DNS:localhost,DNS:kube.test",
                                  "serverAuth",
                                  opts.server_cert == ServerCert::expired);

  s.ctx = SSL_CTX_new(TLS_server_method());
  check(s.ctx != nullptr, "SSL_CTX_new");
  check(SSL_CTX_use_certificate(s.ctx, server_cert.get()) == 1, "use_certificate");
  check(SSL_CTX_use_PrivateKey(s.ctx, server_key.get()) == 1, "use_PrivateKey");
  if (opts.require_client_cert) {
    X509_STORE* store = SSL_CTX_get_cert_store(s.ctx);
    X509_STORE_add_cert(store, s.ca_cert.get());
    SSL_CTX_set_verify(s.ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }

  s.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  check(s.listen_fd >= 0, "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  check(bind(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind");
  check(listen(s.listen_fd, 1024) == 0, "listen");
  socklen_t len = sizeof addr;
  getsockname(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  s.port = ntohs(addr.sin_port);
  s.thread = std::thread([&s] { s.serve(); });
}

void HttpsServer::stop() {
  m_impl->stop = true;
  if (m_impl->thread.joinable()) {
    m_impl->thread.join();
  }
  for (auto& t : m_impl->connections) {
    if (t.joinable()) {
      t.join();
    }
  }
}

HttpsServer::~HttpsServer() {
  stop();
  close(m_impl->listen_fd);
  SSL_CTX_free(m_impl->ctx);
}

void HttpsServer::route(std::string method, std::string path, Handler handler) {
  std::lock_guard<std::mutex> lock(m_impl->mu);
  m_impl->routes.push_back(Route{std::move(method), std::move(path), std::move(handler)});
}

std::string HttpsServer::url() const {
  return "https://127.0.0.1:" + std::to_string(m_impl->port);
}

const std::string& HttpsServer::ca_pem() const {
  return m_impl->ca_pem;
}

TestCert HttpsServer::issue_client_cert(const std::string& common_name, KeyType type) const {
  KeyPtr key = new_key(type);
  CertPtr cert = make_cert(key.get(), common_name, m_impl->ca_cert.get(), m_impl->ca_key.get(), false, nullptr,
                           "clientAuth");
  return TestCert{cert_pem(cert.get()), key_pem(key.get())};
}

TestCert HttpsServer::foreign_cert(const std::string& common_name) {
  KeyPtr ca_key = new_key();
  CertPtr ca = make_cert(ca_key.get(), "foreign CA", nullptr, nullptr, true, nullptr, nullptr);
  KeyPtr key = new_key();
  CertPtr cert = make_cert(key.get(), common_name, ca.get(), ca_key.get(), false, nullptr, "clientAuth");
  return TestCert{cert_pem(cert.get()), key_pem(key.get())};
}

std::vector<RecordedRequest> HttpsServer::requests() const {
  std::lock_guard<std::mutex> lock(m_impl->mu);
  return m_impl->requests;
}

}  // namespace talgpu::test
