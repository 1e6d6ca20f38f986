// OpenSSL 3 behind the small pki.hpp surface. We write PEM ourselves (64-column base64 lines, as
// Go's encoding/pem does) because Talos labels Ed25519 PKCS#8 keys `ED25519 PRIVATE KEY`, which
// OpenSSL's PEM writers cannot produce; reading goes through our decoder for the same reason.

#include <talos/pki.hpp>

#include <ctime>
#include <memory>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace talgpu::talos::pki {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using Name = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using P8 = std::unique_ptr<PKCS8_PRIV_KEY_INFO, Deleter<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>;

std::string openssl_error(std::string_view what) {
  unsigned long e = ERR_get_error();
  std::string msg(what);
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  return msg;
}

std::string pem_encode(std::string_view label, std::string_view der) {
  std::string b64 = base64_encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    out += b64.substr(i, 64);
    out += '\n';
  }
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

struct PemBlock {
  std::string label;
  std::string der;
};

Result<PemBlock> pem_decode(std::string_view pem) {
  size_t begin = pem.find("-----BEGIN ");
  if (begin == std::string_view::npos) {
    return fail("no PEM block found");
  }
  size_t label_end = pem.find("-----", begin + 11);
  if (label_end == std::string_view::npos) {
    return fail("malformed PEM header");
  }
  PemBlock block;
  block.label = std::string(pem.substr(begin + 11, label_end - begin - 11));
  std::string end_marker = "-----END " + block.label + "-----";
  size_t body = pem.find('\n', label_end);
  size_t end = pem.find(end_marker, label_end);
  if (body == std::string_view::npos || end == std::string_view::npos || end < body) {
    return fail("PEM block '" + block.label + "' is not terminated");
  }
  std::string b64;
  for (char c : pem.substr(body, end - body)) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
      b64 += c;
    }
  }
  auto der = base64_decode(b64);
  if (!der) {
    return fail("PEM block '" + block.label + "': " + der.error().message);
  }
  block.der = std::move(*der);
  return block;
}

Result<PKey> parse_key(std::string_view pem) {
  TRY_ASSIGN(auto block, pem_decode(pem));
  const auto* p = reinterpret_cast<const unsigned char*>(block.der.data());
  EVP_PKEY* key = nullptr;
  if (block.label == "EC PRIVATE KEY") {
    key = d2i_PrivateKey(EVP_PKEY_EC, nullptr, &p, static_cast<long>(block.der.size()));
  } else if (block.label == "RSA PRIVATE KEY") {
    key = d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(block.der.size()));
  } else if (block.label == "ED25519 PRIVATE KEY" || block.label == "PRIVATE KEY") {
    key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(block.der.size()));
  } else {
    return fail("unsupported private key type '" + block.label + "'");
  }
  if (key == nullptr) {
    return fail(openssl_error("cannot parse " + block.label));
  }
  return PKey(key);
}

Result<Cert> parse_cert(std::string_view pem) {
  TRY_ASSIGN(auto block, pem_decode(pem));
  if (block.label != "CERTIFICATE") {
    return fail("expected a CERTIFICATE PEM block, found '" + block.label + "'");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(block.der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(block.der.size()));
  if (cert == nullptr) {
    return fail(openssl_error("cannot parse certificate"));
  }
  return Cert(cert);
}

Result<PKey> new_key(KeyType type) {
  PKeyCtx ctx;
  switch (type) {
    case KeyType::ecdsa_p256:
      ctx.reset(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
          EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), NID_X9_62_prime256v1) <= 0 ||
          EVP_PKEY_CTX_set_ec_param_enc(ctx.get(), OPENSSL_EC_NAMED_CURVE) <= 0) {
        return fail(openssl_error("ECDSA key setup"));
      }
      break;
    case KeyType::ed25519:
      ctx.reset(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) {
        return fail(openssl_error("Ed25519 key setup"));
      }
      break;
    case KeyType::rsa4096:
      ctx.reset(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 4096) <= 0) {
        return fail(openssl_error("RSA key setup"));
      }
      break;
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &key) <= 0) {
    return fail(openssl_error("key generation"));
  }
  return PKey(key);
}

