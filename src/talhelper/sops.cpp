#include <talhelper/sops.hpp>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <core/fs.hpp>
#include <core/linear_regex.hpp>
#include <core/source.hpp>
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

// sops matches `^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]` (aes/cipher.go, Go's
// linear-time regexp; greedy groups, so each field ends at the last separator that still lets the
// rest match, `.` stops at a newline). std::regex recursed once per character here, so a 20 KB
// value overflowed the stack: this scanner does the same split with a few reverse searches.
std::optional<EncValue> parse_enc(std::string_view s) {
  constexpr std::string_view k_prefix = "ENC[AES256_GCM,data:";
  if (s.substr(0, k_prefix.size()) != k_prefix) {
    return std::nullopt;
  }
  std::string_view body = s.substr(k_prefix.size());
  body = body.substr(0, body.find('\n'));
  size_t close = body.rfind(']');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  body = body.substr(0, close);
  size_t type_at = body.rfind(",type:");
  size_t tag_at = type_at == std::string_view::npos ? type_at : body.rfind(",tag:", type_at);
  size_t iv_at = tag_at == std::string_view::npos ? tag_at : body.rfind(",iv:", tag_at);
  if (iv_at == std::string_view::npos || iv_at == 0) {
    return std::nullopt;
  }
  std::string_view data = body.substr(0, iv_at);
  std::string_view iv = body.substr(iv_at + 4, tag_at - iv_at - 4);
  std::string_view tag = body.substr(tag_at + 5, type_at - tag_at - 5);
  std::string_view type = body.substr(type_at + 6);
  if (iv.empty() || tag.empty() || type.empty()) {
    return std::nullopt;
  }
  auto d = base64_decode(data);
  auto ivb = base64_decode(iv);
  auto tagb = base64_decode(tag);
  if (!d || !ivb || !tagb) {
    return std::nullopt;
  }
  return EncValue{*d, *ivb, *tagb, std::string(type)};
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
  std::optional<LinearRegex> unencrypted_regex;
  std::optional<LinearRegex> encrypted_regex;
  bool comment_regex = false;
  bool mac_only_encrypted = false;
  bool key_groups = false;
};

// time.Parse(time.RFC3339, s): 2006-01-02T15:04:05[.frac](Z|+07:00).
bool is_rfc3339(std::string_view s) {
  auto digits = [&](size_t at, size_t n) {
    if (at + n > s.size()) {
      return false;
    }
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
        return false;
      }
    }
    return true;
  };
  if (!digits(0, 4) || s.size() < 20 || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2) ||
      (s[10] != 'T' && s[10] != 't') || !digits(11, 2) || s[13] != ':' || !digits(14, 2) || s[16] != ':' ||
      !digits(17, 2)) {
    return false;
  }
  size_t i = 19;
  if (s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
    }
    if (i == start) {
      return false;
    }
  }
  std::string_view zone = s.substr(i);
  return zone == "Z" || zone == "z" ||
         (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(i + 1, 2) && zone[3] == ':' &&
          digits(i + 4, 2));
}

// A field sops unmarshals into a Go string: absent, null or a scalar (a mapping or list fails
// yaml.Unmarshal there).
Result<std::string> string_field(const yaml::Node& sops, const char* key, const std::string& name) {
  const yaml::Node* n = sops.find(key);
  if (n == nullptr || n->is_null()) {
    return std::string();
  }
  if (!n->is_scalar()) {
    return fail(fmt::format("{}: SOPS metadata field '{}' must be a string", name, key), n->location(),
                "sops-metadata");
  }
  return n->value();
}

Result<std::optional<LinearRegex>> regex_field(const yaml::Node& sops, const char* key, const std::string& name) {
  TRY_ASSIGN(std::string pattern, string_field(sops, key, name));
  if (pattern.empty()) {
    return std::optional<LinearRegex>();
  }
  auto re = LinearRegex::compile(pattern);
  if (!re) {
    return fail(fmt::format("{}: SOPS metadata '{}' is not a pattern talgpu can run safely: {} (talgpu runs the "
                            "RE2 subset of literals, classes, groups, alternation and repetition in linear time; "
                            "decrypt this file with `sops -d`)",
                            name, key, re.error().message),
                sops.find(key)->location(), "sops-metadata");
  }
  return std::optional<LinearRegex>(std::move(*re));
}

