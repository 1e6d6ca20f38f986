// Secrets bundles. Generation mirrors talos pkg/machinery/config/generate/secrets/{bundle.go,
// secrets.go,ca.go}: which key type each CA gets, the subjects, the encodings of ids and tokens.
// Validation mirrors Bundle.Validate plus what a user actually gets wrong (truncated base64, a
// key that belongs to another certificate), each reported at its line.

#include <talos/secrets.hpp>

#include <fmt/format.h>

#include <core/fs.hpp>
#include <core/source.hpp>
#include <core/strings.hpp>
#include <talos/pki.hpp>
#include <yaml/document.hpp>
#include <yaml/emit.hpp>
#include <yaml/reader.hpp>

namespace talgpu::talos {

std::optional<Contract> Contract::parse(std::string_view talos_version) {
  auto v = Version::parse(talos_version);
  if (!v) {
    return std::nullopt;
  }
  return Contract{v->major, v->minor};
}

std::string generate_token() {
  // talos secrets.genToken: rejection sampling over [0-9a-z] so every character is uniform.
  static const char* k_chars = "0123456789abcdefghijklmnopqrstuvwxyz";
  auto part = [](size_t n) {
    std::string out;
    while (out.size() < n) {
      for (unsigned char b : pki::random_bytes(32)) {
        if (b < 252 && out.size() < n) {  // 252 = 7 * 36
          out += k_chars[b % 36];
        }
      }
    }
    return out;
  };
  return part(6) + "." + part(16);
}

bool is_valid_token(std::string_view token) {
  if (token.size() != 23 || token[6] != '.') {
    return false;
  }
  for (size_t i = 0; i < token.size(); ++i) {
    char c = token[i];
    if (i == 6) {
      continue;
    }
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
      return false;
    }
  }
  return true;
}

Result<SecretsBundle> generate_secrets(const Contract& contract) {
  SecretsBundle b;
  b.cluster_id = pki::base64_encode(pki::random_bytes(32), true);
  b.cluster_secret = pki::base64_encode(pki::random_bytes(32));
  b.bootstrap_token = generate_token();
  if (contract.secretbox_encryption()) {
    b.secretbox_encryption_secret = pki::base64_encode(pki::random_bytes(32));
  } else {
    b.aescbc_encryption_secret = pki::base64_encode(pki::random_bytes(32));
  }
  b.trustd_token = generate_token();

  auto ca = [](pki::KeyType type, std::string org) -> Result<CertPair> {
    pki::CaOptions opts;
    opts.organization = std::move(org);
    TRY_ASSIGN(auto pair, pki::generate_ca(type, opts));
    return CertPair{std::move(pair.crt), std::move(pair.key)};
  };
  TRY_ASSIGN(b.etcd, ca(pki::KeyType::ecdsa_p256, "etcd"));
  TRY_ASSIGN(b.k8s, ca(pki::KeyType::ecdsa_p256, "kubernetes"));
  // The aggregator CA is requested with CN=front-proxy, but Talos's CA template copies only the
  // Organization, so its subject is empty.
  TRY_ASSIGN(b.k8s_aggregator, ca(pki::KeyType::ecdsa_p256, ""));
  TRY_ASSIGN(b.k8s_service_account.key, pki::generate_key(contract.rsa_service_account_key() ? pki::KeyType::rsa4096
                                                                                              : pki::KeyType::ecdsa_p256));
  TRY_ASSIGN(b.os, ca(pki::KeyType::ed25519, "talos"));
  return b;
}

namespace {

yaml::Node pair_node(const CertPair& p) {
  yaml::Node n = yaml::Node::mapping();
  if (!p.crt.empty()) {
    n.set("crt", yaml::Node::string(pki::base64_encode(p.crt)));
  }
  n.set("key", yaml::Node::string(pki::base64_encode(p.key)));
  return n;
}

}  // namespace