Result<std::string> key_to_pem(EVP_PKEY* key) {
  int id = EVP_PKEY_get_base_id(key);
  std::string der;
  std::string label;
  if (id == EVP_PKEY_ED25519) {
    // Go's x509.MarshalPKCS8PrivateKey, under the label Talos uses.
    P8 p8(EVP_PKEY2PKCS8(key));
    if (!p8) {
      return fail(openssl_error("PKCS#8 encoding"));
    }
    int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), nullptr);
    der.resize(static_cast<size_t>(len));
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &p);
    label = "ED25519 PRIVATE KEY";
  } else {
    // EC keys serialise as SEC1 and RSA keys as PKCS#1 ("traditional" forms).
    int len = i2d_PrivateKey(key, nullptr);
    if (len <= 0) {
      return fail(openssl_error("private key encoding"));
    }
    der.resize(static_cast<size_t>(len));
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_PrivateKey(key, &p);
    label = id == EVP_PKEY_EC ? "EC PRIVATE KEY" : "RSA PRIVATE KEY";
  }
  return pem_encode(label, der);
}

Result<std::string> cert_to_pem(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) {
    return fail(openssl_error("certificate encoding"));
  }
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &p);
  return pem_encode("CERTIFICATE", der);
}

std::string key_algorithm(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
      return "Ed25519";
    case EVP_PKEY_RSA:
      return "RSA " + std::to_string(EVP_PKEY_get_bits(key));
    case EVP_PKEY_EC: {
      char curve[64] = {0};
      size_t len = 0;
      EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &len);
      std::string c(curve);
      return c == "prime256v1" ? "ECDSA P-256" : "ECDSA " + c;
    }
    default:
      return "unknown";
  }
}

bool add_ext(X509* cert, int nid, const char* value, X509* issuer = nullptr) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
  if (ext == nullptr) {
    return false;
  }
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool add_subject_key_id(X509* cert, const std::string& id) {
  ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(os, reinterpret_cast<const unsigned char*>(id.data()), static_cast<int>(id.size()));
  bool ok = X509_add1_ext_i2d(cert, NID_subject_key_identifier, os, 0, X509V3_ADD_DEFAULT) == 1;
  ASN1_OCTET_STRING_free(os);
  return ok;
}

bool set_serial(X509* cert, const std::string& bytes) {
  Bignum bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
  return bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr;
}

bool set_organization(X509_NAME* name, const std::string& org, const std::string& cn = {}) {
  if (!org.empty() && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                                 reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0) != 1) {
    return false;
  }
  if (!cn.empty() && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                                reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1) {
    return false;
  }
  return true;
}

const EVP_MD* digest_for(EVP_PKEY* signer) {
  return EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
}

int64_t asn1_time_to_unix(const ASN1_TIME* t) {
  struct tm tm = {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return 0;
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::string name_oneline(X509_NAME* name) {
  char buf[512];
  X509_NAME_oneline(name, buf, sizeof buf);
  std::string s(buf);
  if (!s.empty() && s[0] == '/') {
    s.erase(0, 1);
  }
  return s;
}

int64_t now_or(int64_t t) {
  return t != 0 ? t : static_cast<int64_t>(std::time(nullptr));
}

// Sets version, serial, validity and (for a CA) the Talos CA extensions; signs with `signer`.
Result<std::string> build_cert(X509* cert, EVP_PKEY* subject_key, EVP_PKEY* signer, X509* issuer,
                               const std::string& serial, int64_t not_before, int64_t validity) {
  if (X509_set_version(cert, 2) != 1 || !set_serial(cert, serial) ||
      ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(not_before + validity)) == nullptr ||
      X509_set_pubkey(cert, subject_key) != 1 ||
      X509_set_issuer_name(cert, X509_get_subject_name(issuer != nullptr ? issuer : cert)) != 1) {
    return fail(openssl_error("certificate fields"));
  }
  if (X509_sign(cert, signer, digest_for(signer)) <= 0) {
    return fail(openssl_error("certificate signing"));
  }
  return cert_to_pem(cert);
}

}  // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw Abort("the system random number generator failed", k_exit_usage);
  }
  return out;
}

std::string sha256(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string base64_encode(std::string_view data, bool url) {
  static const char* k_std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static const char* k_url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* alphabet = url ? k_url : k_std;
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t v = uint8_t(data[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) {
    return fail("invalid base64: length " + std::to_string(text.size()) + " is not a multiple of 4");
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || (v[k] = value(c)) < 0) {
        return fail("invalid base64 character at offset " + std::to_string(i + k));
      }
    }
    uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out += char((n >> 16) & 0xff);
    if (pad < 2) out += char((n >> 8) & 0xff);
    if (pad < 1) out += char(n & 0xff);
  }
  return out;
}

std::string pem_label(std::string_view pem) {
  auto block = pem_decode(pem);
  return block ? block->label : std::string();
}

Result<std::string> generate_key(KeyType type) {
  TRY_ASSIGN(auto key, new_key(type));
  return key_to_pem(key.get());
}

