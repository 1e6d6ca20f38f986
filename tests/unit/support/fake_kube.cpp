#include "fake_kube.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <talos/pki.hpp>

namespace talgpu::test {

using nlohmann::json;

namespace {

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) {
      j = path.size();
    }
    if (j > i) {
      out.push_back(path.substr(i, j - i));
    }
    i = j + 1;
  }
  return out;
}

// labelSelector: comma-separated k=v, k==v, k!=v, k, !k.
bool label_match(const json& obj, const std::string& selector) {
  json labels = obj["metadata"].value("labels", json::object());
  size_t i = 0;
  while (i <= selector.size() && !selector.empty()) {
    size_t j = selector.find(',', i);
    std::string term = selector.substr(i, j == std::string::npos ? std::string::npos : j - i);
    i = j == std::string::npos ? selector.size() + 1 : j + 1;
    if (term.empty()) {
      continue;
    }
    if (auto ne = term.find("!="); ne != std::string::npos) {
      std::string k = term.substr(0, ne);
      if (labels.contains(k) && labels[k] == term.substr(ne + 2)) {
        return false;
      }
    } else if (auto eq = term.find('='); eq != std::string::npos) {
      std::string k = term.substr(0, eq);
      std::string v = term.substr(term[eq + 1] == '=' ? eq + 2 : eq + 1);
      if (!labels.contains(k) || labels[k] != v) {
        return false;
      }
    } else if (term[0] == '!') {
      if (labels.contains(term.substr(1))) {
        return false;
      }
    } else if (!labels.contains(term)) {
      return false;
    }
  }
  return true;
}

// fieldSelector: comma-separated a.b=v against the object's fields.
bool field_match(const json& obj, const std::string& selector) {
  for (size_t i = 0; i < selector.size();) {
    size_t j = selector.find(',', i);
    std::string term = selector.substr(i, j == std::string::npos ? std::string::npos : j - i);
    i = j == std::string::npos ? selector.size() : j + 1;
    auto eq = term.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    std::string ptr = "/" + term.substr(0, eq);
    for (auto& c : ptr) {
      c = c == '.' ? '/' : c;
    }
    json::json_pointer p(ptr);
    if (!obj.contains(p) || !obj[p].is_string() || obj[p] != term.substr(eq + 1)) {
      return false;
    }
  }
  return true;
}

ServerResponse json_response(int code, const json& body) {
  return ServerResponse{code, {{"Content-Type", "application/json"}}, body.dump(), {}, false};
}

std::string kind_of(const std::string& coll) {
  if (coll.ends_with("/nodes")) return "Node";
  if (coll.ends_with("/pods")) return "Pod";
  if (coll.ends_with("/events")) return "Event";
  if (coll.ends_with("/runtimeclasses")) return "RuntimeClass";
  if (coll.ends_with("/namespaces")) return "Namespace";
  return "Object";
}

json resource(const char* name, const char* kind, bool namespaced, std::vector<std::string> short_names = {}) {
  json r = {{"name", name}, {"singularName", ""}, {"namespaced", namespaced}, {"kind", kind},
            {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}}};
  if (!short_names.empty()) {
    r["shortNames"] = short_names;
  }
  return r;
}

}  // namespace

std::optional<std::string> query_param(const std::string& query, const std::string& name) {
  size_t i = 0;
  while (i < query.size()) {
    size_t j = query.find('&', i);
    std::string kv = query.substr(i, j == std::string::npos ? std::string::npos : j - i);
    i = j == std::string::npos ? query.size() : j + 1;
    auto eq = kv.find('=');
    if (kv.substr(0, eq) == name) {
      return eq == std::string::npos ? std::string() : url_decode(kv.substr(eq + 1));
    }
  }
  return std::nullopt;
}

ServerResponse FakeKube::status(int code, const std::string& reason, const std::string& message) {
  return json_response(code, {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()},
                              {"status", "Failure"}, {"message", message}, {"reason", reason}, {"code", code}});
}

FakeKube::FakeKube(FakeKubeOptions opts)
    : m_opts(opts), m_server(HttpsServerOptions{opts.require_client_cert && opts.token.empty(), opts.server_cert}) {
  for (const char* m : {"GET", "POST", "PATCH", "DELETE", "PUT"}) {
    m_server.route(m, "/*", [this](const RecordedRequest& r) { return handle(r); });
  }
}

FakeKube::~FakeKube() {
  m_server.stop();  // handlers use the store: stop them before it goes
}

