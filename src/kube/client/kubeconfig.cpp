#include <kube/client/kubeconfig.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/fs.hpp>
#include <core/strings.hpp>
#include <talos/pki.hpp>
#include <yaml/document.hpp>
#include <yaml/json.hpp>

namespace talgpu::kube::client {

namespace {

using nlohmann::json;

tl::unexpected<Error> kc_fail(std::string msg) {
  return fail(std::move(msg), {}, "kubeconfig");
}

// One named entry (cluster, user or context) with the file that defined it.
struct Entry {
  json value;
  std::string file;  // the defining file's folder, with a trailing '/'
  std::string path;  // the defining file
};

struct Merged {
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string current_context;
  std::string current_context_file;
};

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') {
    return path;
  }
  char* cwd = ::getcwd(nullptr, 0);
  std::string base = cwd ? cwd : ".";
  std::free(cwd);
  return join_path(base, path);
}

// Merges one file: the first file to set a name wins (loader.go: "the first file to set a
// particular map key wins and map key's value is never changed").
Result<void> merge_file(const std::string& path, Merged& m) {
  auto text = read_file(path, size_t{16} << 20);
  if (!text) {
    return kc_fail(fmt::format("{}: cannot read kubeconfig: {}", path, text.error().message));
  }
  if (trim(*text).empty()) {
    return {};  // an empty file is an empty config
  }
  auto doc = yaml::parse_one(*text, path);
  if (!doc) {
    return kc_fail(fmt::format("{}: not a kubeconfig: {}", path, doc.error().describe()));
  }
  json j = yaml::to_json(*doc);
  if (j.is_null()) {
    return {};
  }
  if (!j.is_object()) {
    return kc_fail(fmt::format("{}: not a kubeconfig (the top level must be a mapping)", path));
  }
  std::string dir = dirname_of(absolute(path));
  auto take = [&](const char* list, const char* field, std::map<std::string, Entry>& into) -> Result<void> {
    if (!j.contains(list) || j[list].is_null()) {
      return {};
    }
    if (!j[list].is_array()) {
      return kc_fail(fmt::format("{}: {} must be a list", path, list));
    }
    for (size_t i = 0; i < j[list].size(); ++i) {
      const json& item = j[list][i];
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string() || item["name"].get<std::string>().empty()) {
        return kc_fail(fmt::format("{}: {}[{}].name: missing", path, list, i));
      }
      json value = item.value(field, json::object());
      if (value.is_null()) {
        value = json::object();
      }
      if (!value.is_object()) {
        return kc_fail(fmt::format("{}: {}[{}].{} must be a mapping", path, list, i, field));
      }
      into.emplace(item["name"].get<std::string>(), Entry{std::move(value), dir + "/", path});
    }
    return {};
  };
  TRY(take("clusters", "cluster", m.clusters));
  TRY(take("users", "user", m.users));
  TRY(take("contexts", "context", m.contexts));
  if (m.current_context.empty() && j.contains("current-context") && j["current-context"].is_string()) {
    m.current_context = j["current-context"].get<std::string>();
    m.current_context_file = path;
  }
  return {};
}

std::string str_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool bool_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

// A path relative to the defining file's folder (entries carry "<dir>/" in `file`).
std::string resolve(const std::string& dir_slash, const std::string& p) {
  if (p.empty() || p[0] == '/') {
    return p;
  }
  if (p[0] == '~' && (p.size() == 1 || p[1] == '/')) {
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "") + p.substr(1);
  }
  return dir_slash + p;
}

// `<field>-data` (base64) or `<field>` (a file), never both.
Result<std::string> material(const Entry& e, const std::string& what, const char* field, const char* data_field) {
  std::string file = str_field(e.value, field);
  std::string data = str_field(e.value, data_field);
  if (!file.empty() && !data.empty()) {
    return kc_fail(fmt::format("{}: both {} and {} are set; keep one", what, field, data_field));
  }
  if (!data.empty()) {
    auto decoded = talos::pki::base64_decode(trim(data));
    if (!decoded) {
      return kc_fail(fmt::format("{}.{}: not valid base64", what, data_field));
    }
    return *decoded;
  }
  if (!file.empty()) {
    std::string path = resolve(e.file, file);
    auto text = read_file(path, size_t{1} << 20);
    if (!text) {
      return kc_fail(fmt::format("{}.{}: cannot read {}: {}", what, field, path, text.error().message));
    }
    return *text;
  }
  return std::string();
}

