// kubeconfig resolution (kube/client/kubeconfig.hpp) and exec credential plugins
// (kube/client/exec_plugin.hpp), as kubectl resolves them.

#include <sys/stat.h>

#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <kube/client/client.hpp>
#include <kube/client/exec_plugin.hpp>
#include <kube/client/kubeconfig.hpp>
#include <talos/pki.hpp>

#include "support/kube_test_util.hpp"
#include "test_support.hpp"

namespace talgpu::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace kc = kube::client;

std::string b64(const std::string& s) {
  return talos::pki::base64_encode(s);
}

// A kubeconfig with one cluster, user and context, all named `name`.
std::string config_text(const std::string& name, const std::string& server, const std::string& cluster_extra,
                        const std::string& user_extra, bool current = true) {
  return "apiVersion: v1\nkind: Config\n" + (current ? "current-context: " + name + "\n" : std::string()) +
         "clusters:\n- name: " + name + "\n  cluster:\n    server: " + server + "\n" + cluster_extra +
         "contexts:\n- name: " + name + "\n  context:\n    cluster: " + name + "\n    user: " + name +
         "\n    namespace: ns-" + name + "\nusers:\n- name: " + name + "\n  user:\n" +
         (user_extra.empty() ? "    token: t-" + name + "\n" : user_extra);
}

kc::KubeconfigOptions env_opts(std::string kubeconfig_env, std::string home = "/nonexistent") {
  kc::KubeconfigOptions o;
  o.env = std::move(kubeconfig_env);
  o.home = std::move(home);
  return o;
}

TEST(Kubeconfig, ExplicitFileWinsOverTheEnvironment) {
  TempDir d;
  std::string a = d.write("a", config_text("a", "https://a:6443", "", ""));
  std::string b = d.write("b", config_text("b", "https://b:6443", "", ""));
  kc::KubeconfigOptions o = env_opts(a);
  o.explicit_path = b;
  auto rc = kc::load_rest_config(o);
  ASSERT_TRUE(rc) << rc.error().describe();
  EXPECT_EQ(rc->server, "https://b:6443");
  EXPECT_EQ(rc->token, "t-b");
  EXPECT_EQ(rc->namespace_, "ns-b");
}

TEST(Kubeconfig, MergeTable) {
  TempDir d;
  // Both files define cluster "shared"; the first file's wins. The second file sets
  // current-context too: the first one to set it wins.
  std::string first = d.write("first", "current-context: one\nclusters:\n- name: shared\n  cluster:\n    server: https://first:6443\n"
                                       "contexts:\n- name: one\n  context:\n    cluster: shared\n    user: u\n");
  std::string second = d.write("second", "current-context: two\nclusters:\n- name: shared\n  cluster:\n    server: https://second:6443\n"
                                         "- name: only-second\n  cluster:\n    server: https://only:6443\n"
                                         "contexts:\n- name: two\n  context:\n    cluster: only-second\n    user: u\n"
                                         "users:\n- name: u\n  user:\n    token: from-second\n");
  struct Case {
    std::string env;
    std::string context;
    std::string server;  // empty: an error containing `error`
    std::string error;
  };
  std::vector<Case> cases = {
      {first + ":" + second, "", "https://first:6443", ""},
      {second + ":" + first, "", "https://only:6443", ""},            // current-context "two" from the first file
      {first + ":" + second, "two", "https://only:6443", ""},         // --context
      {first + "::" + d.file("missing") + ":" + second, "", "https://first:6443", ""},  // empty and missing skipped
      {first + ":" + first + ":" + second, "", "https://first:6443", ""},              // duplicates once
      {first, "", "", "refers to user 'u', which no kubeconfig defines"},
      {first + ":" + second, "thre", "", "context 'thre' not found"},
      {d.file("missing"), "", "", "no kubeconfig found"},
  };
  for (const auto& c : cases) {
    kc::KubeconfigOptions o = env_opts(c.env);
    o.context = c.context;
    auto rc = kc::load_rest_config(o);
    if (c.server.empty()) {
      ASSERT_FALSE(rc) << c.env;
      EXPECT_NE(rc.error().message.find(c.error), std::string::npos) << c.env << ": " << rc.error().message;
    } else {
      ASSERT_TRUE(rc) << c.env << ": " << rc.error().message;
      EXPECT_EQ(rc->server, c.server) << c.env;
      EXPECT_EQ(rc->token, "from-second") << c.env;  // the user comes from the second file
    }
  }
}

