#include <talhelper/sops.hpp>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <regex>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <core/fs.hpp>
#include <core/strings.hpp>
#include <yaml/document.hpp>
#include <yaml/emit.hpp>
#include <yaml/json.hpp>

extern char** environ;

namespace talgpu::talhelper {

namespace {

// ---------------------------------------------------------------------------------------------
// Small helpers.

std::optional<std::string> base64_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    int v = val(in[i]);
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  for (; i < in.size(); ++i) {
    if (in[i] != '=') {
      return std::nullopt;
    }
  }
  return out;
}

std::string hex_upper(const unsigned char* data, size_t n) {
  static const char* k_digits = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(k_digits[data[i] >> 4]);
    out.push_back(k_digits[data[i] & 15]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The ENC[...] value format (aes/cipher.go).

struct EncValue {
  std::string data, iv, tag, type;
};

std::optional<EncValue> parse_enc(std::string_view s) {
  static const std::regex k_re(R"(^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\])");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(s.begin(), s.end(), m, k_re)) {
    return std::nullopt;
  }
  auto d = base64_decode(std::string_view(&*m[1].first, static_cast<size_t>(m[1].length())));
  auto iv = base64_decode(std::string_view(&*m[2].first, static_cast<size_t>(m[2].length())));
  auto tag = base64_decode(std::string_view(&*m[3].first, static_cast<size_t>(m[3].length())));
  if (!d || !iv || !tag) {
    return std::nullopt;
  }
  return EncValue{*d, *iv, *tag, m[4].str()};
}

// AES-256-GCM with sops's 32-byte nonce. Fails (nullopt) on a wrong key or any tampering.
std::optional<std::string> aes_gcm_decrypt(const EncValue& v, const std::string& key, std::string_view aad) {
  if (key.size() != 32 || v.tag.size() != 16 || v.iv.empty()) {
    return std::nullopt;
  }
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) {
    return std::nullopt;
  }
  std::string out(v.data.size() + 16, '\0');
  int len = 0;
  int total = 0;
  bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(v.iv.size()), nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx, nullptr, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                               reinterpret_cast<const unsigned char*>(v.iv.data())) == 1;
  if (ok && !aad.empty()) {
    ok = EVP_DecryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                           static_cast<int>(aad.size())) == 1;
  }
  if (ok) {
    ok = EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                           reinterpret_cast<const unsigned char*>(v.data.data()), static_cast<int>(v.data.size())) == 1;
    total = len;
  }
  if (ok) {
    std::string tag = v.tag;
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1 &&
         EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + total, &len) == 1;
    total += len;
  }
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    return std::nullopt;
  }
  out.resize(static_cast<size_t>(total));
  return out;
}

// Go's strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, no exponent.
std::string go_float_text(double d) {
  char buf[512];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

// ---------------------------------------------------------------------------------------------
// Running `age`.

struct ProcessResult {
  int status = -1;
  std::string out;
  std::string err;
};

Result<ProcessResult> run_process(const std::vector<std::string>& argv, const std::string& input) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    return fail(fmt::format("cannot create pipes: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return fail(fmt::format("cannot run '{}': {} (install the Debian package 'age')", argv[0], std::strerror(rc)));
  }
  // Inputs are a few hundred bytes: well under the pipe buffer, so writing first cannot block.
  size_t off = 0;
  while (off < input.size()) {
    ssize_t n = ::write(in_pipe[1], input.data() + off, input.size() - off);
    if (n <= 0) {
      break;
    }
    off += static_cast<size_t>(n);
  }
  ::close(in_pipe[1]);
  ProcessResult res;
  auto drain = [](int fd, std::string& into) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) {
      into.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
  };
  drain(out_pipe[0], res.out);
  drain(err_pipe[0], res.err);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  res.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return res;
}

// The user's age identities, as one identity-file text, plus where they came from.
struct Identities {
  std::string text;
  std::vector<std::string> sources;
};

