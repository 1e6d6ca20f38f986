#pragma once
// A loopback Kubernetes API server for client tests: the subset of the API talgpu uses (and that
// `kubectl get` / `kubectl taint` need), served over real TLS with client-certificate (or token)
// authentication by HttpsServer.
//
// Behaviour follows the API server where the client depends on it:
//  - discovery (/api, /apis, /api/v1, /apis/node.k8s.io/v1, /version) in the legacy format;
//  - lists with limit/continue, labelSelector (k=v, k!=v, k, !k) and fieldSelector (a=b);
//  - watches as chunked JSON lines from a resourceVersion, BOOKMARK-free, `ERROR` 410 for a
//    version older than the compaction point, ended after timeoutSeconds;
//  - PATCH: JSON patch (RFC 6902, a failed `test` is 422 as in apiserver patch.go), merge patch
//    and strategic merge patch (as a merge patch: the lists talgpu and kubectl patch, spec.taints
//    and metadata.labels, have no merge strategy, so both replace them); a patched
//    metadata.resourceVersion that is not current is 409 Conflict;
//  - POST creates (409 AlreadyExists), DELETE removes; failures are metav1.Status objects; a pod
//    whose runtimeClassName names no RuntimeClass is refused as the RuntimeClass admission plugin
//    does (403 "pod rejected: RuntimeClass \"nvidia\" not found").
// `fault` runs before every request and can answer instead (409, 429, 500, slow, drop).

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "https_server.hpp"

namespace talgpu::test {

struct FakeKubeOptions {
  bool require_client_cert = true;
  ServerCert server_cert = ServerCert::valid;
  std::string token;  // when set, requests without a client certificate need this bearer token
};

class FakeKube {
 public:
  explicit FakeKube(FakeKubeOptions opts = {});
  ~FakeKube();

  HttpsServer& server() { return m_server; }
  std::string url() const { return m_server.url(); }

  // Adds or replaces an object under a collection path ("/api/v1/nodes",
  // "/api/v1/namespaces/nvidia/pods"); sets resourceVersion, uid and creationTimestamp.
  nlohmann::json put(const std::string& collection, nlohmann::json object);
  std::optional<nlohmann::json> get(const std::string& collection, const std::string& name) const;
  std::vector<nlohmann::json> all(const std::string& collection) const;
  void erase(const std::string& collection, const std::string& name);
  // Changes a stored object in place (a new resourceVersion, a MODIFIED event); false when it is
  // gone (deleted meanwhile).
  bool modify(const std::string& collection, const std::string& name, const std::function<void(nlohmann::json&)>& change);
  // Forgets watch history up to now: watches from older versions get 410 Gone.
  void compact();
  // Log text for a pod ("ns/name").
  void set_log(const std::string& ns_name, std::string text);

  // Runs before each request; an answer replaces the normal handling.
  std::function<std::optional<ServerResponse>(const RecordedRequest&)> fault;
  // Called (without the lock) after a POST created an object in `collection`.
  std::function<void(const std::string& collection, const nlohmann::json& object)> on_create;
  // Drops a watch connection after this many events were sent on it (0: never).
  int watch_drop_after = 0;

  // A kubeconfig for this server in `dir`, user authenticated with a fresh client certificate.
  std::string write_kubeconfig(const std::string& dir, const std::string& user_cn = "kubernetes-admin") const;

  std::vector<RecordedRequest> requests() const { return m_server.requests(); }
  int count(const std::string& method, const std::string& path_prefix) const;

  static ServerResponse status(int code, const std::string& reason, const std::string& message);

 private:
  ServerResponse handle(const RecordedRequest& req);
  ServerResponse handle_collection(const RecordedRequest& req, const std::string& coll);
  ServerResponse handle_object(const RecordedRequest& req, const std::string& coll, const std::string& name);
  ServerResponse watch(const RecordedRequest& req, const std::string& coll);
  nlohmann::json put_locked(const std::string& coll, nlohmann::json obj, const char* type);

  struct LogEntry {
    long rv;
    std::string coll;
    std::string type;
    nlohmann::json object;
  };

  FakeKubeOptions m_opts;
  HttpsServer m_server;
  mutable std::mutex m_mu;
  std::condition_variable m_cv;
  std::map<std::string, std::map<std::string, nlohmann::json>> m_store;
  std::map<std::string, std::string> m_logs;
  std::vector<LogEntry> m_log;
  long m_rv = 100;
  long m_compacted = 0;
  long m_uid = 0;
};

// A query parameter's (URL-decoded) value, or nullopt.
std::optional<std::string> query_param(const std::string& query, const std::string& name);

}  // namespace talgpu::test
