#include <kube/client/client.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/strings.hpp>

namespace talgpu::kube::client {

using nlohmann::json;

std::string url_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

namespace {

std::string with_query(const std::string& path, const std::string& query) {
  if (query.empty()) {
    return path;
  }
  return path + (path.find('?') == std::string::npos ? "?" : "&") + query;
}

bool retryable_status(long code) {
  return code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
}

const char* status_text(long code) {
  switch (code) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

// Printable: control characters escaped, long texts cut (a server may send anything).
std::string printable(std::string_view s, size_t max = 400) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) {
    out += "...";
  }
  return out;
}

}  // namespace

Client::Client(RestConfig config, ClientOptions opts) : m_config(std::move(config)), m_opts(std::move(opts)) {
  if (!m_opts.sleep) {
    auto cancelled = m_opts.cancelled;
    m_opts.sleep = [cancelled](std::chrono::milliseconds d) {
      auto until = std::chrono::steady_clock::now() + d;
      while (std::chrono::steady_clock::now() < until && !(cancelled && cancelled())) {
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(d, std::chrono::milliseconds(100)));
      }
    };
  }
  if (!m_opts.random) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    m_opts.random = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
  }
}

Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::create(const RestConfig& config, ClientOptions opts) {
  std::unique_ptr<Client> c(new Client(config, std::move(opts)));
  if (config.exec) {
    c->m_exec = std::make_unique<ExecPlugin>(*config.exec, config.cluster_info_json, c->m_opts.clock, c->m_opts.stdin_tty);
  }
  c->m_token = config.token;
  return c;
}

// Builds (or rebuilds, when an exec plugin hands out a new certificate) the two transports.
Result<void> Client::ensure_transport() {
  std::string cert = m_config.client_cert_pem;
  std::string key = m_config.client_key_pem;
  if (m_exec) {
    TRY_ASSIGN(auto cred, m_exec->credential());
    if (!cred.client_cert_pem.empty()) {
      cert = cred.client_cert_pem;
      key = cred.client_key_pem;
    }
    m_token = cred.token.empty() ? m_config.token : cred.token;
  }
  if (m_transport && cert == m_transport_cert) {
    return {};
  }
  http::TransportOptions to;
  to.tls.ca_pem = m_config.ca_pem;
  to.tls.client_cert_pem = cert;
  to.tls.client_key_pem = key;
  to.tls.server_name = m_config.tls_server_name;
  to.tls.insecure_skip_verify = m_config.insecure_skip_tls_verify;
  to.proxy_url = m_config.proxy_url;
  to.connect_timeout = m_opts.connect_timeout;
  to.timeout = m_opts.timeout;
  to.cancelled = m_opts.cancelled;
  m_transport = http::make_curl_transport(to);
  to.stream_idle_timeout = m_opts.watch_idle_timeout;
  to.max_response_bytes = size_t{256} << 20;
  m_watch_transport = http::make_curl_transport(to);
  m_transport_cert = cert;
  return {};
}

std::chrono::milliseconds Client::backoff(int attempt) const {
  // Capped exponential with jitter: base·2^(attempt-1), capped, then a random point in its upper half.
  double d = static_cast<double>(m_opts.retry.base.count()) * std::pow(2.0, attempt - 1);
  d = std::min(d, static_cast<double>(m_opts.retry.cap.count()));
  d = d / 2 + d / 2 * m_opts.random();
  return std::chrono::milliseconds(static_cast<long>(d));
}

ApiError Client::status_error(const http::Request& req, const http::Response& resp) const {
  ApiError e;
  e.code = resp.status;
  std::string path = req.url.substr(m_config.server.size());
  std::string detail;
  json body = json::parse(resp.body, nullptr, false);
  if (!body.is_discarded() && body.is_object() && body.value("kind", "") == "Status") {
    e.reason = body.value("reason", "");
    detail = body.value("message", "");
  } else if (!resp.body.empty()) {
    detail = std::string(trim(resp.body));
  }
  std::string head = fmt::format("{} {}: {} {}", req.method, path, resp.status, status_text(resp.status));
  if (resp.status == 401) {
    e.message = fmt::format("{}: the API server did not accept the credentials of user {} in {} (expired or "
                            "revoked certificate or token?)", head, talgpu::quoted(m_config.user), m_config.source);
  } else {
    e.message = detail.empty() ? head : fmt::format("{}: {}", head, printable(detail));
  }
  return e;
}