Identities collect_identities() {
  Identities ids;
  if (const char* k = std::getenv("SOPS_AGE_KEY"); k != nullptr && *k != '\0') {
    ids.text += std::string(k) + "\n";
    ids.sources.emplace_back("SOPS_AGE_KEY");
  }
  auto add_file = [&ids](const std::string& path, const std::string& label) {
    if (auto t = read_file(path)) {
      ids.text += *t + "\n";
      ids.sources.push_back(label);
    }
  };
  if (const char* f = std::getenv("SOPS_AGE_KEY_FILE"); f != nullptr && *f != '\0') {
    add_file(f, fmt::format("SOPS_AGE_KEY_FILE={}", f));
  }
  std::string def;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x != '\0') {
    def = std::string(x) + "/sops/age/keys.txt";
  } else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    def = std::string(h) + "/.config/sops/age/keys.txt";
  }
  if (!def.empty() && file_exists(def)) {
    add_file(def, def);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Metadata and the tree walk.

struct AgeStanza {
  std::string recipient;
  std::string enc;
};

struct Metadata {
  std::vector<AgeStanza> age;
  bool other_keys = false;  // pgp/kms/... entries we cannot use
  std::string lastmodified;
  std::string mac;
  std::string unencrypted_suffix;
  std::string encrypted_suffix;
  std::string unencrypted_regex;
  std::string encrypted_regex;
  bool comment_regex = false;
  bool mac_only_encrypted = false;
  bool key_groups = false;
};

std::string scalar_text(const yaml::Node* n) {
  return n != nullptr && n->is_scalar() ? n->value() : std::string();
}

Metadata read_metadata(const yaml::Node& sops) {
  Metadata m;
  if (const yaml::Node* age = sops.find("age"); age != nullptr && age->is_sequence()) {
    for (const auto& item : age->items()) {
      m.age.push_back({scalar_text(item.find("recipient")), scalar_text(item.find("enc"))});
    }
  }
  for (const char* k : {"pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"}) {
    if (const yaml::Node* n = sops.find(k); n != nullptr && n->is_sequence() && !n->items().empty()) {
      m.other_keys = true;
    }
  }
  m.key_groups = sops.find("key_groups") != nullptr;
  m.lastmodified = scalar_text(sops.find("lastmodified"));
  m.mac = scalar_text(sops.find("mac"));
  m.unencrypted_suffix = scalar_text(sops.find("unencrypted_suffix"));
  m.encrypted_suffix = scalar_text(sops.find("encrypted_suffix"));
  m.unencrypted_regex = scalar_text(sops.find("unencrypted_regex"));
  m.encrypted_regex = scalar_text(sops.find("encrypted_regex"));
  m.comment_regex = !scalar_text(sops.find("unencrypted_comment_regex")).empty() ||
                    !scalar_text(sops.find("encrypted_comment_regex")).empty();
  std::string moe = scalar_text(sops.find("mac_only_encrypted"));
  m.mac_only_encrypted = moe == "true" || moe == "True";
  if (m.unencrypted_suffix.empty() && m.encrypted_suffix.empty() && m.unencrypted_regex.empty() &&
      m.encrypted_regex.empty() && !m.comment_regex) {
    m.unencrypted_suffix = "_unencrypted";  // sops's default for files written without the field
  }
  return m;
}

// sops.go shouldBeEncrypted, for the path of a leaf (comments are not part of our tree).
bool should_be_encrypted(const Metadata& m, const std::vector<std::string>& path) {
  auto ends_with = [](const std::string& s, const std::string& suf) {
    return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
  };
  bool enc = true;
  if (!m.unencrypted_suffix.empty()) {
    for (const auto& p : path) {
      if (ends_with(p, m.unencrypted_suffix)) {
        enc = false;
        break;
      }
    }
  }
  if (!m.encrypted_suffix.empty()) {
    enc = false;
    for (const auto& p : path) {
      if (ends_with(p, m.encrypted_suffix)) {
        enc = true;
        break;
      }
    }
  }
  if (!m.unencrypted_regex.empty()) {
    std::regex re(m.unencrypted_regex);
    for (const auto& p : path) {
      if (std::regex_search(p, re)) {
        enc = false;
        break;
      }
    }
  }
  if (!m.encrypted_regex.empty()) {
    std::regex re(m.encrypted_regex);
    enc = false;
    for (const auto& p : path) {
      if (std::regex_search(p, re)) {
        enc = true;
        break;
      }
    }
  }
  return enc;
}

// What ToBytes gives for an unencrypted leaf, by its YAML type.
std::string plain_leaf_bytes(const yaml::Node& n) {
  switch (n.scalar_type()) {
    case yaml::ScalarType::boolean: {
      std::string v = to_lower(n.value());
      return v == "true" ? "True" : "False";
    }
    case yaml::ScalarType::integer: {
      int64_t out = 0;
      std::string v = n.value();
      int base = 10;
      std::string_view digits = v;
      bool neg = false;
      if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
        neg = digits[0] == '-';
        digits.remove_prefix(1);
      }
      if (digits.substr(0, 2) == "0x") {
        base = 16, digits.remove_prefix(2);
      } else if (digits.substr(0, 2) == "0o") {
        base = 8, digits.remove_prefix(2);
      }
      auto r = std::from_chars(digits.data(), digits.data() + digits.size(), out, base);
      if (r.ec == std::errc()) {
        return std::to_string(neg ? -out : out);
      }
      return v;
    }
    case yaml::ScalarType::floating: {
      std::string v = to_lower(n.value());
      if (v == ".inf" || v == "+.inf") return "+Inf";
      if (v == "-.inf") return "-Inf";
      if (v == ".nan") return "NaN";
      return go_float_text(std::strtod(n.value().c_str(), nullptr));
    }
    default:
      return n.value();
  }
}