TEST(Kubeconfig, HomeConfigWhenNothingElse) {
  TempDir d;
  d.write(".kube/config", config_text("home", "https://home:6443", "", ""));
  kc::KubeconfigOptions o;
  o.home = d.path();
  auto rc = kc::load_rest_config(o);
  ASSERT_TRUE(rc) << rc.error().message;
  EXPECT_EQ(rc->server, "https://home:6443");
  kc::KubeconfigOptions empty_env = env_opts("", d.path());  // KUBECONFIG="" counts as unset
  EXPECT_TRUE(kc::load_rest_config(empty_env));
  kc::KubeconfigOptions missing;
  missing.explicit_path = d.file("nope");
  auto err = kc::load_rest_config(missing);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().message, d.file("nope") + ": kubeconfig not found (--kubeconfig)");
}

TEST(Kubeconfig, PathsAreRelativeToTheFileThatNamesThem) {
  TempDir d;
  FakeKube k;
  TestCert cert = k.server().issue_client_cert("rel");
  d.write("sub/pki/ca.crt", k.server().ca_pem());
  d.write("sub/pki/admin.crt", cert.cert_pem);
  d.write("sub/pki/admin.key", cert.key_pem);
  d.write("sub/token", "  tok-from-file\n");
  std::string path = d.write("sub/config", config_text("x", k.url(), "    certificate-authority: pki/ca.crt\n",
                                                       "    client-certificate: pki/admin.crt\n    client-key: pki/admin.key\n"
                                                       "    tokenFile: token\n"));
  kc::KubeconfigOptions o;
  o.explicit_path = path;
  auto rc = kc::load_rest_config(o);
  ASSERT_TRUE(rc) << rc.error().message;
  EXPECT_EQ(rc->ca_pem, k.server().ca_pem());
  EXPECT_EQ(rc->client_key_pem, cert.key_pem);
  EXPECT_EQ(rc->token, "tok-from-file");
  load_fixture_cluster(k);
  auto f = fast_client(path);
  ASSERT_TRUE(f.client->get("/api/v1/nodes/cp1"));
  EXPECT_EQ(k.requests().back().client_cn, "rel");
}

TEST(Kubeconfig, ClientKeysOfEveryKindTalosUses) {
  for (KeyType t : {KeyType::ec, KeyType::rsa, KeyType::ed25519}) {
    TempDir d;
    FakeKube k;
    load_fixture_cluster(k);
    TestCert cert = k.server().issue_client_cert("admin", t);
    std::string path = d.write("config", config_text("x", k.url(), "    certificate-authority-data: " + b64(k.server().ca_pem()) + "\n",
                                                     "    client-certificate-data: " + b64(cert.cert_pem) +
                                                         "\n    client-key-data: " + b64(cert.key_pem) + "\n"));
    auto f = fast_client(path);
    auto r = f.client->get("/api/v1/nodes/cp1");
    EXPECT_TRUE(r) << static_cast<int>(t) << ": " << r.error().message;
    EXPECT_EQ(k.requests().back().client_cn, "admin");
  }
}