Result<ExecConfig> read_exec(const Entry& user, const std::string& what, const std::string& user_name) {
  const json& ex = user.value["exec"];
  if (!ex.is_object()) {
    return kc_fail(fmt::format("{}.exec must be a mapping", what));
  }
  ExecConfig c;
  c.user_name = user_name;
  c.command = str_field(ex, "command");
  if (c.command.empty()) {
    return kc_fail(fmt::format("{}.exec.command: must be set to use an exec credential plugin", what));
  }
  if (c.command.find('/') != std::string::npos) {
    c.command = resolve(user.file, c.command);
  }
  c.api_version = str_field(ex, "apiVersion");
  if (c.api_version.empty()) {
    return kc_fail(fmt::format("{}.exec.apiVersion: must be set (client.authentication.k8s.io/v1 or v1beta1)", what));
  }
  if (c.api_version != "client.authentication.k8s.io/v1" && c.api_version != "client.authentication.k8s.io/v1beta1") {
    return kc_fail(fmt::format("{}.exec.apiVersion: {} is not supported (client.authentication.k8s.io/v1 or v1beta1)",
                               what, talgpu::quoted(c.api_version)));
  }
  if (ex.contains("args") && ex["args"].is_array()) {
    for (const auto& a : ex["args"]) {
      c.args.push_back(a.is_string() ? a.get<std::string>() : a.dump());
    }
  }
  if (ex.contains("env") && ex["env"].is_array()) {
    for (size_t i = 0; i < ex["env"].size(); ++i) {
      const json& e = ex["env"][i];
      std::string name = e.is_object() ? str_field(e, "name") : "";
      if (name.empty()) {
        return kc_fail(fmt::format("{}.exec.env[{}].name: must be set", what, i));
      }
      c.env.emplace_back(name, str_field(e, "value"));
    }
  }
  c.interactive_mode = str_field(ex, "interactiveMode");
  // validation.go: v1 requires interactiveMode; v1beta1 defaults to IfAvailable.
  if (c.interactive_mode.empty()) {
    if (c.api_version == "client.authentication.k8s.io/v1") {
      return kc_fail(fmt::format("{}.exec.interactiveMode: must be set for client.authentication.k8s.io/v1 "
                                 "(Never, IfAvailable or Always)", what));
    }
    c.interactive_mode = "IfAvailable";
  }
  if (c.interactive_mode != "Never" && c.interactive_mode != "IfAvailable" && c.interactive_mode != "Always") {
    return kc_fail(fmt::format("{}.exec.interactiveMode: {} is not Never, IfAvailable or Always", what,
                               talgpu::quoted(c.interactive_mode)));
  }
  c.provide_cluster_info = bool_field(ex, "provideClusterInfo");
  c.install_hint = str_field(ex, "installHint");
  return c;
}

