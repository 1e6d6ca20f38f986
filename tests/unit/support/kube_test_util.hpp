#pragma once
// Shared by the live-cluster tests: a FakeKube holding the fixture cluster, and clients whose
// backoff does not sleep (the waits are recorded instead).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <kube/client/client.hpp>

#include "../test_support.hpp"
#include "fake_kube.hpp"

namespace talgpu::test {

// Nodes from tests/fixtures/kube/live/nodes.json; with `gpu_pieces`, also RuntimeClass nvidia and
// the privileged namespace nvidia.
void load_fixture_cluster(FakeKube& kube, bool gpu_pieces = true);

struct FastClient {
  std::unique_ptr<kube::client::Client> client;
  std::shared_ptr<std::vector<std::chrono::milliseconds>> sleeps;
  std::shared_ptr<std::vector<std::string>> log;
};

// A client for `kubeconfig`; waits are recorded, jitter is fixed at `random`.
FastClient fast_client(const std::string& kubeconfig, kube::client::ClientOptions opts = {}, double random = 0.5);

}  // namespace talgpu::test