yaml::Node secrets_to_node(const SecretsBundle& b) {
  using yaml::Node;
  Node root = Node::mapping();
  Node& cluster = root.set("cluster", Node::mapping());
  cluster.set("id", Node::string(b.cluster_id));
  cluster.set("secret", Node::string(b.cluster_secret));
  Node& secrets = root.set("secrets", Node::mapping());
  secrets.set("bootstraptoken", Node::string(b.bootstrap_token));
  if (!b.aescbc_encryption_secret.empty()) {
    secrets.set("aescbcencryptionsecret", Node::string(b.aescbc_encryption_secret));
  }
  if (!b.secretbox_encryption_secret.empty()) {
    secrets.set("secretboxencryptionsecret", Node::string(b.secretbox_encryption_secret));
  }
  root.set("trustdinfo", Node::mapping()).set("token", Node::string(b.trustd_token));
  Node& certs = root.set("certs", Node::mapping());
  certs.set("etcd", pair_node(b.etcd));
  certs.set("k8s", pair_node(b.k8s));
  certs.set("k8saggregator", pair_node(b.k8s_aggregator));
  certs.set("k8sserviceaccount", pair_node(CertPair{{}, b.k8s_service_account.key}));
  certs.set("os", pair_node(b.os));
  return root;
}

std::string secrets_to_yaml(const SecretsBundle& bundle, int indent) {
  return yaml::emit(secrets_to_node(bundle), yaml::goyaml_v3_options(indent));
}

namespace {

constexpr const char* k_rule_missing = "secrets-missing-key";
constexpr const char* k_rule_invalid = "secrets-invalid";

// Reads a base64(PEM) value and checks it parses as what it claims to be.
std::string read_pem(yaml::MapReader& r, std::string_view key, bool is_cert, Diagnostics& diags) {
  const yaml::Node* n = r.get(key, yaml::Need::required);
  if (n == nullptr) {
    return {};
  }
  std::string path = r.child_path(key);
  auto text = yaml::as_string(*n, path, diags, "secrets-type");
  if (!text) {
    return {};
  }
  auto pem = pki::base64_decode(std::string(trim(*text)));
  if (!pem) {
    diags.error(k_rule_invalid, fmt::format("'{}' is not valid base64: {}", path, pem.error().message), n->location(),
                "the value is the PEM text, base64-encoded on one line");
    return {};
  }
  auto ok = is_cert ? pki::inspect_cert(*pem).map([](auto&&) { return true; })
                    : pki::inspect_key(*pem).map([](auto&&) { return true; });
  if (!ok) {
    diags.error(k_rule_invalid,
                fmt::format("'{}' is not a valid {}: {}", path, is_cert ? "certificate" : "private key",
                            ok.error().message),
                n->location());
    return {};
  }
  return *pem;
}

CertPair read_pair(yaml::MapReader& certs, std::string_view key, bool with_crt, Diagnostics& diags) {
  CertPair p;
  const yaml::Node* n = certs.mapping(key, yaml::Need::required);
  if (n == nullptr) {
    return p;
  }
  yaml::MapReader r(*n, certs.child_path(key), diags, "secrets");
  if (with_crt) {
    p.crt = read_pem(r, "crt", true, diags);
  } else {
    r.allow({"crt"});
  }
  p.key = read_pem(r, "key", false, diags);
  r.finish(Severity::error);  // Talos decodes bundles strictly (KnownFields)
  if (!p.crt.empty() && !p.key.empty()) {
    auto match = pki::key_matches_cert(p.crt, p.key);
    if (!match || !*match) {
      diags.error(k_rule_invalid, fmt::format("'{}.key' does not belong to the certificate in '{}.crt'", r.path(), r.path()),
                  n->location());
    }
  }
  return p;
}

std::string read_token(yaml::MapReader& r, std::string_view key, Diagnostics& diags) {
  const yaml::Node* n = r.get(key, yaml::Need::required);
  if (n == nullptr) {
    return {};
  }
  auto v = yaml::as_string(*n, r.child_path(key), diags, "secrets-type");
  if (v && !is_valid_token(*v)) {
    diags.error(k_rule_invalid, fmt::format("'{}' is not a Talos token", r.child_path(key)), n->location(),
                "tokens look like 'abcdef.0123456789abcdef' ([a-z0-9]{6}.[a-z0-9]{16})");
  }
  return v.value_or("");
}

std::string read_b64_secret(yaml::MapReader& r, std::string_view key, yaml::Need need, Diagnostics& diags) {
  const yaml::Node* n = r.get(key, need);
  if (n == nullptr) {
    return {};
  }
  auto v = yaml::as_string(*n, r.child_path(key), diags, "secrets-type");
  if (!v) {
    return {};
  }
  auto raw = pki::base64_decode(*v);
  if (!raw || raw->size() != 32) {
    diags.error(k_rule_invalid, fmt::format("'{}' must be 32 random bytes, base64-encoded", r.child_path(key)),
                n->location());
  }
  return *v;
}

}  // namespace