Result<CertAndKey> generate_ca(KeyType type, const CaOptions& opts) {
  TRY_ASSIGN(auto key, new_key(type));
  Cert cert(X509_new());
  Name subject(X509_NAME_new());
  if (!set_organization(subject.get(), opts.organization) || X509_set_subject_name(cert.get(), subject.get()) != 1) {
    return fail(openssl_error("CA subject"));
  }
  // Extension order as Go's x509.CreateCertificate writes them.
  if (!add_ext(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
      !add_ext(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth") ||
      !add_ext(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !add_subject_key_id(cert.get(), random_bytes(20))) {
    return fail(openssl_error("CA extensions"));
  }
  std::string serial = random_bytes(16);
  serial[0] = static_cast<char>(serial[0] & 0x7f);
  TRY_ASSIGN(auto crt, build_cert(cert.get(), key.get(), key.get(), nullptr, serial, now_or(opts.not_before),
                                  opts.validity_seconds));
  TRY_ASSIGN(auto key_pem, key_to_pem(key.get()));
  return CertAndKey{std::move(crt), std::move(key_pem)};
}

Result<CertAndKey> issue_client_cert(const CertAndKey& ca, const ClientCertOptions& opts) {
  TRY_ASSIGN(auto ca_cert, parse_cert(ca.crt));
  TRY_ASSIGN(auto ca_key, parse_key(ca.key));
  PKey key;
  if (!opts.ed25519_seed.empty()) {
    if (opts.ed25519_seed.size() != 32) {
      return fail("an Ed25519 seed must be 32 bytes");
    }
    key.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                           reinterpret_cast<const unsigned char*>(opts.ed25519_seed.data()), 32));
    if (!key) {
      return fail(openssl_error("Ed25519 key from seed"));
    }
  } else {
    TRY_ASSIGN(key, new_key(KeyType::ed25519));
  }
  Cert cert(X509_new());
  Name subject(X509_NAME_new());
  if (!set_organization(subject.get(), opts.organization, opts.common_name) ||
      X509_set_subject_name(cert.get(), subject.get()) != 1) {
    return fail(openssl_error("client subject"));
  }
  // Go adds the issuer's subject key id as the authority key id of a CA-signed certificate.
  if (!add_ext(cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_ext(cert.get(), NID_ext_key_usage, "clientAuth") ||
      !add_ext(cert.get(), NID_authority_key_identifier, "keyid:always", ca_cert.get())) {
    return fail(openssl_error("client certificate extensions"));
  }
  std::string serial = opts.serial.empty() ? random_bytes(16) : opts.serial;
  serial[0] = static_cast<char>(serial[0] & 0x7f);
  TRY_ASSIGN(auto crt, build_cert(cert.get(), key.get(), ca_key.get(), ca_cert.get(), serial,
                                  now_or(opts.not_before), opts.validity_seconds));
  TRY_ASSIGN(auto key_pem, key_to_pem(key.get()));
  return CertAndKey{std::move(crt), std::move(key_pem)};
}

Result<CertInfo> inspect_cert(std::string_view pem) {
  TRY_ASSIGN(auto cert, parse_cert(pem));
  CertInfo info;
  info.subject = name_oneline(X509_get_subject_name(cert.get()));
  info.issuer = name_oneline(X509_get_issuer_name(cert.get()));
  EVP_PKEY* pub = X509_get0_pubkey(cert.get());
  info.key_algorithm = pub != nullptr ? key_algorithm(pub) : "unknown";
  info.is_ca = X509_check_ca(cert.get()) > 0;
  info.not_before = asn1_time_to_unix(X509_get0_notBefore(cert.get()));
  info.not_after = asn1_time_to_unix(X509_get0_notAfter(cert.get()));
  return info;
}

Result<std::string> inspect_key(std::string_view pem) {
  TRY_ASSIGN(auto key, parse_key(pem));
  return key_algorithm(key.get());
}

Result<bool> key_matches_cert(std::string_view cert_pem, std::string_view key_pem) {
  TRY_ASSIGN(auto cert, parse_cert(cert_pem));
  TRY_ASSIGN(auto key, parse_key(key_pem));
  return X509_check_private_key(cert.get(), key.get()) == 1;
}

Result<bool> cert_signed_by(std::string_view cert_pem, std::string_view ca_cert_pem) {
  TRY_ASSIGN(auto cert, parse_cert(cert_pem));
  TRY_ASSIGN(auto ca, parse_cert(ca_cert_pem));
  bool ok = X509_verify(cert.get(), X509_get0_pubkey(ca.get())) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace talgpu::talos::pki
