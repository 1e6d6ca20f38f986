#include <core/http.hpp>

#include <mutex>

#include <curl/curl.h>
#include <fmt/format.h>

#include <core/strings.hpp>

namespace talgpu::http {

std::string Response::header(std::string_view name) const {
  std::string want = to_lower(name);
  for (const auto& [k, v] : headers) {
    if (to_lower(k) == want) {
      return v;
    }
  }
  return {};
}

namespace {

struct Sink {
  std::string body;
  Headers headers;
  size_t limit = 0;
  bool overflow = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (sink->body.size() + len > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->body.append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    sink->headers.clear();  // a new response (after 100-continue or a redirect)
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    sink->headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return len;
}

class CurlTransport : public Transport {
 public:
  explicit CurlTransport(TransportOptions opts) : m_opts(std::move(opts)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Result<Response> send(const Request& req) override {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) {
      return fail("cannot initialise libcurl", {}, "http-transport");
    }
    CURL* h = curl.get();
    Sink sink;
    sink.limit = m_opts.max_response_bytes;
    char errbuf[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    if (req.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    }
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    struct curl_slist* list = nullptr;
    bool has_content_type = false;
    for (const auto& [k, v] : req.headers) {
      has_content_type = has_content_type || to_lower(k) == "content-type";
      list = curl_slist_append(list, (k + ": " + v).c_str());
    }
    if (!has_content_type && !req.body.empty()) {
      list = curl_slist_append(list, "Content-Type:");  // curl would add form-urlencoded otherwise
    }
    list = curl_slist_append(list, "Expect:");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(list, &curl_slist_free_all);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_USERAGENT, m_opts.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(m_opts.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(m_opts.timeout.count()));
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);

    const auto& tls = m_opts.tls;
    curl_blob ca{const_cast<char*>(tls.ca_pem.data()), tls.ca_pem.size(), CURL_BLOB_COPY};
    curl_blob cert{const_cast<char*>(tls.client_cert_pem.data()), tls.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(tls.client_key_pem.data()), tls.client_key_pem.size(), CURL_BLOB_COPY};
    if (!tls.ca_pem.empty()) {
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (!tls.client_cert_pem.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    }
    if (!tls.client_key_pem.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    }

    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
      if (sink.overflow) {
        return fail(fmt::format("{} {}: response larger than {} bytes", req.method, req.url, sink.limit), {},
                    "http-transport");
      }
      return fail(fmt::format("{} {}: {}", req.method, req.url, errbuf[0] ? errbuf : curl_easy_strerror(rc)), {},
                  "http-transport");
    }
    Response resp;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
    resp.body = std::move(sink.body);
    resp.headers = std::move(sink.headers);
    return resp;
  }

 private:
  TransportOptions m_opts;
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport(TransportOptions opts) {
  return std::make_unique<CurlTransport>(std::move(opts));
}

}  // namespace talgpu::http