struct Walker {
  const Metadata& meta;
  const std::string& key;
  const std::string& name;
  EVP_MD_CTX* sha = nullptr;
  std::optional<Error> error;

  void leaf(yaml::Node& n, const std::vector<std::string>& path) {
    if (n.is_null() && n.style() == yaml::Style::plain) {
      return;  // nil leaves are neither decrypted nor hashed
    }
    bool enc = should_be_encrypted(meta, path);
    std::string bytes;
    if (enc && !n.value().empty()) {
      std::string joined;
      for (const auto& p : path) {
        joined += p + ":";
      }
      auto ev = parse_enc(n.value());
      if (!ev) {
        error = Error(fmt::format("{}: value at '{}' is not in SOPS's ENC[AES256_GCM,...] format", name,
                                  fmt::join(path, ".")),
                      n.location(), "sops-format");
        return;
      }
      auto plain = aes_gcm_decrypt(*ev, key, joined);
      if (!plain) {
        error = Error(fmt::format("{}: cannot decrypt the value at '{}': authentication failed (the file was "
                                  "tampered with or encrypted with another data key)",
                                  name, fmt::join(path, ".")),
                      n.location(), "sops-decrypt");
        return;
      }
      yaml::Mark mark = n.mark();
      if (ev->type == "int") {
        int64_t v = 0;
        auto r = std::from_chars(plain->data(), plain->data() + plain->size(), v);
        bytes = r.ec == std::errc() ? std::to_string(v) : *plain;
        n = yaml::Node::plain(bytes);
      } else if (ev->type == "float") {
        bytes = go_float_text(std::strtod(plain->c_str(), nullptr));
        n = yaml::Node::plain(bytes);
      } else if (ev->type == "bool") {
        bool b = to_lower(*plain) == "true" || *plain == "1" || *plain == "t" || *plain == "T";
        bytes = b ? "True" : "False";
        n = yaml::Node::boolean(b);
      } else {
        bytes = *plain;
        n = yaml::Node::string(*plain);
      }
      n.set_mark(mark);
    } else {
      bytes = plain_leaf_bytes(n);
    }
    if (!meta.mac_only_encrypted || enc) {
      EVP_DigestUpdate(sha, bytes.data(), bytes.size());
    }
  }

  void walk(yaml::Node& n, std::vector<std::string>& path) {
    if (error) {
      return;
    }
    if (n.is_mapping()) {
      for (auto& e : n.entries()) {
        path.push_back(e.key.value());
        walk(e.value, path);
        path.pop_back();
      }
    } else if (n.is_sequence()) {
      for (auto& item : n.items()) {
        walk(item, path);
      }
    } else {
      leaf(n, path);
    }
  }
};

