#pragma once
// What every live-cluster command shares: --kubeconfig / --context / --request-timeout, the
// connection (kubeconfig resolved as kubectl does, kube/client/kubeconfig.hpp), -v request logs
// (method, URL, status: never credentials), and the declared nodes of a talconfig.yaml.

#include <memory>
#include <string>
#include <vector>

#include <app/context.hpp>
#include <kube/client/client.hpp>
#include <kube/objects.hpp>
#include <talhelper/talconfig.hpp>

namespace CLI {
class App;
}

namespace talgpu {

struct LiveOptions {
  std::string kubeconfig;
  std::string context;
  int request_timeout_s = 30;
};

void add_live_flags(CLI::App& app, LiveOptions& o);
// Connects or aborts with exit 2 (kubeconfig problems are usage errors).
std::unique_ptr<kube::client::Client> connect_or_abort(const Context& ctx, const LiveOptions& o,
                                                       kube::client::ClientOptions extra = {});

// talconfig.yaml: `--config`, else ./talconfig.yaml. Aborts (exit 2) when it cannot be loaded.
talhelper::TalConfig load_declaration_or_abort(const Context& ctx, const std::string& config);

// Escapes control characters for human output (names and values come from the cluster).
std::string safe_text(std::string_view s);
// The same, keeping newlines (a whole rendered report).
std::string safe_text_lines(std::string_view s);

}  // namespace talgpu