ApiResult<http::Response> Client::send(http::Request req, bool safe) {
  std::string target = req.url;
  req.url = m_config.server + target;
  bool refreshed = false;
  for (int attempt = 1;; ++attempt) {
    if (auto ok = ensure_transport(); !ok) {
      return tl::unexpected(ApiError{0, "", ok.error().message});
    }
    http::Request r = req;
    r.headers.emplace_back("Accept", "application/json");
    if (!m_token.empty()) {
      r.headers.emplace_back("Authorization", "Bearer " + m_token);
    }
    ++m_sent;
    auto resp = m_transport->send(r);
    if (m_opts.log) {
      m_opts.log(fmt::format("{} {} {}", req.method, req.url, resp ? std::to_string(resp->status) : std::string("failed")));
    }
    if (m_opts.cancelled && m_opts.cancelled()) {
      return tl::unexpected(ApiError{0, "Cancelled", fmt::format("{} {}: interrupted", req.method, target)});
    }
    bool last = attempt >= m_opts.retry.max_attempts;
    if (!resp) {
      if (safe && !last) {
        m_opts.sleep(backoff(attempt));
        continue;
      }
      std::string msg = resp.error().message;
      if (msg.find("timed out") != std::string::npos || msg.find("Timeout") != std::string::npos) {
        msg += fmt::format(" (no answer within {} ms)", m_opts.timeout.count());
      }
      return tl::unexpected(ApiError{0, "", fmt::format("{}{}", msg, attempt > 1 ? fmt::format(" (after {} attempts)", attempt) : "")});
    }
    if (resp->status == 401 && m_exec && !refreshed) {
      refreshed = true;  // the credential may have been revoked before its expiry: fetch it again
      m_exec->invalidate();
      --attempt;
      continue;
    }
    if (retryable_status(resp->status) && (safe || resp->status == 429) && !last) {
      std::chrono::milliseconds wait = backoff(attempt);
      std::string ra = resp->header("Retry-After");
      if (!ra.empty() && std::all_of(ra.begin(), ra.end(), ::isdigit) && ra.size() < 6) {
        wait = std::min(std::chrono::milliseconds(std::stol(ra) * 1000), m_opts.retry.max_retry_after);
      }
      m_opts.sleep(wait);
      continue;
    }
    if (resp->status < 200 || resp->status >= 300) {
      ApiError e = status_error(req, *resp);
      if (attempt > 1) {
        e.message += fmt::format(" (after {} attempts)", attempt);
      }
      return tl::unexpected(std::move(e));
    }
    return std::move(*resp);
  }
}

namespace {

ApiResult<json> parse_body(const http::Request& req, const http::Response& resp) {
  json j = json::parse(resp.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return tl::unexpected(ApiError{resp.status, "", fmt::format("{} {}: the server's answer is not a JSON object "
                                                               "(is this a Kubernetes API server?)", req.method, req.url)});
  }
  return j;
}

}  // namespace

ApiResult<json> Client::get(const std::string& path) {
  http::Request req{"GET", path, {}, {}};
  auto resp = send(req, true);
  if (!resp) {
    return tl::unexpected(resp.error());
  }
  return parse_body(req, *resp);
}

ApiResult<std::string> Client::get_text(const std::string& path) {
  auto resp = send(http::Request{"GET", path, {}, {}}, true);
  if (!resp) {
    return tl::unexpected(resp.error());
  }
  return std::move(resp->body);
}

ApiResult<json> Client::list(const std::string& path, const std::string& query, int page_size) {
  json items = json::array();
  std::string cont;
  std::string rv;
  bool paged = page_size > 0;
  for (;;) {
    std::string q = query;
    if (paged) {
      q += (q.empty() ? "" : "&") + std::string("limit=") + std::to_string(page_size);
      if (!cont.empty()) {
        q += "&continue=" + url_escape(cont);
      }
    }
    http::Request req{"GET", with_query(path, q), {}, {}};
    auto resp = send(req, true);
    if (!resp && resp.error().code == 410 && !cont.empty()) {
      // The continue token expired: list everything in one go (pager.go falls back the same way).
      items = json::array();
      cont.clear();
      paged = false;
      continue;
    }
    if (!resp) {
      return tl::unexpected(resp.error());
    }
    auto body = parse_body(req, *resp);
    if (!body) {
      return tl::unexpected(body.error());
    }
    if (!body->contains("items") || !(*body)["items"].is_array()) {
      if (!(*body)["items"].is_null()) {
        return tl::unexpected(ApiError{resp->status, "", fmt::format("GET {}: the list has no items array", path)});
      }
    } else {
      for (auto& it : (*body)["items"]) {
        items.push_back(std::move(it));
      }
    }
    const json& meta = body->value("metadata", json::object());
    rv = meta.value("resourceVersion", "");
    cont = meta.value("continue", "");
    if (!paged || cont.empty()) {
      break;
    }
  }
  return json{{"items", std::move(items)}, {"metadata", {{"resourceVersion", rv}}}};
}

ApiResult<json> Client::create(const std::string& path, const json& object) {
  http::Request req{"POST", path, {{"Content-Type", "application/json"}}, object.dump()};
  auto resp = send(req, false);
  if (!resp) {
    return tl::unexpected(resp.error());
  }
  return parse_body(req, *resp);
}

