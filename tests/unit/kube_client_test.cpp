// The Kubernetes API client against the loopback API server (support/fake_kube.hpp): TLS and
// client certificates, retries and their waits, Status errors, pagination, watches and their
// faults, guarded node patches.

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <kube/client/client.hpp>
#include <kube/client/nodes.hpp>
#include <talos/pki.hpp>

#include "support/kube_test_util.hpp"
#include "test_support.hpp"

namespace talgpu::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace kc = kube::client;

struct Cluster {
  TempDir dir;
  FakeKube kube;
  std::string kubeconfig;
  explicit Cluster(FakeKubeOptions o = {}) : kube(o) {
    load_fixture_cluster(kube);
    kubeconfig = kube.write_kubeconfig(dir.path());
  }
};

// Answers the first `n` requests matching method+path prefix with `resp`.
void fail_first(FakeKube& k, std::string method, std::string prefix, int n, ServerResponse resp) {
  auto left = std::make_shared<std::atomic<int>>(n);
  k.fault = [=](const RecordedRequest& r) -> std::optional<ServerResponse> {
    if (r.method == method && r.path.rfind(prefix, 0) == 0 && (*left)-- > 0) {
      return resp;
    }
    return std::nullopt;
  };
}

TEST(KubeClient, ListsNodesOverMutualTls) {
  Cluster c;
  auto f = fast_client(c.kubeconfig);
  auto nodes = kc::fetch_nodes(*f.client);
  ASSERT_TRUE(nodes) << nodes.error().message;
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[1].node.name, "velaryon");
  EXPECT_EQ((*nodes)[1].facts.talos_version, "v1.11.1");
  EXPECT_EQ((*nodes)[1].facts.ready, true);
  EXPECT_EQ((*nodes)[1].node.allocatable.at("nvidia.com/gpu").text, "1");
  ASSERT_EQ((*nodes)[1].facts.extensions.size(), 2u);
  EXPECT_EQ((*nodes)[1].facts.extensions[0].first, "nonfree-kmod-nvidia-lts");
  auto reqs = c.kube.requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_EQ(reqs.back().client_cn, "kubernetes-admin");
  EXPECT_EQ(reqs.back().query, "limit=500");
}

TEST(KubeClient, PagesWithLimitAndContinue) {
  Cluster c;
  for (int i = 0; i < 5; ++i) {
    c.kube.put("/api/v1/nodes", {{"metadata", {{"name", "extra-" + std::to_string(i)}}}});
  }
  auto f = fast_client(c.kubeconfig);
  auto list = f.client->list("/api/v1/nodes", "", 3);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ((*list)["items"].size(), 7u);
  EXPECT_EQ(c.kube.count("GET", "/api/v1/nodes"), 3);
  auto reqs = c.kube.requests();
  EXPECT_NE(reqs[1].query.find("continue="), std::string::npos);
}

TEST(KubeClient, ExpiredContinueTokenRelistsWithoutLimit) {
  Cluster c;
  for (int i = 0; i < 5; ++i) {
    c.kube.put("/api/v1/nodes", {{"metadata", {{"name", "extra-" + std::to_string(i)}}}});
  }
  c.kube.fault = [&](const RecordedRequest& r) -> std::optional<ServerResponse> {
    if (r.query.find("continue=") != std::string::npos) {
      return FakeKube::status(410, "Expired", "The provided continue parameter is too old");
    }
    return std::nullopt;
  };
  auto f = fast_client(c.kubeconfig);
  auto list = f.client->list("/api/v1/nodes", "", 3);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ((*list)["items"].size(), 7u);  // not 3 + 7: the partial pages are dropped
  EXPECT_EQ(c.kube.requests().back().query, "");
}

TEST(KubeClient, TooManyRequestsHonoursRetryAfter) {
  Cluster c;
  fail_first(c.kube, "GET", "/api/v1/nodes", 2,
             ServerResponse{429, {{"Retry-After", "3"}}, R"({"kind":"Status","code":429,"reason":"TooManyRequests"})", {}, false});
  auto f = fast_client(c.kubeconfig);
  auto r = f.client->get("/api/v1/nodes/velaryon");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*f.sleeps, (std::vector<std::chrono::milliseconds>{3000ms, 3000ms}));
}