// The metadata section, validated as strictly as sops does (stores/stores.go Metadata.ToInternal:
// lastmodified must be RFC 3339, at most one of the four encryption rules, at least one key;
// key lists must be lists). The section is not authenticated until the MAC is checked, so a
// malformed one is an error, never a reason to read the file as plain text.
Result<Metadata> read_metadata(const yaml::Node& sops, const std::string& name) {
  if (!sops.is_mapping()) {
    return fail(fmt::format("{}: the top-level 'sops' section is not SOPS metadata (a mapping with keys, mac and "
                            "lastmodified)",
                            name),
                sops.location(), "sops-metadata");
  }
  Metadata m;
  for (const char* k : {"age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms", "key_groups"}) {
    const yaml::Node* n = sops.find(k);
    if (n != nullptr && !n->is_null() && !n->is_sequence()) {
      return fail(fmt::format("{}: SOPS metadata field '{}' must be a list", name, k), n->location(),
                  "sops-metadata");
    }
    bool present = n != nullptr && n->is_sequence() && !n->items().empty();
    if (present && std::string_view(k) != "age" && std::string_view(k) != "key_groups") {
      m.other_keys = true;
    }
  }
  if (const yaml::Node* age = sops.find("age"); age != nullptr && age->is_sequence()) {
    for (const auto& item : age->items()) {
      if (!item.is_mapping()) {
        return fail(fmt::format("{}: each SOPS 'age' entry must be a mapping with recipient and enc", name),
                    item.location(), "sops-metadata");
      }
      TRY_ASSIGN(std::string recipient, string_field(item, "recipient", name));
      TRY_ASSIGN(std::string enc, string_field(item, "enc", name));
      m.age.push_back({recipient, enc});
    }
  }
  const yaml::Node* groups = sops.find("key_groups");
  m.key_groups = groups != nullptr && groups->is_sequence() && !groups->items().empty();
  if (m.age.empty() && !m.other_keys && !m.key_groups) {
    return fail(fmt::format("{}: no keys found in the SOPS metadata", name), sops.location(), "sops-metadata");
  }
  TRY_ASSIGN(m.lastmodified, string_field(sops, "lastmodified", name));
  if (!is_rfc3339(m.lastmodified)) {
    return fail(fmt::format("{}: SOPS metadata 'lastmodified' is not an RFC 3339 time", name), sops.location(),
                "sops-metadata");
  }
  TRY_ASSIGN(m.mac, string_field(sops, "mac", name));
  TRY_ASSIGN(m.unencrypted_suffix, string_field(sops, "unencrypted_suffix", name));
  TRY_ASSIGN(m.encrypted_suffix, string_field(sops, "encrypted_suffix", name));
  TRY_ASSIGN(m.unencrypted_regex, regex_field(sops, "unencrypted_regex", name));
  TRY_ASSIGN(m.encrypted_regex, regex_field(sops, "encrypted_regex", name));
  TRY_ASSIGN(std::string ucr, string_field(sops, "unencrypted_comment_regex", name));
  TRY_ASSIGN(std::string ecr, string_field(sops, "encrypted_comment_regex", name));
  m.comment_regex = !ucr.empty() || !ecr.empty();
  int rules = int{!m.unencrypted_suffix.empty()} + int{!m.encrypted_suffix.empty()} +
              int{m.unencrypted_regex.has_value()} + int{m.encrypted_regex.has_value()};
  if (rules > 1) {
    return fail(fmt::format("{}: SOPS metadata uses more than one of encrypted_suffix, unencrypted_suffix, "
                            "encrypted_regex and unencrypted_regex (sops refuses this too)",
                            name),
                sops.location(), "sops-metadata");
  }
  TRY_ASSIGN(std::string moe, string_field(sops, "mac_only_encrypted", name));
  if (!moe.empty() && moe != "true" && moe != "false" && moe != "True" && moe != "False") {
    return fail(fmt::format("{}: SOPS metadata 'mac_only_encrypted' must be true or false", name), sops.location(),
                "sops-metadata");
  }
  m.mac_only_encrypted = moe == "true" || moe == "True";
  if (rules == 0 && !m.comment_regex) {
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
  if (m.unencrypted_regex) {
    for (const auto& p : path) {
      if (m.unencrypted_regex->search(p)) {
        enc = false;
        break;
      }
    }
  }
  if (m.encrypted_regex) {
    enc = false;
    for (const auto& p : path) {
      if (m.encrypted_regex->search(p)) {
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

// What sops's aes/cipher.go Decrypt makes of a decrypted value by its `type`: str and bytes as
// they are, int through strconv.Atoi, float through strconv.ParseFloat, bool through
// strconv.ParseBool; a parse failure or any other type is an error there ("Unknown datatype"), so
// it is one here. `bytes` receives the MAC input (Go's canonical text).
std::optional<yaml::Node> typed_value(const std::string& type, const std::string& plain, std::string& bytes) {
  if (type == "str" || type == "bytes") {
    bytes = plain;
    return yaml::Node::string(plain);
  }
  if (type == "int") {
    std::string_view digits = plain;
    if (!digits.empty() && digits[0] == '+') {
      digits.remove_prefix(1);
    }
    int64_t v = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size()) {
      return std::nullopt;
    }
    bytes = std::to_string(v);
    return yaml::Node::plain(bytes);
  }
  if (type == "float") {
    char* end = nullptr;
    double d = std::strtod(plain.c_str(), &end);
    if (plain.empty() || end != plain.c_str() + plain.size()) {
      return std::nullopt;
    }
    bytes = go_float_text(d);
    return yaml::Node::plain(bytes);
  }
  if (type == "bool") {
    static const char* const k_true[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char* const k_false[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (const char* t : k_true) {
      if (plain == t) {
        bytes = "True";
        return yaml::Node::boolean(true);
      }
    }
    for (const char* f : k_false) {
      if (plain == f) {
        bytes = "False";
        return yaml::Node::boolean(false);
      }
    }
  }
  return std::nullopt;
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
      std::optional<yaml::Node> typed = typed_value(ev->type, *plain, bytes);
      if (!typed) {
        // The message names the type only: the decrypted text never reaches a message.
        error = Error(fmt::format("{}: the value at '{}' has {} (sops accepts str, int, float, bool and bytes)", name,
                                  fmt::join(path, "."),
                                  ev->type == "str" || ev->type == "int" || ev->type == "float" ||
                                          ev->type == "bool" || ev->type == "bytes"
                                      ? "a decrypted text that is not a valid " + ev->type
                                      : "an unknown type " + talgpu::quoted(ev->type.substr(0, 20))),
                      n.location(), "sops-format");
        return;
      }
      n = std::move(*typed);
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

// Set only by detail::sops_decrypt_with_data_key (fuzzing and tests): skips `age`.
thread_local const std::string* g_data_key_override = nullptr;

Result<void> decrypt_tree(yaml::Node& root, const Metadata& meta, const std::string& name) {
  if (meta.comment_regex) {
    return fail(fmt::format("{}: SOPS comment regexes are not supported", name), {}, "sops-unsupported");
  }
  std::string key;
  if (g_data_key_override != nullptr) {
    key = *g_data_key_override;
  } else {
    TRY_ASSIGN(key, decrypt_data_key(meta, name));
  }
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
  if (!age.empty()) {
    yaml::Node list = yaml::Node::sequence();
    for (auto& [idx, st] : age) {
      yaml::Node item = yaml::Node::mapping();
      item.set("recipient", yaml::Node::string(st.recipient));
      item.set("enc", yaml::Node::string(st.enc));
      list.push_back(std::move(item));
    }
    sops.set("age", std::move(list));
  }
  TRY_ASSIGN(Metadata meta, read_metadata(sops, name));
  TRY(decrypt_tree(root, meta, name));
  std::string out;
  for (const auto& e : root.entries()) {
    out += e.key.value() + "=" + e.value.value() + "\n";
  }
  return out;
}

}  // namespace

// A top-level `sops` key of any shape marks the file as SOPS (sops itself fails on malformed
// metadata rather than reading the file as plain text); the metadata is validated when decrypting.
bool is_sops_encrypted(std::string_view text) {
  if (text.find("sops") == std::string_view::npos) {
    return false;
  }
  std::string_view t = trim(text);
  if (!t.empty() && t.front() == '{') {
    auto j = nlohmann::ordered_json::parse(t, nullptr, false);
    return !j.is_discarded() && j.is_object() && j.contains("sops");
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
      if (s != nullptr) {
        return true;  // whatever its shape: read_metadata refuses a malformed one
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
  // Whatever is parsed under this name from now on is plaintext of secrets: never quoted.
  SourceRegistry::instance().mark_sensitive(name);
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
  if (sops == nullptr) {
    return fail(fmt::format("{}: no SOPS metadata (top-level 'sops' section)", name), {}, "sops-format");
  }
  TRY_ASSIGN(Metadata meta, read_metadata(*sops, name));
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

Result<std::string> detail::sops_decrypt_with_data_key(std::string_view text, const std::string& name,
                                                     SopsFormat format, const std::string& data_key) {
  g_data_key_override = &data_key;
  auto out = sops_decrypt(text, name, format);
  g_data_key_override = nullptr;
  return out;
}

}  // namespace talgpu::talhelper