TEST(Kubeconfig, MisconfigurationsNameFileAndField) {
  TempDir d;
  struct Case {
    std::string cluster_extra;
    std::string user_extra;
    std::string error;
  };
  std::vector<Case> cases = {
      {"    certificate-authority: ca.crt\n    certificate-authority-data: eA==\n", "",
       "clusters['x']: both certificate-authority and certificate-authority-data are set"},
      {"    certificate-authority: nope.crt\n", "", "clusters['x'].certificate-authority: cannot read " + d.path() + "/nope.crt"},
      {"    certificate-authority-data: '%%%'\n", "", "clusters['x'].certificate-authority-data: not valid base64"},
      {"    insecure-skip-tls-verify: true\n    certificate-authority-data: eA==\n", "",
       "insecure-skip-tls-verify with a certificate authority is not allowed"},
      {"    proxy-url: ftp://proxy\n", "", "clusters['x'].proxy-url: 'ftp://proxy' must be an http, https or socks5 URL"},
      {"", "    client-certificate-data: eA==\n", "users['x']: client-certificate is set but neither client-key nor client-key-data"},
      {"", "    tokenFile: missing-token\n", "users['x'].tokenFile: cannot read"},
      {"", "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: x\n",
       "users['x'].exec.interactiveMode: must be set for client.authentication.k8s.io/v1"},
      {"", "    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n      command: x\n",
       "exec.apiVersion: 'client.authentication.k8s.io/v1alpha1' is not supported"},
      {"", "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n", "exec.command: must be set"},
      {"", "    auth-provider:\n      name: oidc\n", "legacy auth providers were removed"},
  };
  for (const auto& c : cases) {
    std::string path = d.write("config", config_text("x", "https://127.0.0.1:6443", c.cluster_extra, c.user_extra));
    kc::KubeconfigOptions o;
    o.explicit_path = path;
    auto rc = kc::load_rest_config(o);
    ASSERT_FALSE(rc) << c.error;
    EXPECT_EQ(rc.error().rule, "kubeconfig");
    EXPECT_NE(rc.error().message.find(path), std::string::npos) << rc.error().message;
    EXPECT_NE(rc.error().message.find(c.error), std::string::npos) << rc.error().message;
  }
  std::string no_server = d.write("config", "current-context: x\nclusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context:\n    cluster: c\n");
  kc::KubeconfigOptions o;
  o.explicit_path = no_server;
  auto rc = kc::load_rest_config(o);
  ASSERT_FALSE(rc);
  EXPECT_EQ(rc.error().message, no_server + ": clusters['c'].server: no server set for cluster 'c'");
}