TEST(KubeClient, ServerErrorsBackOffExponentiallyWithJitterAndCap) {
  Cluster c;
  fail_first(c.kube, "GET", "/api/v1/nodes", 100, FakeKube::status(500, "InternalError", "etcdserver: leader changed"));
  kc::ClientOptions o;
  o.retry.max_attempts = 6;
  o.retry.base = 100ms;
  o.retry.cap = 1000ms;
  auto f = fast_client(c.kubeconfig, o, 1.0);  // jitter at its top: the full delay
  auto r = f.client->get("/api/v1/nodes/velaryon");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 500);
  EXPECT_NE(r.error().message.find("500 Internal Server Error: etcdserver: leader changed (after 6 attempts)"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(*f.sleeps, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1000ms}));
  auto low = fast_client(c.kubeconfig, o, 0.0);  // jitter at its bottom: half
  (void)low.client->get("/api/v1/nodes/velaryon");
  EXPECT_EQ(*low.sleeps, (std::vector<std::chrono::milliseconds>{50ms, 100ms, 200ms, 400ms, 500ms}));
}

TEST(KubeClient, ServerErrorThenSuccess) {
  Cluster c;
  fail_first(c.kube, "GET", "/api/v1/nodes", 1, FakeKube::status(503, "ServiceUnavailable", "apiserver is shutting down"));
  auto f = fast_client(c.kubeconfig);
  auto r = f.client->get("/api/v1/nodes/velaryon");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(f.sleeps->size(), 1u);
}

