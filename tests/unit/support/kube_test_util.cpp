#include "kube_test_util.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace talgpu::test {

using nlohmann::json;

void load_fixture_cluster(FakeKube& kube, bool gpu_pieces) {
  json list = json::parse(read_text(source_path("tests/fixtures/kube/live/nodes.json")));
  for (auto& n : list["items"]) {
    kube.put("/api/v1/nodes", n);
  }
  if (gpu_pieces) {
    kube.put("/apis/node.k8s.io/v1/runtimeclasses",
             {{"apiVersion", "node.k8s.io/v1"}, {"kind", "RuntimeClass"}, {"metadata", {{"name", "nvidia"}}}, {"handler", "nvidia"}});
    kube.put("/api/v1/namespaces",
             {{"apiVersion", "v1"}, {"kind", "Namespace"},
              {"metadata", {{"name", "nvidia"}, {"labels", {{"kubernetes.io/metadata.name", "nvidia"},
                                                            {"pod-security.kubernetes.io/enforce", "privileged"}}}}}});
  }
}

FastClient fast_client(const std::string& kubeconfig, kube::client::ClientOptions opts, double random) {
  FastClient f;
  f.sleeps = std::make_shared<std::vector<std::chrono::milliseconds>>();
  f.log = std::make_shared<std::vector<std::string>>();
  auto sleeps = f.sleeps;
  auto log = f.log;
  if (!opts.sleep) {
    opts.sleep = [sleeps](std::chrono::milliseconds d) { sleeps->push_back(d); };
  }
  opts.random = [random] { return random; };
  opts.log = [log](const std::string& line) { log->push_back(line); };
  kube::client::KubeconfigOptions ko;
  ko.explicit_path = kubeconfig;
  auto cfg = kube::client::load_rest_config(ko);
  if (!cfg) {
    throw std::runtime_error(cfg.error().describe());
  }
  auto c = kube::client::Client::create(*cfg, std::move(opts));
  if (!c) {
    throw std::runtime_error(c.error().describe());
  }
  f.client = std::move(*c);
  return f;
}

}  // namespace talgpu::test
