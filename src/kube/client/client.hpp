#pragma once
// A Kubernetes API client over core/http (libcurl), for the few calls talgpu makes.
//
// Behaviour follows client-go's rest client where it matters:
//  - credentials: client certificate, bearer token or an exec plugin (exec_plugin.hpp); after a
//    401 an exec credential is fetched again once (client-go exec.go refreshes on 401);
//  - retries with capped exponential backoff and jitter on 429 (Retry-After honoured, capped),
//    5xx and dropped connections -- for requests that are safe to repeat (reads, watches, deletes,
//    and JSON patches guarded by a `test` on metadata.resourceVersion); a 429 is retried for any
//    request, since the server did not process it (k8s.io/client-go/rest/request.go checkWait);
//  - metav1.Status failures become "<METHOD> <path>: <code> <reason>: <message>";
//  - lists page with limit/continue; an expired continue token (410) restarts the list without
//    a limit, as client-go's pager does (k8s.io/client-go/tools/pager/pager.go);
//  - watches read the chunked stream of JSON events, resume from the last resourceVersion after
//    a dropped connection or a server timeout, and re-list on 410 Gone
//    (k8s.io/client-go/tools/cache/reflector.go).
// Logs (`-v`) carry method, URL and status only; tokens, keys and bodies never appear.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>
#include <tl/expected.hpp>

#include <core/error.hpp>
#include <core/http.hpp>
#include <kube/client/exec_plugin.hpp>
#include <kube/client/kubeconfig.hpp>

namespace talgpu::kube::client {

struct ApiError {
  long code = 0;       // HTTP status; 0 for transport failures (TLS, refused, timeout)
  std::string reason;  // metav1.Status reason (Conflict, NotFound, ...) when the server sent one
  std::string message; // readable, without secrets

  Error error() const { return Error(message, {}, "kube-api"); }
};

template <typename T>
using ApiResult = tl::expected<T, ApiError>;

struct RetryPolicy {
  int max_attempts = 6;
  std::chrono::milliseconds base{250};
  std::chrono::milliseconds cap{8000};
  std::chrono::milliseconds max_retry_after{30000};
};

struct ClientOptions {
  RetryPolicy retry;
  std::chrono::milliseconds timeout{30000};  // one request
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds watch_idle_timeout{90000};  // no byte on a watch for this long: reconnect
  // Injectable for tests: how to wait, and a random number in [0, 1) for jitter.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> random;
  std::function<void(const std::string&)> log;  // one line per request (-v)
  SystemClock clock;                             // exec credential expiry
  std::optional<bool> stdin_tty;                 // exec interactive detection
  std::function<bool()> cancelled;               // Ctrl-C: abort transfers and waits
};

enum class PatchType { json, merge, strategic };

// A watch event: ADDED, MODIFIED, DELETED, BOOKMARK.
using WatchHandler = std::function<bool(const std::string& type, const nlohmann::json& object)>;
// Called with the full list before the first watch and again after every re-list (410).
using ListHandler = std::function<bool(const nlohmann::json& items)>;

class Client {
 public:
  static Result<std::unique_ptr<Client>> create(const RestConfig& config, ClientOptions opts = {});
  ~Client();

  const RestConfig& config() const { return m_config; }

  ApiResult<nlohmann::json> get(const std::string& path);
  ApiResult<std::string> get_text(const std::string& path_and_query);
  // All pages; the result is {"items": [...], "metadata": {"resourceVersion": ...}}.
  ApiResult<nlohmann::json> list(const std::string& path, const std::string& query = {}, int page_size = 500);
  ApiResult<nlohmann::json> create(const std::string& path, const nlohmann::json& object);
  // `safe`: the patch can be repeated without harm (a JSON patch with a resourceVersion test).
  ApiResult<nlohmann::json> patch(const std::string& path, const nlohmann::json& patch, PatchType type, bool safe);
  ApiResult<nlohmann::json> remove(const std::string& path, const std::string& query = {});

  // Lists `path` (with `query`, e.g. a labelSelector), then watches from that list's
  // resourceVersion until a handler returns false, `deadline` passes, or cancelled. Returns
  // false in the value when it stopped on the deadline.
  ApiResult<bool> list_watch(const std::string& path, const std::string& query, const ListHandler& on_list,
                             const WatchHandler& on_event, std::chrono::steady_clock::time_point deadline);

  // Requests sent (attempts included), for tests and -v summaries.
  int requests_sent() const { return m_sent; }

 private:
  Client(RestConfig config, ClientOptions opts);
  ApiResult<http::Response> send(http::Request req, bool safe);
  Result<void> ensure_transport();
  std::chrono::milliseconds backoff(int attempt) const;
  ApiError status_error(const http::Request& req, const http::Response& resp) const;
  ApiResult<bool> watch_once(const std::string& path, const std::string& query, std::string& rv,
                             const WatchHandler& on_event, std::chrono::steady_clock::time_point deadline,
                             bool& gone);

  RestConfig m_config;
  ClientOptions m_opts;
  std::unique_ptr<ExecPlugin> m_exec;
  std::unique_ptr<http::Transport> m_transport;
  std::unique_ptr<http::Transport> m_watch_transport;
  std::string m_token;
  std::string m_transport_cert;  // the client certificate the transports were built with
  int m_sent = 0;
};

// "https://host" + path joins; query values escaped.
std::string url_escape(std::string_view s);

}  // namespace talgpu::kube::client