Result<SecretsBundle> secrets_from_node(const yaml::Node& root, Diagnostics& diags) {
  if (!root.is_mapping()) {
    return fail("the secrets bundle must be a mapping, not " + yaml::describe_kind(root), root.location(),
                "secrets-type");
  }
  SecretsBundle b;
  yaml::MapReader top(root, "", diags, "secrets");
  if (const auto* cluster = top.mapping("cluster", yaml::Need::required)) {
    yaml::MapReader r(*cluster, "cluster", diags, "secrets");
    b.cluster_id = r.string("id", yaml::Need::required).value_or("");
    b.cluster_secret = r.string("secret", yaml::Need::required).value_or("");
    r.finish(Severity::error);
  }
  if (const auto* secrets = top.mapping("secrets", yaml::Need::required)) {
    yaml::MapReader r(*secrets, "secrets", diags, "secrets");
    b.bootstrap_token = read_token(r, "bootstraptoken", diags);
    b.aescbc_encryption_secret = read_b64_secret(r, "aescbcencryptionsecret", yaml::Need::optional, diags);
    b.secretbox_encryption_secret = read_b64_secret(r, "secretboxencryptionsecret", yaml::Need::optional, diags);
    if (b.aescbc_encryption_secret.empty() == b.secretbox_encryption_secret.empty()) {
      diags.error(k_rule_invalid,
                  "'secrets' needs exactly one of 'secretboxencryptionsecret' and 'aescbcencryptionsecret'",
                  secrets->location());
    }
    r.finish(Severity::error);
  }
  if (const auto* trustd = top.mapping("trustdinfo", yaml::Need::required)) {
    yaml::MapReader r(*trustd, "trustdinfo", diags, "secrets");
    b.trustd_token = read_token(r, "token", diags);
    r.finish(Severity::error);
  }
  if (const auto* certs = top.mapping("certs", yaml::Need::required)) {
    yaml::MapReader r(*certs, "certs", diags, "secrets");
    b.etcd = read_pair(r, "etcd", true, diags);
    b.k8s = read_pair(r, "k8s", true, diags);
    b.k8s_aggregator = read_pair(r, "k8saggregator", true, diags);
    b.k8s_service_account = read_pair(r, "k8sserviceaccount", false, diags);
    b.os = read_pair(r, "os", true, diags);
    r.finish(Severity::error);
  }
  top.finish(Severity::error);
  return b;
}

Result<SecretsBundle> parse_secrets(std::string_view text, const std::string& name, Diagnostics& diags) {
  SourceRegistry::instance().mark_sensitive(name);  // a secrets bundle's lines are never quoted
  TRY_ASSIGN(auto root, yaml::parse_one(text, name));
  return secrets_from_node(root, diags);
}

Result<SecretsBundle> load_secrets_file(const std::string& path, Diagnostics& diags) {
  TRY_ASSIGN(auto text, read_file(path));
  return parse_secrets(text, path, diags);
}

const std::vector<std::string>& default_secret_files() {
  // talhelper cmd/genconfig.go: the last existing file in this list wins.
  static const std::vector<std::string> k_files = {"talsecret.yaml", "talsecret.sops.yaml", "talsecret.yml",
                                                   "talsecret.sops.yml"};
  return k_files;
}

std::optional<std::string> find_secrets_file(const std::string& dir, const std::string& explicit_path) {
  if (!explicit_path.empty()) {
    return explicit_path;
  }
  std::optional<std::string> found;
  for (const auto& name : default_secret_files()) {
    std::string p = dir.empty() || dir == "." ? name : join_path(dir, name);
    if (file_exists(p)) {
      found = p;
    }
  }
  return found;
}

Result<void> write_secrets(const std::string& path, const SecretsBundle& bundle, int indent) {
  WriteOptions opts;
  opts.mode = 0600;
  opts.create_parents = true;
  opts.parent_mode = 0700;
  return write_file_atomic(path, secrets_to_yaml(bundle, indent), opts);
}

}  // namespace talgpu::talos
