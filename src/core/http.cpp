#include <core/http.hpp>

#include <algorithm>
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

Result<Response> Transport::stream(const Request& req, const std::function<bool(std::string_view)>& on_data) {
  auto resp = send(req);
  if (resp && resp->status >= 200 && resp->status < 300) {
    on_data(resp->body);
    resp->body.clear();
  }
  return resp;
}

namespace {

struct UrlParts {
  std::string host;
  std::string port;
  std::string rest;  // path and query
};

// "https://host:port/path" → {host, port, "/path"}; the port defaults to 443. IPv6 literals keep
// their brackets.
UrlParts split_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) {
    return {};
  }
  size_t start = scheme + 3;
  size_t slash = url.find('/', start);
  std::string authority = url.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  std::string rest = slash == std::string::npos ? "/" : url.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    return {authority.substr(0, colon), authority.substr(colon + 1), rest};
  }
  return {authority, url.rfind("http://", 0) == 0 ? "80" : "443", rest};
}

struct Sink {
  std::string body;
  Headers headers;
  size_t limit = 0;
  bool overflow = false;
  CURL* handle = nullptr;
  const std::function<bool(std::string_view)>* on_data = nullptr;  // streaming
  bool stopped = false;                                            // on_data said stop
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (sink->on_data != nullptr) {
    long status = 0;
    curl_easy_getinfo(sink->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      if (!(*sink->on_data)(std::string_view(data, len))) {
        sink->stopped = true;
        return 0;
      }
      return len;
    }
  }
  if (sink->body.size() + len > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->body.append(data, len);
  return len;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancelled = static_cast<const std::function<bool()>*>(user);
  return (*cancelled)() ? 1 : 0;
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

  Result<Response> send(const Request& req) override { return perform(req, nullptr); }

  Result<Response> stream(const Request& req, const std::function<bool(std::string_view)>& on_data) override {
    return perform(req, &on_data);
  }

 private:
  Result<Response> perform(const Request& req, const std::function<bool(std::string_view)>* on_data) {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) {
      return fail("cannot initialise libcurl", {}, "http-transport");
    }
    CURL* h = curl.get();
    Sink sink;
    sink.limit = m_opts.max_response_bytes;
    sink.handle = h;
    sink.on_data = on_data;
    char errbuf[CURL_ERROR_SIZE] = {0};

    std::string url = req.url;
    std::string connect_to;
    struct curl_slist* connect_list = nullptr;
    if (!m_opts.tls.server_name.empty()) {
      // tls-server-name: talk to the URL's host but present and verify `server_name` (curl takes
      // SNI and the verified name from the URL, so the URL names it and CONNECT_TO reroutes).
      auto [host, port, rest] = split_url(req.url);
      if (!host.empty()) {
        url = "https://" + m_opts.tls.server_name + ":" + port + rest;
        connect_to = m_opts.tls.server_name + ":" + port + ":" + host + ":" + port;
        connect_list = curl_slist_append(nullptr, connect_to.c_str());
      }
    }
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> connect_guard(connect_list, &curl_slist_free_all);
    if (connect_list != nullptr) {
      curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_list);
    }
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
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
    if (connect_list != nullptr) {
      auto [host, port, rest] = split_url(req.url);
      list = curl_slist_append(list, ("Host: " + host + ":" + port).c_str());
    }
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
    if (on_data == nullptr) {
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(m_opts.timeout.count()));
    } else if (m_opts.stream_idle_timeout.count() > 0) {
      // No byte for the idle period: curl's low-speed limit counts whole seconds.
      long secs = std::max<long>(1, static_cast<long>((m_opts.stream_idle_timeout.count() + 999) / 1000));
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, secs);
    }
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, m_opts.tls.insecure_skip_verify ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, m_opts.tls.insecure_skip_verify ? 0L : 2L);
    if (m_opts.cancelled) {
      curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(h, CURLOPT_XFERINFODATA, &m_opts.cancelled);
      curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
    }
    if (!m_opts.proxy_url.empty()) {
      curl_easy_setopt(h, CURLOPT_PROXY, m_opts.proxy_url.c_str());
    }

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
    if (rc != CURLE_OK && !sink.stopped) {
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

  TransportOptions m_opts;
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport(TransportOptions opts) {
  return std::make_unique<CurlTransport>(std::move(opts));
}

}  // namespace talgpu::http