Result<std::string> decrypt_data_key(const Metadata& m, const std::string& name) {
  if (m.key_groups) {
    return fail(fmt::format("{}: SOPS key groups (Shamir secret sharing) are not supported", name), {}, "sops-unsupported");
  }
  if (m.age.empty()) {
    return fail(fmt::format("{}: no age recipient in the SOPS metadata{}", name,
                            m.other_keys ? " (only PGP/KMS keys, which talgpu cannot use: decrypt with `sops -d`)" : ""),
                {}, "sops-no-key");
  }
  Identities ids = collect_identities();
  if (ids.sources.empty()) {
    return fail(fmt::format("{}: no age identity found: set SOPS_AGE_KEY or SOPS_AGE_KEY_FILE, or create "
                            "~/.config/sops/age/keys.txt",
                            name),
                {}, "sops-no-key");
  }
  std::string last_err;
  for (const auto& stanza : m.age) {
    // The armor is encrypted data, so a temporary file is harmless; identities go through stdin.
    char tmpl[] = "/tmp/talgpu-sops-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
      return fail(fmt::format("cannot create a temporary file: {}", std::strerror(errno)));
    }
    std::string armor = stanza.enc;
    bool wrote = ::write(fd, armor.data(), armor.size()) == static_cast<ssize_t>(armor.size());
    ::close(fd);
    Result<ProcessResult> r = wrote ? run_process({"age", "--decrypt", "-i", "-", tmpl}, ids.text)
                                    : Result<ProcessResult>(fail("cannot write a temporary file"));
    ::unlink(tmpl);
    if (!r) {
      return tl::unexpected(r.error());
    }
    if (r->status == 0 && r->out.size() == 32) {
      return r->out;
    }
    std::string_view first_line = trim(r->err);
    last_err = std::string(trim(first_line.substr(0, first_line.find('\n'))));
  }
  return fail(fmt::format("{}: none of the age identities ({}) can decrypt the data key{}", name,
                          fmt::join(ids.sources, ", "), last_err.empty() ? "" : " (age: " + last_err + ")"),
              {}, "sops-wrong-key");
}

Result<void> decrypt_tree(yaml::Node& root, const Metadata& meta, const std::string& name) {
  if (meta.comment_regex) {
    return fail(fmt::format("{}: SOPS comment regexes are not supported", name), {}, "sops-unsupported");
  }
  TRY_ASSIGN(std::string key, decrypt_data_key(meta, name));
  Walker w{meta, key, name, EVP_MD_CTX_new(), std::nullopt};
  EVP_DigestInit_ex(w.sha, EVP_sha512(), nullptr);
  if (meta.mac_only_encrypted) {
    static const unsigned char k_init[32] = {0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34,
                                             0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f,
                                             0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69};
    EVP_DigestUpdate(w.sha, k_init, sizeof k_init);
  }
  std::vector<std::string> path;
  w.walk(root, path);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_DigestFinal_ex(w.sha, digest, &digest_len);
  EVP_MD_CTX_free(w.sha);
  if (w.error) {
    return tl::unexpected(*w.error);
  }
  auto mac_enc = parse_enc(meta.mac);
  // sops formats lastmodified with time.RFC3339 (no fractional seconds) as additional data.
  std::string aad = meta.lastmodified;
  if (size_t dot = aad.find('.'); dot != std::string::npos) {
    size_t end = dot + 1;
    while (end < aad.size() && std::isdigit(static_cast<unsigned char>(aad[end]))) {
      ++end;
    }
    aad.erase(dot, end - dot);
  }
  auto mac = mac_enc ? aes_gcm_decrypt(*mac_enc, key, aad) : std::nullopt;
  if (!mac) {
    return fail(fmt::format("{}: cannot decrypt the SOPS MAC: the metadata was tampered with", name), {}, "sops-mac");
  }
  if (*mac != hex_upper(digest, digest_len)) {
    return fail(fmt::format("{}: MAC mismatch: the file was modified after it was encrypted", name), {}, "sops-mac");
  }
  return {};
}

