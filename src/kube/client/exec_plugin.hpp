#pragma once
// Exec credential plugins (client.authentication.k8s.io v1 and v1beta1), as client-go runs them
// (k8s.io/client-go/plugin/pkg/client/auth/exec/exec.go):
//  - the command runs with the kubeconfig's args and env added to ours, and KUBERNETES_EXEC_INFO
//    holding an ExecCredential with spec.interactive (and spec.cluster with provideClusterInfo);
//  - interactive = stdin is a terminal and interactiveMode is not Never; Always without a terminal
//    is an error; the plugin's stdin is ours only when interactive, its stderr is always ours;
//  - stdout must be an ExecCredential of the same apiVersion with status.token or
//    status.clientCertificateData + clientKeyData;
//  - the credential is kept until status.expirationTimestamp (for the process; kept forever
//    without one) and fetched again after that or after a 401.
// Nothing the plugin prints on stdout is ever shown (it holds the secret).

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <core/error.hpp>
#include <kube/client/kubeconfig.hpp>

namespace talgpu::kube::client {

using SystemClock = std::function<std::chrono::system_clock::time_point()>;

struct Credential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::optional<std::chrono::system_clock::time_point> expires;
};

// RFC 3339 ("2026-01-02T03:04:05Z", fractional seconds, numeric offsets) → time point.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

class ExecPlugin {
 public:
  ExecPlugin(ExecConfig config, std::string cluster_info_json, SystemClock clock = {}, std::optional<bool> stdin_tty = {});

  // The cached credential while it is valid, else a fresh one from the plugin.
  Result<Credential> credential();
  // Drops the cache (after the server answered 401).
  void invalidate() { m_cached.reset(); }
  int runs() const { return m_runs; }

 private:
  Result<Credential> run();

  ExecConfig m_config;
  std::string m_cluster_info;
  SystemClock m_clock;
  bool m_stdin_tty;
  std::optional<Credential> m_cached;
  int m_runs = 0;
};

}  // namespace talgpu::kube::client