json FakeKube::put_locked(const std::string& coll, json obj, const char* type) {
  std::string name = obj["metadata"]["name"];
  obj["metadata"]["resourceVersion"] = std::to_string(++m_rv);
  if (!obj["metadata"].contains("uid")) {
    obj["metadata"]["uid"] = "00000000-0000-4000-8000-" + std::to_string(100000000000 + ++m_uid);
  }
  if (!obj["metadata"].contains("creationTimestamp")) {
    obj["metadata"]["creationTimestamp"] = "2026-01-05T10:00:00Z";
  }
  m_store[coll][name] = obj;
  m_log.push_back(LogEntry{m_rv, coll, type, obj});
  m_cv.notify_all();
  return obj;
}

json FakeKube::put(const std::string& coll, json obj) {
  std::lock_guard<std::mutex> lock(m_mu);
  bool exists = m_store[coll].count(obj["metadata"]["name"].get<std::string>()) > 0;
  return put_locked(coll, std::move(obj), exists ? "MODIFIED" : "ADDED");
}

std::optional<json> FakeKube::get(const std::string& coll, const std::string& name) const {
  std::lock_guard<std::mutex> lock(m_mu);
  auto c = m_store.find(coll);
  if (c == m_store.end() || !c->second.count(name)) {
    return std::nullopt;
  }
  return c->second.at(name);
}

std::vector<json> FakeKube::all(const std::string& coll) const {
  std::lock_guard<std::mutex> lock(m_mu);
  std::vector<json> out;
  if (auto c = m_store.find(coll); c != m_store.end()) {
    for (const auto& [k, v] : c->second) {
      out.push_back(v);
    }
  }
  return out;
}

void FakeKube::erase(const std::string& coll, const std::string& name) {
  std::lock_guard<std::mutex> lock(m_mu);
  auto c = m_store.find(coll);
  if (c == m_store.end() || !c->second.count(name)) {
    return;
  }
  json obj = c->second[name];
  c->second.erase(name);
  obj["metadata"]["resourceVersion"] = std::to_string(++m_rv);
  m_log.push_back(LogEntry{m_rv, coll, "DELETED", obj});
  m_cv.notify_all();
}

bool FakeKube::modify(const std::string& coll, const std::string& name, const std::function<void(json&)>& change) {
  std::lock_guard<std::mutex> lock(m_mu);
  auto c = m_store.find(coll);
  if (c == m_store.end() || !c->second.count(name)) {
    return false;
  }
  json obj = c->second[name];
  change(obj);
  put_locked(coll, std::move(obj), "MODIFIED");
  return true;
}

void FakeKube::compact() {
  std::lock_guard<std::mutex> lock(m_mu);
  m_compacted = m_rv;
  m_log.clear();
}

void FakeKube::set_log(const std::string& ns_name, std::string text) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_logs[ns_name] = std::move(text);
}

int FakeKube::count(const std::string& method, const std::string& prefix) const {
  int n = 0;
  for (const auto& r : m_server.requests()) {
    n += r.method == method && r.path.rfind(prefix, 0) == 0 ? 1 : 0;
  }
  return n;
}