Result<void> read_cluster(const Entry& e, const std::string& what, RestConfig& rc) {
  rc.server = str_field(e.value, "server");
  if (rc.server.empty()) {
    return kc_fail(fmt::format("{}.server: no server set for cluster {}", what, talgpu::quoted(rc.cluster)));
  }
  if (rc.server.rfind("https://", 0) != 0 && rc.server.rfind("http://", 0) != 0) {
    return kc_fail(fmt::format("{}.server: {} must start with https:// or http://", what, talgpu::quoted(rc.server)));
  }
  TRY_ASSIGN(rc.ca_pem, material(e, what, "certificate-authority", "certificate-authority-data"));
  rc.insecure_skip_tls_verify = bool_field(e.value, "insecure-skip-tls-verify");
  if (rc.insecure_skip_tls_verify && !rc.ca_pem.empty()) {
    return kc_fail(fmt::format("{}: insecure-skip-tls-verify with a certificate authority is not allowed "
                               "(kubectl refuses it too); remove one", what));
  }
  rc.tls_server_name = str_field(e.value, "tls-server-name");
  rc.proxy_url = str_field(e.value, "proxy-url");
  if (!rc.proxy_url.empty()) {
    auto scheme = rc.proxy_url.substr(0, rc.proxy_url.find("://"));
    if ((scheme != "http" && scheme != "https" && scheme != "socks5") || rc.proxy_url.find("://") == std::string::npos) {
      return kc_fail(fmt::format("{}.proxy-url: {} must be an http, https or socks5 URL", what, talgpu::quoted(rc.proxy_url)));
    }
  }
  // The cluster as ExecCredential spec.cluster shows it (client.authentication.k8s.io Cluster).
  json info = {{"server", rc.server}};
  if (!rc.tls_server_name.empty()) {
    info["tls-server-name"] = rc.tls_server_name;
  }
  if (rc.insecure_skip_tls_verify) {
    info["insecure-skip-tls-verify"] = true;
  }
  if (!rc.ca_pem.empty()) {
    info["certificate-authority-data"] = talos::pki::base64_encode(rc.ca_pem);
  }
  if (!rc.proxy_url.empty()) {
    info["proxy-url"] = rc.proxy_url;
  }
  if (e.value.contains("extensions") && e.value["extensions"].is_array()) {
    for (const auto& ext : e.value["extensions"]) {
      if (ext.is_object() && str_field(ext, "name") == "client.authentication.k8s.io/exec" && ext.contains("extension")) {
        info["config"] = ext["extension"];
      }
    }
  }
  rc.cluster_info_json = info.dump();
  return {};
}

Result<void> read_user(const Entry& e, const std::string& what, RestConfig& rc) {
  TRY_ASSIGN(rc.client_cert_pem, material(e, what, "client-certificate", "client-certificate-data"));
  TRY_ASSIGN(rc.client_key_pem, material(e, what, "client-key", "client-key-data"));
  if (!rc.client_cert_pem.empty() && rc.client_key_pem.empty()) {
    return kc_fail(fmt::format("{}: client-certificate is set but neither client-key nor client-key-data", what));
  }
  if (rc.client_cert_pem.empty() && !rc.client_key_pem.empty()) {
    return kc_fail(fmt::format("{}: client-key is set but neither client-certificate nor client-certificate-data", what));
  }
  // client_config.go: a token file is read when token is empty; when both are set client-go
  // re-reads the file (transport/token_source.go), so the file wins.
  std::string token_file = str_field(e.value, "tokenFile");
  rc.token = str_field(e.value, "token");
  if (!token_file.empty()) {
    std::string path = resolve(e.file, token_file);
    auto text = read_file(path, size_t{1} << 20);
    if (!text) {
      return kc_fail(fmt::format("{}.tokenFile: cannot read {}: {}", what, path, text.error().message));
    }
    rc.token = std::string(trim(*text));
  }
  if (e.value.contains("username") || e.value.contains("password")) {
    return kc_fail(fmt::format("{}: basic authentication (username/password) is not supported; use a "
                               "certificate, a token or an exec plugin", what));
  }
  if (e.value.contains("auth-provider")) {
    return kc_fail(fmt::format("{}.auth-provider: legacy auth providers were removed from kubectl 1.26; use an "
                               "exec plugin (for example kubelogin)", what));
  }
  if (e.value.contains("exec") && !e.value["exec"].is_null()) {
    TRY_ASSIGN(rc.exec, read_exec(e, what, rc.user));
  }
  return {};
}

}  // namespace

KubeconfigOptions kubeconfig_options_from_env(std::string explicit_path, std::string context) {
  KubeconfigOptions o;
  o.explicit_path = std::move(explicit_path);
  o.context = std::move(context);
  if (const char* env = std::getenv("KUBECONFIG")) {
    o.env = env;
  }
  if (const char* home = std::getenv("HOME")) {
    o.home = home;
  }
  return o;
}