TEST(Kubeconfig, TlsServerNameIsTheNameVerified) {
  TempDir d;
  FakeKube k(FakeKubeOptions{true, ServerCert::kube_test_only, ""});
  load_fixture_cluster(k);
  std::string path = k.write_kubeconfig(d.path());
  auto without = fast_client(path);
  auto r = without.client->get("/api/v1/nodes/cp1");
  ASSERT_FALSE(r);  // the certificate names only kube.test
  std::string text = read_text(path);
  text.insert(text.find("    certificate-authority-data"), "    tls-server-name: kube.test\n");
  auto with = fast_client(d.write("named", text));
  auto ok = with.client->get("/api/v1/nodes/cp1");
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST(Kubeconfig, InsecureSkipVerifyOnlyWhenSet) {
  TempDir d;
  FakeKube k(FakeKubeOptions{true, ServerCert::foreign_ca, ""});
  load_fixture_cluster(k);
  std::string text = read_text(k.write_kubeconfig(d.path()));
  auto at = text.find("    certificate-authority-data");
  text.replace(at, text.find('\n', at) - at, "    insecure-skip-tls-verify: true");
  auto f = fast_client(d.write("insecure", text));
  auto r = f.client->get("/api/v1/nodes/cp1");
  EXPECT_TRUE(r) << r.error().message;
}

TEST(Kubeconfig, ProxyUrlIsUsed) {
  TempDir d;
  FakeKube k;
  load_fixture_cluster(k);
  std::string text = read_text(k.write_kubeconfig(d.path()));
  text.insert(text.find("    certificate-authority-data"), "    proxy-url: http://127.0.0.1:9\n");
  kc::ClientOptions o;
  o.retry.max_attempts = 1;
  auto f = fast_client(d.write("proxied", text), o);
  auto r = f.client->get("/api/v1/nodes/cp1");
  ASSERT_FALSE(r);  // nothing listens on the proxy's port: the request never reaches the server
  EXPECT_EQ(k.count("GET", "/"), 0);
  EXPECT_NE(r.error().message.find("127.0.0.1 port 9"), std::string::npos) << r.error().message;
}

// --- exec plugins ---

struct Plugin {
  TempDir dir;
  std::string script;
  // A plugin that records its environment and prints `credential`.
  explicit Plugin(const std::string& credential, int exit_code = 0) {
    script = dir.write("plugin.sh", "#!/bin/sh\necho \"$KUBERNETES_EXEC_INFO\" > " + dir.file("info") + "\necho \"$EXTRA\" > " +
                                        dir.file("extra") + "\necho run >> " + dir.file("runs") + "\ncat <<'EOF'\n" + credential +
                                        "\nEOF\nexit " + std::to_string(exit_code) + "\n");
    chmod(script.c_str(), 0755);
  }
  int runs() const {
    std::string r;
    try {
      r = read_text(dir.file("runs"));
    } catch (...) {
      return 0;
    }
    return static_cast<int>(std::count(r.begin(), r.end(), '\n'));
  }
};

std::string exec_user(const std::string& command, const std::string& api = "client.authentication.k8s.io/v1",
                      const std::string& mode = "Never") {
  return "    exec:\n      apiVersion: " + api + "\n      command: " + command + "\n      args: [\"--flag\"]\n" +
         "      env:\n      - name: EXTRA\n        value: from-kubeconfig\n      provideClusterInfo: true\n" +
         (mode.empty() ? "" : "      interactiveMode: " + mode + "\n");
}

TEST(ExecPlugin, TokenFromPluginWithExecInfo) {
  Plugin p(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token"}})");
  FakeKube k(FakeKubeOptions{false, ServerCert::valid, "exec-token"});
  load_fixture_cluster(k);
  std::string path = p.dir.write("config", config_text("x", k.url(), "    certificate-authority-data: " + b64(k.server().ca_pem()) + "\n",
                                                       exec_user(p.script)));
  auto f = fast_client(path, kc::ClientOptions{.stdin_tty = true});
  ASSERT_TRUE(f.client->get("/api/v1/nodes/cp1"));
  ASSERT_TRUE(f.client->get("/api/v1/nodes/velaryon"));
  EXPECT_EQ(p.runs(), 1);  // cached: no expiry
  json info = json::parse(read_text(p.dir.file("info")));
  EXPECT_EQ(info["apiVersion"], "client.authentication.k8s.io/v1");
  EXPECT_EQ(info["kind"], "ExecCredential");
  EXPECT_EQ(info["spec"]["interactive"], false);  // interactiveMode Never, even on a terminal
  EXPECT_EQ(info["spec"]["cluster"]["server"], k.url());
  EXPECT_EQ(info["spec"]["cluster"]["certificate-authority-data"], b64(k.server().ca_pem()));
  EXPECT_EQ(read_text(p.dir.file("extra")), "from-kubeconfig\n");
}

TEST(ExecPlugin, V1beta1DefaultsToIfAvailable) {
  Plugin p(R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}})");
  kc::ExecConfig c;
  c.command = p.script;
  c.api_version = "client.authentication.k8s.io/v1beta1";
  c.interactive_mode = "IfAvailable";
  kc::ExecPlugin plugin(c, "", {}, true);
  ASSERT_TRUE(plugin.credential());
  EXPECT_EQ(json::parse(read_text(p.dir.file("info")))["spec"]["interactive"], true);
  c.interactive_mode = "Always";
  kc::ExecPlugin no_tty(c, "", {}, false);
  auto r = no_tty.credential();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("interactiveMode is Always but standard input is not a terminal"), std::string::npos);
}

TEST(ExecPlugin, CredentialIsRefreshedAfterItsExpiry) {
  Plugin p(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"2026-01-05T10:00:00Z"}})");
  kc::ExecConfig c;
  c.command = p.script;
  c.api_version = "client.authentication.k8s.io/v1";
  c.interactive_mode = "Never";
  auto now = std::make_shared<std::chrono::system_clock::time_point>(*kc::parse_rfc3339("2026-01-05T09:59:00Z"));
  kc::ExecPlugin plugin(c, "", [now] { return *now; }, false);
  ASSERT_TRUE(plugin.credential());
  ASSERT_TRUE(plugin.credential());
  EXPECT_EQ(plugin.runs(), 1);
  *now = *kc::parse_rfc3339("2026-01-05T10:00:00Z");
  ASSERT_TRUE(plugin.credential());
  EXPECT_EQ(plugin.runs(), 2);
  EXPECT_EQ(kc::parse_rfc3339("2026-01-05T11:30:00+01:30"), kc::parse_rfc3339("2026-01-05T10:00:00Z"));
  EXPECT_EQ(kc::parse_rfc3339("2026-01-05T10:00:00.123456Z"), kc::parse_rfc3339("2026-01-05T10:00:00Z"));
  EXPECT_FALSE(kc::parse_rfc3339("2026-01-05 10:00:00"));
}