ServerResponse FakeKube::handle(const RecordedRequest& req) {
  if (fault) {
    if (auto r = fault(req)) {
      return *r;
    }
  }
  if (!m_opts.token.empty() && req.client_cn.empty() && req.header("Authorization") != "Bearer " + m_opts.token) {
    return status(401, "Unauthorized", "Unauthorized");
  }
  const std::string& p = req.path;
  if (req.method == "GET" && p == "/version") {
    return json_response(200, {{"major", "1"}, {"minor", "34"}, {"gitVersion", "v1.34.0"}, {"platform", "linux/amd64"}});
  }
  if (req.method == "GET" && p == "/api") {
    return json_response(200, {{"kind", "APIVersions"}, {"versions", {"v1"}},
                               {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", url().substr(8)}}}}});
  }
  if (req.method == "GET" && p == "/apis") {
    json gv = {{"groupVersion", "node.k8s.io/v1"}, {"version", "v1"}};
    return json_response(200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"},
                               {"groups", {{{"name", "node.k8s.io"}, {"versions", {gv}}, {"preferredVersion", gv}}}}});
  }
  if (req.method == "GET" && p == "/api/v1") {
    return json_response(200, {{"kind", "APIResourceList"}, {"groupVersion", "v1"},
                               {"resources", {resource("nodes", "Node", false, {"no"}), resource("pods", "Pod", true, {"po"}),
                                              resource("namespaces", "Namespace", false, {"ns"}),
                                              resource("events", "Event", true, {"ev"}),
                                              resource("pods/log", "Pod", true)}}});
  }
  if (req.method == "GET" && p == "/apis/node.k8s.io/v1") {
    return json_response(200, {{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", "node.k8s.io/v1"},
                               {"resources", {resource("runtimeclasses", "RuntimeClass", false)}}});
  }
  auto seg = segments(p);
  // /api/v1/<res>[/<name>], /api/v1/namespaces/<ns>/<res>[/<name>[/log]], /apis/<g>/<v>/<res>[/<name>]
  size_t base = seg.size() > 0 && seg[0] == "api" ? 2 : 3;
  if (seg.size() < base + 1) {
    return status(404, "NotFound", "the server could not find the requested resource");
  }
  std::string prefix = "/" + seg[0] + "/" + seg[1] + (base == 3 ? "/" + seg[2] : "");
  size_t i = base;
  if (seg[i] == "namespaces" && seg.size() >= i + 3) {
    prefix += "/namespaces/" + seg[i + 1];
    i += 2;
  }
  std::string coll = prefix + "/" + seg[i];
  if (seg.size() == i + 1) {
    return handle_collection(req, coll);
  }
  if (seg.size() == i + 3 && seg[i + 2] == "log" && req.method == "GET") {
    std::lock_guard<std::mutex> lock(m_mu);
    std::string ns = segments(coll)[3];
    auto it = m_logs.find(ns + "/" + seg[i + 1]);
    if (it == m_logs.end()) {
      return status(400, "BadRequest", "container \"smi\" in pod \"" + seg[i + 1] + "\" is waiting to start");
    }
    return ServerResponse{200, {{"Content-Type", "text/plain"}}, it->second, {}, false};
  }
  if (seg.size() == i + 2) {
    return handle_object(req, coll, seg[i + 1]);
  }
  return status(404, "NotFound", "the server could not find the requested resource");
}

ServerResponse FakeKube::handle_collection(const RecordedRequest& req, const std::string& coll) {
  if (req.method == "GET" && query_param(req.query, "watch").value_or("") == "1") {
    return watch(req, coll);
  }
  if (req.method == "GET") {
    std::string sel = query_param(req.query, "labelSelector").value_or("");
    std::string fsel = query_param(req.query, "fieldSelector").value_or("");
    size_t limit = std::stoul(query_param(req.query, "limit").value_or("0"));
    std::string cont = query_param(req.query, "continue").value_or("");
    std::lock_guard<std::mutex> lock(m_mu);
    size_t start = 0;
    if (!cont.empty()) {
      auto colon = cont.find(':');
      long at = std::stol(cont.substr(colon + 1));
      if (at < m_compacted) {
        return status(410, "Expired", "The provided continue parameter is too old to display a consistent list result.");
      }
      start = std::stoul(cont.substr(0, colon));
    }
    json items = json::array();
    size_t idx = 0;
    std::string next;
    for (const auto& [name, obj] : m_store[coll]) {
      if (!label_match(obj, sel) || !field_match(obj, fsel)) {
        continue;
      }
      if (idx++ < start) {
        continue;
      }
      if (limit > 0 && items.size() == limit) {
        next = std::to_string(idx - 1) + ":" + std::to_string(m_rv);
        break;
      }
      items.push_back(obj);
    }
    json meta = {{"resourceVersion", std::to_string(m_rv)}};
    if (!next.empty()) {
      meta["continue"] = next;
    }
    return json_response(200, {{"kind", kind_of(coll) + "List"}, {"apiVersion", "v1"}, {"metadata", meta}, {"items", items}});
  }
  if (req.method == "POST") {
    json obj = json::parse(req.body, nullptr, false);
    if (obj.is_discarded() || !obj.is_object()) {
      return status(400, "BadRequest", "the body is not a JSON object");
    }
    json created;
    {
      std::lock_guard<std::mutex> lock(m_mu);
      if (!obj["metadata"].contains("name") && obj["metadata"].contains("generateName")) {
        obj["metadata"]["name"] = obj["metadata"]["generateName"].get<std::string>() + std::to_string(++m_uid);
      }
      std::string name = obj["metadata"].value("name", "");
      if (m_store[coll].count(name)) {
        return status(409, "AlreadyExists", kind_of(coll) + " \"" + name + "\" already exists");
      }
      auto segs = segments(coll);
      if (segs.size() >= 5 && segs[2] == "namespaces") {
        obj["metadata"]["namespace"] = segs[3];
        if (!m_store["/api/v1/namespaces"].count(segs[3])) {
          return status(404, "NotFound", "namespaces \"" + segs[3] + "\" not found");
        }
      }
      std::string rc = obj.value("spec", json::object()).value("runtimeClassName", "");
      if (coll.ends_with("/pods") && !rc.empty() && !m_store["/apis/node.k8s.io/v1/runtimeclasses"].count(rc)) {
        // plugin/pkg/admission/runtimeclass: the pod is refused when its RuntimeClass is missing.
        return status(403, "Forbidden", "pods \"" + name + "\" is forbidden: pod rejected: RuntimeClass \"" + rc + "\" not found");
      }
      created = put_locked(coll, obj, "ADDED");
    }
    if (on_create) {
      on_create(coll, created);
    }
    return json_response(201, created);
  }
  return status(405, "MethodNotAllowed", "method not allowed");
}

ServerResponse FakeKube::handle_object(const RecordedRequest& req, const std::string& coll, const std::string& name) {
  std::unique_lock<std::mutex> lock(m_mu);
  auto& objects = m_store[coll];
  auto it = objects.find(name);
  std::string not_found = kind_of(coll);
  not_found[0] = static_cast<char>(std::tolower(not_found[0]));
  if (it == objects.end()) {
    return status(404, "NotFound", not_found + "s \"" + name + "\" not found");
  }
  if (req.method == "GET") {
    return json_response(200, it->second);
  }
  if (req.method == "DELETE") {
    json obj = it->second;
    objects.erase(it);
    obj["metadata"]["resourceVersion"] = std::to_string(++m_rv);
    m_log.push_back(LogEntry{m_rv, coll, "DELETED", obj});
    m_cv.notify_all();
    return json_response(200, obj);
  }
  if (req.method == "PATCH") {
    json patch = json::parse(req.body, nullptr, false);
    if (patch.is_discarded()) {
      return status(400, "BadRequest", "the patch is not valid JSON");
    }
    std::string ct = req.header("Content-Type");
    json current = it->second;
    json patched = current;
    try {
      if (ct.rfind("application/json-patch+json", 0) == 0) {
        patched = current.patch(patch);
      } else if (ct.rfind("application/merge-patch+json", 0) == 0 || ct.rfind("application/strategic-merge-patch+json", 0) == 0) {
        patched.merge_patch(patch);
      } else {
        return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format");
      }
    } catch (const json::exception& e) {
      return status(422, "", e.what());
    }
    if (patched["metadata"].value("resourceVersion", "") != current["metadata"].value("resourceVersion", "")) {
      return status(409, "Conflict", "Operation cannot be fulfilled on " + not_found + "s \"" + name +
                                         "\": the object has been modified; please apply your changes to the latest version and try again");
    }
    return json_response(200, put_locked(coll, patched, "MODIFIED"));
  }
  return status(405, "MethodNotAllowed", "method not allowed");
}

ServerResponse FakeKube::watch(const RecordedRequest& req, const std::string& coll) {
  std::string rv_text = query_param(req.query, "resourceVersion").value_or("");
  long from = rv_text.empty() ? 0 : std::stol(rv_text);
  int timeout = std::stoi(query_param(req.query, "timeoutSeconds").value_or("30"));
  std::string sel = query_param(req.query, "labelSelector").value_or("");
  int drop_after = watch_drop_after;
  ServerResponse r{200, {{"Content-Type", "application/json"}}, {}, {}, false};
  r.stream = [this, from, timeout, sel, coll, drop_after](const ChunkWriter& write, const std::function<bool()>& stopping) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
    long cur = from;
    int sent = 0;
    std::unique_lock<std::mutex> lock(m_mu);
    if (from != 0 && from < m_compacted) {
      json ev = {{"type", "ERROR"}, {"object", {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                                                 {"message", "too old resource version: " + std::to_string(from)},
                                                 {"reason", "Expired"}, {"code", 410}}}};
      lock.unlock();
      write(ev.dump() + "\n");
      return true;
    }
    while (!stopping() && std::chrono::steady_clock::now() < end) {
      std::vector<std::string> lines;
      for (const auto& e : m_log) {
        if (e.rv > cur && e.coll == coll && label_match(e.object, sel)) {
          lines.push_back(json{{"type", e.type}, {"object", e.object}}.dump() + "\n");
        }
        cur = std::max(cur, e.rv);
      }
      lock.unlock();
      for (const auto& l : lines) {
        if (drop_after > 0 && sent >= drop_after) {
          return false;
        }
        if (!write(l)) {
          return false;
        }
        ++sent;
      }
      lock.lock();
      if (m_rv <= cur) {
        m_cv.wait_for(lock, std::chrono::milliseconds(20));
      }
    }
    return true;
  };
  return r;
}

std::string FakeKube::write_kubeconfig(const std::string& dir, const std::string& user_cn) const {
  TestCert c = m_server.issue_client_cert(user_cn);
  using talos::pki::base64_encode;
  std::string path = dir + "/kubeconfig";
  std::ofstream(path) << "apiVersion: v1\nkind: Config\ncurrent-context: admin@lab\nclusters:\n- name: lab\n  cluster:\n"
                      << "    server: " << url() << "\n    certificate-authority-data: " << base64_encode(m_server.ca_pem())
                      << "\ncontexts:\n- name: admin@lab\n  context:\n    cluster: lab\n    user: admin@lab\n"
                      << "users:\n- name: admin@lab\n  user:\n    client-certificate-data: " << base64_encode(c.cert_pem)
                      << "\n    client-key-data: " << base64_encode(c.key_pem) << "\n";
  return path;
}

}  // namespace talgpu::test