ApiResult<json> Client::patch(const std::string& path, const json& patch, PatchType type, bool safe) {
  const char* ct = type == PatchType::json    ? "application/json-patch+json"
                   : type == PatchType::merge ? "application/merge-patch+json"
                                              : "application/strategic-merge-patch+json";
  http::Request req{"PATCH", path, {{"Content-Type", ct}}, patch.dump()};
  auto resp = send(req, safe);
  if (!resp) {
    return tl::unexpected(resp.error());
  }
  return parse_body(req, *resp);
}

ApiResult<json> Client::remove(const std::string& path, const std::string& query) {
  http::Request req{"DELETE", with_query(path, query), {}, {}};
  auto resp = send(req, true);
  if (!resp) {
    return tl::unexpected(resp.error());
  }
  return parse_body(req, *resp);
}

ApiResult<bool> Client::watch_once(const std::string& path, const std::string& query, std::string& rv,
                                   const WatchHandler& on_event, std::chrono::steady_clock::time_point deadline,
                                   bool& gone) {
  if (auto ok = ensure_transport(); !ok) {
    return tl::unexpected(ApiError{0, "", ok.error().message});
  }
  auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now()).count();
  left = std::clamp<long>(left + 1, 1, 300);
  std::string q = with_query(with_query("", query),
                             fmt::format("watch=1&allowWatchBookmarks=true&resourceVersion={}&timeoutSeconds={}",
                                         url_escape(rv), left));
  http::Request req{"GET", m_config.server + path + q, {{"Accept", "application/json"}}, {}};
  if (!m_token.empty()) {
    req.headers.emplace_back("Authorization", "Bearer " + m_token);
  }
  std::string buf;
  bool stop = false;
  std::optional<ApiError> bad;
  ++m_sent;
  auto resp = m_watch_transport->stream(req, [&](std::string_view data) {
    buf.append(data);
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (trim(line).empty()) {
        continue;
      }
      json ev = json::parse(line, nullptr, false);
      if (ev.is_discarded() || !ev.is_object() || !ev.contains("type") || !ev["type"].is_string()) {
        bad = ApiError{0, "", fmt::format("watch {}: malformed event from the server: {}", path, printable(line, 120))};
        return false;
      }
      std::string type = ev["type"].get<std::string>();
      const json& obj = ev.contains("object") ? ev["object"] : json::object();
      if (type == "ERROR") {
        if (obj.value("code", 0) == 410) {
          gone = true;  // too old a resourceVersion: the caller re-lists
        } else {
          bad = ApiError{obj.value("code", 0L), obj.value("reason", ""),
                         fmt::format("watch {}: {}", path, printable(obj.value("message", std::string("error event"))))};
        }
        return false;
      }
      if (obj.is_object() && obj.contains("metadata")) {
        rv = obj["metadata"].value("resourceVersion", rv);
      }
      if (type == "BOOKMARK") {
        continue;
      }
      if (!on_event(type, obj)) {
        stop = true;
        return false;
      }
    }
    return !(m_opts.cancelled && m_opts.cancelled()) && std::chrono::steady_clock::now() < deadline;
  });
  if (m_opts.log) {
    m_opts.log(fmt::format("GET {} {}", req.url, resp ? std::to_string(resp->status) : std::string("stream ended")));
  }
  if (bad) {
    return tl::unexpected(*bad);
  }
  if (stop) {
    return true;
  }
  if (resp && resp->status == 410) {
    gone = true;
    return false;
  }
  if (resp && (resp->status < 200 || resp->status >= 300)) {
    return tl::unexpected(status_error(req, *resp));
  }
  return false;  // the stream ended (server timeout, dropped connection, or our deadline): resume
}

ApiResult<bool> Client::list_watch(const std::string& path, const std::string& query, const ListHandler& on_list,
                                   const WatchHandler& on_event, std::chrono::steady_clock::time_point deadline) {
  int failures = 0;
  for (;;) {
    auto listed = list(path, query);
    if (!listed) {
      return tl::unexpected(listed.error());
    }
    if (!on_list((*listed)["items"])) {
      return true;
    }
    std::string rv = (*listed)["metadata"].value("resourceVersion", "");
    bool gone = false;
    while (!gone) {
      if (m_opts.cancelled && m_opts.cancelled()) {
        return tl::unexpected(ApiError{0, "Cancelled", fmt::format("watch {}: interrupted", path)});
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      std::string before = rv;
      auto r = watch_once(path, query, rv, on_event, deadline, gone);
      if (!r) {
        return tl::unexpected(r.error());
      }
      if (*r) {
        return true;
      }
      // A stream that delivered nothing new counts as a failure; a productive one resets the count.
      failures = rv == before ? failures + 1 : 0;
      if (failures >= m_opts.retry.max_attempts) {
        return tl::unexpected(ApiError{0, "", fmt::format("watch {}: the connection keeps dropping ({} attempts)", path, failures)});
      }
      if (failures > 0 && !gone) {
        m_opts.sleep(backoff(failures));
      }
    }
  }
}

}  // namespace talgpu::kube::client