// dotenv store: KEY=value lines, metadata flattened into sops_* keys (`__list_0__map_` nesting).
Result<std::string> decrypt_dotenv(std::string_view text, const std::string& name) {
  yaml::Node root = yaml::Node::mapping();
  yaml::Node sops = yaml::Node::mapping();
  std::map<std::string, AgeStanza> age;
  auto unescape = [](std::string_view v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size() && v[i + 1] == 'n') {
        out.push_back('\n');
        ++i;
      } else {
        out.push_back(v[i]);
      }
    }
    return out;
  };
  for (const auto& raw : split(text, '\n')) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return fail(fmt::format("{}: invalid dotenv line", name), {}, "sops-format");
    }
    std::string k(line.substr(0, eq));
    std::string v = unescape(line.substr(eq + 1));
    if (k.rfind("sops_age__list_", 0) == 0) {
      size_t idx_end = k.find("__map_", 15);
      if (idx_end != std::string::npos) {
        std::string idx = k.substr(15, idx_end - 15);
        std::string field = k.substr(idx_end + 6);
        (field == "enc" ? age[idx].enc : age[idx].recipient) = v;
      }
    } else if (k.rfind("sops_", 0) == 0) {
      sops.set(k.substr(5), yaml::Node::string(v));
    } else {
      root.set(k, yaml::Node::string(v));
    }
  }
  Metadata meta = read_metadata(sops);
  for (auto& [idx, st] : age) {
    meta.age.push_back(st);
  }
  TRY(decrypt_tree(root, meta, name));
  std::string out;
  for (const auto& e : root.entries()) {
    out += e.key.value() + "=" + e.value.value() + "\n";
  }
  return out;
}

}  // namespace

bool is_sops_encrypted(std::string_view text) {
  if (text.find("sops") == std::string_view::npos) {
    return false;
  }
  std::string_view t = trim(text);
  if (!t.empty() && t.front() == '{') {
    auto j = nlohmann::ordered_json::parse(t, nullptr, false);
    return !j.is_discarded() && j.is_object() && j.contains("sops") && j["sops"].is_object() && !j["sops"].empty();
  }
  if (text.find("\nsops_mac=") != std::string_view::npos || text.rfind("sops_mac=", 0) == 0) {
    return true;
  }
  if (text.find("sops:") == std::string_view::npos) {
    return false;
  }
  auto docs = yaml::parse(text, "<sops-check>");
  if (!docs) {
    return false;
  }
  for (const auto& d : *docs) {
    if (d.root.is_mapping()) {
      const yaml::Node* s = d.root.find("sops");
      if (s != nullptr && s->is_mapping() && s->size() > 0) {
        return true;
      }
    }
  }
  return false;
}

SopsFormat sops_format_for_path(std::string_view path) {
  auto ends = [&](std::string_view suf) {
    return path.size() >= suf.size() && path.substr(path.size() - suf.size()) == suf;
  };
  if (ends(".json")) {
    return SopsFormat::json;
  }
  if (ends(".env")) {
    return SopsFormat::dotenv;
  }
  return SopsFormat::yaml;
}

Result<std::string> sops_decrypt(std::string_view text, const std::string& name, SopsFormat format) {
  if (format == SopsFormat::dotenv) {
    return decrypt_dotenv(text, name);
  }
  yaml::Node root;
  if (format == SopsFormat::json) {
    auto j = nlohmann::ordered_json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      return fail(fmt::format("{}: invalid JSON", name), {}, "sops-format");
    }
    root = yaml::from_json(j);
  } else {
    TRY_ASSIGN(root, yaml::parse_one(text, name));
  }
  const yaml::Node* sops = root.is_mapping() ? root.find("sops") : nullptr;
  if (sops == nullptr || !sops->is_mapping()) {
    return fail(fmt::format("{}: no SOPS metadata (top-level 'sops' section)", name), {}, "sops-format");
  }
  Metadata meta = read_metadata(*sops);
  root.erase("sops");
  TRY(decrypt_tree(root, meta, name));
  if (format == SopsFormat::json) {
    return yaml::to_ordered_json(root).dump(4) + "\n";
  }
  return yaml::emit(root, yaml::goyaml_v3_options(4));
}

Result<std::string> sops_decrypt_yaml(std::string_view text, const std::string& name) {
  std::string_view t = trim(text);
  return sops_decrypt(text, name, !t.empty() && t.front() == '{' ? SopsFormat::json : SopsFormat::yaml);
}

Result<std::string> read_maybe_sops(const std::string& path) {
  TRY_ASSIGN(std::string text, read_file(path));
  if (!is_sops_encrypted(text)) {
    return text;
  }
  return sops_decrypt(text, path, sops_format_for_path(path));
}

}  // namespace talgpu::talhelper