TEST(ExecPlugin, ClientCertificateFromPlugin) {
  FakeKube k;
  load_fixture_cluster(k);
  TestCert cert = k.server().issue_client_cert("from-exec");
  json cred = {{"apiVersion", "client.authentication.k8s.io/v1beta1"}, {"kind", "ExecCredential"},
               {"status", {{"clientCertificateData", cert.cert_pem}, {"clientKeyData", cert.key_pem}}}};
  Plugin p(cred.dump());
  std::string path = p.dir.write("config", config_text("x", k.url(), "    certificate-authority-data: " + b64(k.server().ca_pem()) + "\n",
                                                       exec_user(p.script, "client.authentication.k8s.io/v1beta1", "")));
  auto f = fast_client(path, kc::ClientOptions{.stdin_tty = false});
  auto r = f.client->get("/api/v1/nodes/cp1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(k.requests().back().client_cn, "from-exec");
}

TEST(ExecPlugin, FailuresAreClearAndSecretFree) {
  struct Case {
    std::string output;
    int exit_code;
    std::string error;
  };
  std::vector<Case> cases = {
      {"secret-output", 1, "exited with status 1"},
      {"not json secret-output", 0, "did not print an ExecCredential JSON object"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"secret-output"}})", 0,
       "printed apiVersion 'client.authentication.k8s.io/v1beta1', the kubeconfig asks for client.authentication.k8s.io/v1"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})", 0, "neither a token nor a client certificate"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"secret-output","expirationTimestamp":"soon"}})", 0,
       "expirationTimestamp 'soon' is not RFC 3339"},
  };
  for (const auto& c : cases) {
    Plugin p(c.output, c.exit_code);
    kc::ExecConfig ec;
    ec.command = p.script;
    ec.api_version = "client.authentication.k8s.io/v1";
    ec.interactive_mode = "Never";
    ec.user_name = "oidc";
    kc::ExecPlugin plugin(ec, "", {}, false);
    auto r = plugin.credential();
    ASSERT_FALSE(r) << c.error;
    EXPECT_NE(r.error().message.find(c.error), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("(user 'oidc')"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("secret-output"), std::string::npos) << r.error().message;
  }
  kc::ExecConfig missing;
  missing.command = "talgpu-no-such-plugin";
  missing.api_version = "client.authentication.k8s.io/v1";
  missing.interactive_mode = "Never";
  missing.install_hint = "install it with: brew install talgpu-no-such-plugin";
  kc::ExecPlugin plugin(missing, "", {}, false);
  auto r = plugin.credential();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot run: No such file or directory\ninstall it with"), std::string::npos) << r.error().message;
}

TEST(ExecPlugin, RelativeCommandResolvesAgainstTheKubeconfig) {
  Plugin p(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}})");
  std::string path = p.dir.write("config", config_text("x", "https://127.0.0.1:6443", "", exec_user("./plugin.sh")));
  kc::KubeconfigOptions o;
  o.explicit_path = path;
  auto rc = kc::load_rest_config(o);
  ASSERT_TRUE(rc) << rc.error().message;
  EXPECT_EQ(rc->exec->command, p.dir.path() + "/./plugin.sh");
  std::string bare = p.dir.write("config2", config_text("x", "https://127.0.0.1:6443", "", exec_user("kubelogin")));
  o.explicit_path = bare;
  EXPECT_EQ(kc::load_rest_config(o)->exec->command, "kubelogin");  // looked up on PATH
}

}  // namespace
}  // namespace talgpu::test
