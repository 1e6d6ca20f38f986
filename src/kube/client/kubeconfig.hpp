#pragma once
// kubeconfig resolution as kubectl does it (k8s.io/client-go/tools/clientcmd):
//  - loader.go ClientConfigLoadingRules.Load: an explicit --kubeconfig must exist and is the only
//    file; else every file of $KUBECONFIG (':'-separated, empty entries and duplicates skipped,
//    missing files ignored) is merged, the first file to set a cluster/user/context name or
//    current-context wins (later files never change it); else ~/.kube/config.
//  - loader.go ResolveLocalPaths: certificate-authority, client-certificate, client-key, tokenFile
//    and an exec command containing a '/' are relative to the file that defined them.
//  - client_config.go: --context overrides current-context; a context's namespace;
//    validation.go: a missing server, CA and cert files that cannot be read, `-data` and file both
//    set, a certificate without a key, exec without command/apiVersion, an unknown interactiveMode.
//  - transport: CA with insecure-skip-tls-verify is refused ("specifying a root certificates file
//    with the insecure flag is not allowed", k8s.io/client-go/transport/transport.go).
// Every error names the file and the field. Secrets (keys, tokens) never appear in messages.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <core/error.hpp>

namespace talgpu::kube::client {

// users[].user.exec (client.authentication.k8s.io ExecConfig).
struct ExecConfig {
  std::string command;  // resolved against the kubeconfig's folder when it contains '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string api_version;       // client.authentication.k8s.io/v1 or /v1beta1
  std::string interactive_mode;  // Never, IfAvailable, Always ("" = IfAvailable for v1beta1)
  bool provide_cluster_info = false;
  std::string install_hint;
  std::string user_name;  // for messages
};

// What one context resolves to: everything needed to talk to its API server.
struct RestConfig {
  std::string source;  // the kubeconfig file(s), for messages
  std::string context;
  std::string cluster;
  std::string user;
  std::string namespace_;  // the context's namespace ("" = default)

  std::string server;
  std::string ca_pem;  // from certificate-authority-data or the file; empty = system store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string proxy_url;

  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;  // from token or tokenFile
  std::optional<ExecConfig> exec;
  // The cluster entry as JSON text, for exec plugins with provideClusterInfo (server, CA data,
  // tls-server-name, insecure, proxy-url, extensions' "client.authentication.k8s.io/exec" config).
  std::string cluster_info_json;
};

struct KubeconfigOptions {
  std::string explicit_path;           // --kubeconfig
  std::string context;                 // --context
  std::optional<std::string> env;      // $KUBECONFIG (nullopt: unset)
  std::string home;                    // $HOME, for ~/.kube/config
};

// Options from the process environment ($KUBECONFIG, $HOME) plus the two flags.
KubeconfigOptions kubeconfig_options_from_env(std::string explicit_path, std::string context);

// The files that would be read, in precedence order (for messages and tests).
std::vector<std::string> kubeconfig_files(const KubeconfigOptions& opts);

// Resolves the chosen context. Rule id `kubeconfig` on every error.
Result<RestConfig> load_rest_config(const KubeconfigOptions& opts);

}  // namespace talgpu::kube::client