std::vector<std::string> kubeconfig_files(const KubeconfigOptions& opts) {
  if (!opts.explicit_path.empty()) {
    return {opts.explicit_path};
  }
  std::vector<std::string> files;
  if (opts.env && !opts.env->empty()) {
    for (const auto& f : split(*opts.env, ':')) {
      if (!f.empty() && std::find(files.begin(), files.end(), f) == files.end()) {
        files.push_back(f);
      }
    }
    return files;
  }
  if (!opts.home.empty()) {
    files.push_back(join_path(opts.home, ".kube/config"));
  }
  return files;
}

Result<RestConfig> load_rest_config(const KubeconfigOptions& opts) {
  std::vector<std::string> files = kubeconfig_files(opts);
  Merged m;
  std::vector<std::string> read;
  for (const auto& f : files) {
    bool must_exist = !opts.explicit_path.empty();
    if (!file_exists(f)) {
      if (must_exist) {
        return kc_fail(fmt::format("{}: kubeconfig not found (--kubeconfig)", f));
      }
      continue;  // missing files in $KUBECONFIG (and a missing ~/.kube/config) are skipped
    }
    TRY(merge_file(f, m));
    read.push_back(f);
  }
  RestConfig rc;
  rc.source = read.empty() ? std::string() : fmt::format("{}", fmt::join(read, ":"));
  if (read.empty()) {
    return kc_fail(fmt::format("no kubeconfig found (looked for {}); pass --kubeconfig or set KUBECONFIG",
                               files.empty() ? std::string("~/.kube/config") : fmt::format("{}", fmt::join(files, ", "))));
  }
  rc.context = opts.context.empty() ? m.current_context : opts.context;
  if (rc.context.empty()) {
    return kc_fail(fmt::format("{}: current-context is not set; pass --context (contexts: {})", rc.source,
                               m.contexts.empty() ? std::string("none") : [&] {
                                 std::vector<std::string> names;
                                 for (const auto& [k, v] : m.contexts) names.push_back(k);
                                 return fmt::format("{}", fmt::join(names, ", "));
                               }()));
  }
  auto ctx_it = m.contexts.find(rc.context);
  if (ctx_it == m.contexts.end()) {
    std::vector<std::string> names;
    for (const auto& [k, v] : m.contexts) {
      names.push_back(k);
    }
    return kc_fail(fmt::format("{}: context {} not found{}", opts.context.empty() ? m.current_context_file + ": current-context" : std::string("--context"),
                               talgpu::quoted(rc.context), did_you_mean(rc.context, names)));
  }
  const json& c = ctx_it->second.value;
  rc.cluster = str_field(c, "cluster");
  rc.user = str_field(c, "user");
  rc.namespace_ = str_field(c, "namespace");
  std::string ctx_what = fmt::format("context {}", talgpu::quoted(rc.context));
  if (rc.cluster.empty()) {
    return kc_fail(fmt::format("{}: {}.cluster is not set", rc.source, ctx_what));
  }
  auto cl = m.clusters.find(rc.cluster);
  if (cl == m.clusters.end()) {
    return kc_fail(fmt::format("{}: {} refers to cluster {}, which no kubeconfig defines", rc.source, ctx_what, talgpu::quoted(rc.cluster)));
  }
  TRY(read_cluster(cl->second, fmt::format("{}: clusters[{}]", cl->second.path, talgpu::quoted(rc.cluster)), rc));
  if (!rc.user.empty()) {
    auto us = m.users.find(rc.user);
    if (us == m.users.end()) {
      return kc_fail(fmt::format("{}: {} refers to user {}, which no kubeconfig defines", rc.source, ctx_what, talgpu::quoted(rc.user)));
    }
    TRY(read_user(us->second, fmt::format("{}: users[{}]", us->second.path, talgpu::quoted(rc.user)), rc));
  }
  return rc;
}

}  // namespace talgpu::kube::client