TEST(KubeClient, CreateIsNotRepeatedAfterServerError) {
  Cluster c;
  fail_first(c.kube, "POST", "/api/v1/namespaces", 1, FakeKube::status(500, "InternalError", "boom"));
  auto f = fast_client(c.kubeconfig);
  auto r = f.client->create("/api/v1/namespaces", {{"metadata", {{"name", "x"}}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(c.kube.count("POST", "/api/v1/namespaces"), 1);
  EXPECT_TRUE(f.sleeps->empty());
}

TEST(KubeClient, SlowResponseTimesOut) {
  Cluster c;
  c.kube.fault = [](const RecordedRequest& r) -> std::optional<ServerResponse> {
    if (r.path == "/api/v1/nodes/velaryon") {
      std::this_thread::sleep_for(500ms);
    }
    return std::nullopt;
  };
  kc::ClientOptions o;
  o.timeout = 100ms;
  o.retry.max_attempts = 2;
  auto f = fast_client(c.kubeconfig, o);
  auto r = f.client->get("/api/v1/nodes/velaryon");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 0);
  EXPECT_NE(r.error().message.find("no answer within 100 ms"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("after 2 attempts"), std::string::npos) << r.error().message;
}

TEST(KubeClient, MalformedJsonIsAClearError) {
  Cluster c;
  c.kube.fault = [](const RecordedRequest&) -> std::optional<ServerResponse> {
    return ServerResponse{200, {{"Content-Type", "application/json"}}, "{\"kind\": \"Node\", \"metadata\": ", {}, false};
  };
  auto f = fast_client(c.kubeconfig);
  auto r = f.client->get("/api/v1/nodes/velaryon");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a JSON object"), std::string::npos) << r.error().message;
}

TEST(KubeClient, StatusErrorsAreReadable) {
  Cluster c;
  auto f = fast_client(c.kubeconfig);
  auto r = f.client->get("/api/v1/nodes/nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 404);
  EXPECT_EQ(r.error().reason, "NotFound");
  EXPECT_EQ(r.error().message, "GET /api/v1/nodes/nope: 404 Not Found: nodes \"nope\" not found");
}

TEST(KubeClient, RefusesExpiredServerCertificate) {
  Cluster c(FakeKubeOptions{true, ServerCert::expired, ""});
  auto f = fast_client(c.kubeconfig);
  auto r = f.client->get("/api/v1/nodes");
  ASSERT_FALSE(r);
  EXPECT_EQ(c.kube.count("GET", "/"), 0);  // never reached the handler
  EXPECT_NE(r.error().message.find("expired"), std::string::npos) << r.error().message;
}

TEST(KubeClient, RefusesServerCertificateFromAnotherCa) {
  Cluster c(FakeKubeOptions{true, ServerCert::foreign_ca, ""});
  auto f = fast_client(c.kubeconfig);
  auto r = f.client->get("/api/v1/nodes");
  ASSERT_FALSE(r);
  EXPECT_EQ(c.kube.count("GET", "/"), 0);
  EXPECT_NE(r.error().message.find("certificate"), std::string::npos) << r.error().message;
}

TEST(KubeClient, ClientCertificateTheServerRefuses) {
  Cluster c;
  TestCert foreign = HttpsServer::foreign_cert("intruder");
  std::string kc = read_text(c.kubeconfig);
  // Swap in a certificate from an unrelated CA.
  auto swap = [&](const std::string& field, const std::string& pem) {
    auto at = kc.find(field + ": ");
    auto end = kc.find('\n', at);
    kc.replace(at, end - at, field + ": " + talos::pki::base64_encode(pem));
  };
  swap("client-certificate-data", foreign.cert_pem);
  swap("client-key-data", foreign.key_pem);
  std::string path = c.dir.write("foreign.yaml", kc);
  auto f = fast_client(path);
  auto r = f.client->get("/api/v1/nodes");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 0);
  EXPECT_EQ(c.kube.count("GET", "/"), 0);
  EXPECT_EQ(r.error().message.find("BEGIN"), std::string::npos);
}

TEST(KubeClient, LogsShowMethodUrlStatusOnly) {
  Cluster c(FakeKubeOptions{false, ServerCert::valid, "s3cr3t-token"});
  std::string kc = read_text(c.kubeconfig);
  kc = kc.substr(0, kc.find("    client-certificate-data")) + "    token: s3cr3t-token\n";
  std::string path = c.dir.write("token.yaml", kc);
  auto f = fast_client(path);
  ASSERT_TRUE(f.client->get("/api/v1/nodes/velaryon"));
  ASSERT_EQ(f.log->size(), 1u);
  EXPECT_EQ((*f.log)[0], "GET " + c.kube.url() + "/api/v1/nodes/velaryon 200");
  EXPECT_EQ(c.kube.requests().back().header("Authorization"), "Bearer s3cr3t-token");

  std::string bad = c.dir.write("bad.yaml", kc.substr(0, kc.find("    token:")) + "    token: wrong-token\n");
  auto g = fast_client(bad);
  auto r = g.client->get("/api/v1/nodes/velaryon");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 401);
  EXPECT_EQ(r.error().message.find("wrong-token"), std::string::npos);
  EXPECT_NE(r.error().message.find("did not accept the credentials of user 'admin@lab'"), std::string::npos) << r.error().message;
}

// --- watches ---

TEST(KubeClient, WatchDeliversChangesAfterTheList) {
  Cluster c;
  auto f = fast_client(c.kubeconfig);
  std::vector<std::string> seen;
  int lists = 0;
  auto r = f.client->list_watch(
      "/api/v1/nodes", "",
      [&](const json& items) {
        ++lists;
        EXPECT_EQ(items.size(), 2u);
        auto n = *c.kube.get("/api/v1/nodes", "velaryon");  // a change after the list's version
        n["metadata"]["labels"]["x"] = "1";
        c.kube.put("/api/v1/nodes", n);
        return true;
      },
      [&](const std::string& type, const json& obj) {
        seen.push_back(type + " " + obj["metadata"]["name"].get<std::string>());
        return false;
      },
      std::chrono::steady_clock::now() + 10s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(*r);
  EXPECT_EQ(lists, 1);
  EXPECT_EQ(seen, (std::vector<std::string>{"MODIFIED velaryon"}));
}

TEST(KubeClient, WatchResumesFromLastVersionAfterDroppedConnection) {
  Cluster c;
  c.kube.watch_drop_after = 1;
  auto f = fast_client(c.kubeconfig);
  std::vector<std::string> seen;
  auto touch = [&c](const std::string& name) {
    auto n = *c.kube.get("/api/v1/nodes", name);
    n["metadata"]["labels"]["touched"] = "yes";
    c.kube.put("/api/v1/nodes", n);
  };
  auto r = f.client->list_watch(
      "/api/v1/nodes", "",
      [&](const json&) {
        touch("cp1");
        touch("velaryon");
        return true;
      },
      [&](const std::string& type, const json& obj) {
        seen.push_back(type + " " + obj["metadata"]["name"].get<std::string>());
        return seen.size() < 2;
      },
      std::chrono::steady_clock::now() + 10s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(seen, (std::vector<std::string>{"MODIFIED cp1", "MODIFIED velaryon"}));  // each once
  std::vector<std::string> versions;
  for (const auto& q : c.kube.requests()) {
    if (q.query.find("watch=1") != std::string::npos) {
      versions.push_back(*query_param(q.query, "resourceVersion"));
    }
  }
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_LT(std::stol(versions[0]), std::stol(versions[1]));  // resumed after the first event
}

TEST(KubeClient, WatchRelistsOnGone) {
  Cluster c;
  auto f = fast_client(c.kubeconfig);
  int lists = 0;
  std::vector<std::string> seen;
  auto r = f.client->list_watch(
      "/api/v1/nodes", "",
      [&](const json&) {
        if (++lists == 1) {
          auto n = *c.kube.get("/api/v1/nodes", "velaryon");
          n["metadata"]["labels"]["before"] = "compaction";
          c.kube.put("/api/v1/nodes", n);
          c.kube.compact();  // the list's version is now too old to watch from
        } else {
          auto n = *c.kube.get("/api/v1/nodes", "cp1");
          n["metadata"]["labels"]["after"] = "relist";
          c.kube.put("/api/v1/nodes", n);
        }
        return true;
      },
      [&](const std::string& type, const json& obj) {
        seen.push_back(type + " " + obj["metadata"]["name"].get<std::string>());
        return false;
      },
      std::chrono::steady_clock::now() + 10s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(lists, 2);
  EXPECT_EQ(seen, (std::vector<std::string>{"MODIFIED cp1"}));
}

TEST(KubeClient, MalformedWatchEventIsAnError) {
  Cluster c;
  c.kube.fault = [](const RecordedRequest& r) -> std::optional<ServerResponse> {
    if (r.query.find("watch=1") == std::string::npos) {
      return std::nullopt;
    }
    ServerResponse s{200, {{"Content-Type", "application/json"}}, {}, {}, false};
    s.stream = [](const ChunkWriter& w, const std::function<bool()>&) { return w("{\"type\":\"ADDED\",\"object\":{\n"); };
    return s;
  };
  auto f = fast_client(c.kubeconfig);
  auto r = f.client->list_watch(
      "/api/v1/nodes", "", [](const json&) { return true; }, [](const std::string&, const json&) { return true; },
      std::chrono::steady_clock::now() + 10s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("malformed event"), std::string::npos) << r.error().message;
}

TEST(KubeClient, WatchEndsAtTheDeadline) {
  Cluster c;
  auto f = fast_client(c.kubeconfig);
  auto r = f.client->list_watch(
      "/api/v1/nodes", "", [](const json&) { return true; }, [](const std::string&, const json&) { return true; },
      std::chrono::steady_clock::now() + 300ms);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(*r);
}

// --- guarded node patches ---

std::vector<std::string> taints_of(FakeKube& k, const std::string& node) {
  std::vector<std::string> out;
  auto n = *k.get("/api/v1/nodes", node);
  for (const auto& t : n["spec"].value("taints", json::array())) {
    out.push_back(t.value("key", "") + "=" + t.value("value", "") + ":" + t.value("effect", ""));
  }
  return out;
}

kube::Taint taint(std::string k, std::string v, std::string e) {
  kube::Taint t;
  t.key = std::move(k);
  t.value = std::move(v);
  t.effect = std::move(e);
  return t;
}

TEST(KubeNodePatch, ConflictOnFirstWriteIsRereadAndRetried) {
  Cluster c;
  fail_first(c.kube, "PATCH", "/api/v1/nodes/velaryon", 1,
             FakeKube::status(409, "Conflict", "Operation cannot be fulfilled on nodes \"velaryon\": the object has been modified"));
  auto f = fast_client(c.kubeconfig);
  auto r = kc::apply_node_patch(*f.client, "velaryon", kc::taint_planner({taint("gpu", "true", "NoSchedule")}, false));
  EXPECT_EQ(r.status, kc::ApplyStatus::applied) << r.error;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.changes, (std::vector<std::string>{"added gpu=true:NoSchedule"}));
  EXPECT_EQ(taints_of(c.kube, "velaryon"), (std::vector<std::string>{"gpu=true:NoSchedule"}));
  EXPECT_EQ(c.kube.count("PATCH", "/api/v1/nodes/velaryon"), 2);
  EXPECT_EQ(c.kube.count("GET", "/api/v1/nodes/velaryon"), 2);
  auto patch = json::parse(c.kube.requests().back().body);
  EXPECT_EQ(patch[0]["op"], "test");
  EXPECT_EQ(patch[0]["path"], "/metadata/resourceVersion");
  ASSERT_EQ(patch.size(), 2u);  // the test, then the whole taint list: nothing else is written
  EXPECT_EQ(patch[1]["path"], "/spec/taints");
}

TEST(KubeNodePatch, ConcurrentChangeFailsTheTestAndIsKept) {
  Cluster c;
  auto once = std::make_shared<std::atomic<bool>>(true);
  c.kube.fault = [&c, once](const RecordedRequest& r) -> std::optional<ServerResponse> {
    if (r.method == "PATCH" && once->exchange(false)) {
      auto n = *c.kube.get("/api/v1/nodes", "velaryon");  // someone else writes first
      n["spec"]["taints"] = json::array({{{"key", "maintenance"}, {"effect", "NoExecute"}}});
      c.kube.put("/api/v1/nodes", n);
    }
    return std::nullopt;
  };
  auto f = fast_client(c.kubeconfig);
  auto r = kc::apply_node_patch(*f.client, "velaryon", kc::taint_planner({taint("gpu", "true", "NoSchedule")}, false));
  EXPECT_EQ(r.status, kc::ApplyStatus::applied) << r.error;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(taints_of(c.kube, "velaryon"), (std::vector<std::string>{"maintenance=:NoExecute", "gpu=true:NoSchedule"}));
  EXPECT_EQ(r.kept, (std::vector<std::string>{"maintenance:NoExecute"}));
}

TEST(KubeNodePatch, PruneRemovesUndeclaredButNeverSystemTaints) {
  Cluster c;
  auto n = *c.kube.get("/api/v1/nodes", "velaryon");
  n["spec"]["taints"] = json::array({{{"key", "gpu"}, {"value", "false"}, {"effect", "NoSchedule"}},
                                     {{"key", "old"}, {"effect", "PreferNoSchedule"}},
                                     {{"key", "node.kubernetes.io/unreachable"}, {"effect", "NoExecute"},
                                      {"timeAdded", "2026-01-05T10:00:00Z"}}});
  c.kube.put("/api/v1/nodes", n);
  auto f = fast_client(c.kubeconfig);
  auto keep = kc::apply_node_patch(*f.client, "velaryon", kc::taint_planner({taint("gpu", "true", "NoSchedule")}, false));
  EXPECT_EQ(keep.status, kc::ApplyStatus::applied);
  EXPECT_EQ(taints_of(c.kube, "velaryon"),
            (std::vector<std::string>{"gpu=true:NoSchedule", "old=:PreferNoSchedule", "node.kubernetes.io/unreachable=:NoExecute"}));
  auto prune = kc::apply_node_patch(*f.client, "velaryon", kc::taint_planner({taint("gpu", "true", "NoSchedule")}, true));
  EXPECT_EQ(prune.changes, (std::vector<std::string>{"removed undeclared old:PreferNoSchedule"}));
  EXPECT_EQ(taints_of(c.kube, "velaryon"),
            (std::vector<std::string>{"gpu=true:NoSchedule", "node.kubernetes.io/unreachable=:NoExecute"}));
  EXPECT_EQ((*c.kube.get("/api/v1/nodes", "velaryon"))["spec"]["taints"][1]["timeAdded"], "2026-01-05T10:00:00Z");
  auto again = kc::apply_node_patch(*f.client, "velaryon", kc::taint_planner({taint("gpu", "true", "NoSchedule")}, true));
  EXPECT_EQ(again.status, kc::ApplyStatus::unchanged);
}

TEST(KubeNodePatch, MissingNodeIsReportedNotCreated) {
  Cluster c;
  auto f = fast_client(c.kubeconfig);
  auto r = kc::apply_node_patch(*f.client, "ghost", kc::taint_planner({taint("gpu", "true", "NoSchedule")}, false));
  EXPECT_EQ(r.status, kc::ApplyStatus::missing);
  EXPECT_EQ(r.error, "node ghost is not in the cluster (talgpu does not create nodes)");
  EXPECT_EQ(c.kube.count("PATCH", "/"), 0);
  EXPECT_EQ(c.kube.count("POST", "/"), 0);
}

TEST(KubeNodePatch, LostAnswerIsResentAndRecognised) {
  Cluster c;
  auto once = std::make_shared<std::atomic<bool>>(true);
  FakeKube* k = &c.kube;
  c.kube.fault = [k, once](const RecordedRequest& r) -> std::optional<ServerResponse> {
    if (r.method == "PATCH" && once->exchange(false)) {
      // The server applies the patch, then the connection drops before the answer.
      auto n = *k->get("/api/v1/nodes", "velaryon");
      n = n.patch(json::parse(r.body));
      k->put("/api/v1/nodes", n);
      return ServerResponse{0, {}, {}, {}, true};
    }
    return std::nullopt;
  };
  auto f = fast_client(c.kubeconfig);
  auto r = kc::apply_node_patch(*f.client, "velaryon", kc::taint_planner({taint("gpu", "true", "NoSchedule")}, false));
  EXPECT_EQ(r.status, kc::ApplyStatus::applied) << r.error;
  EXPECT_EQ(r.changes, (std::vector<std::string>{"added gpu=true:NoSchedule"}));
  EXPECT_EQ(taints_of(c.kube, "velaryon"), (std::vector<std::string>{"gpu=true:NoSchedule"}));  // once
}

TEST(KubeNodePatch, PersistentServerErrorLeavesTheNodeUntouched) {
  Cluster c;
  fail_first(c.kube, "PATCH", "/api/v1/nodes", 1000, FakeKube::status(500, "InternalError", "etcd unavailable"));
  auto f = fast_client(c.kubeconfig);
  auto before = *c.kube.get("/api/v1/nodes", "velaryon");
  auto r = kc::apply_node_patch(*f.client, "velaryon", kc::label_planner([] {
                                  kube::Node d;
                                  d.name = "velaryon";
                                  d.labels.set("a", "1");
                                  d.labels.set("b", "2");
                                  return d;
                                }()));
  EXPECT_EQ(r.status, kc::ApplyStatus::failed);
  EXPECT_NE(r.error.find("etcd unavailable"), std::string::npos) << r.error;
  EXPECT_EQ(*c.kube.get("/api/v1/nodes", "velaryon"), before);
}

TEST(KubeNodePatch, LabelsWithSlashesAreEscapedInThePointer) {
  Cluster c;
  auto f = fast_client(c.kubeconfig);
  kube::Node d;
  d.name = "velaryon";
  d.labels.set("nvidia.com/gpu.present", "true");
  auto r = kc::apply_node_patch(*f.client, "velaryon", kc::label_planner(d));
  EXPECT_EQ(r.status, kc::ApplyStatus::applied) << r.error;
  EXPECT_EQ((*c.kube.get("/api/v1/nodes", "velaryon"))["metadata"]["labels"]["nvidia.com/gpu.present"], "true");
  EXPECT_EQ(json::parse(c.kube.requests().back().body)[1]["path"], "/metadata/labels/nvidia.com~1gpu.present");
}

}  // namespace
}  // namespace talgpu::test
