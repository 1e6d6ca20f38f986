#pragma once
// The few X.509 operations a Talos cluster needs, on OpenSSL 3, encoded exactly as Talos writes
// them (siderolabs/crypto x509/*.go, talos pkg/machinery/config/generate/secrets/ca.go):
//  - CA certificates: self-signed, 128-bit random serial, 20-byte random subject key id,
//    KeyUsage digitalSignature|keyCertSign (critical), ExtKeyUsage serverAuth+clientAuth,
//    BasicConstraints CA:TRUE (critical), subject with only an Organization (or empty);
//  - keys in Go's PEM forms: ECDSA as SEC1 `EC PRIVATE KEY`, RSA as PKCS#1 `RSA PRIVATE KEY`,
//    Ed25519 as PKCS#8 DER under Talos's non-standard label `ED25519 PRIVATE KEY`;
//  - client certificates signed by a CA (the talosconfig admin certificate).
// OpenSSL stays inside pki.cpp.

#include <core/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace talgpu::talos::pki {

enum class KeyType { ecdsa_p256, ed25519, rsa4096 };

struct CertAndKey {
  std::string crt;  // PEM
  std::string key;  // PEM
};

struct CaOptions {
  std::string organization;          // empty: empty subject
  int64_t not_before = 0;            // unix seconds; 0 = now
  int64_t validity_seconds = 87600LL * 3600;  // Talos CAValidityTime (10 years)
};

struct ClientCertOptions {
  std::string organization;  // "os:admin" for talosconfig
  std::string common_name;
  int64_t not_before = 0;    // 0 = now
  int64_t validity_seconds = 8760LL * 3600;  // talhelper --crt-ttl default
  // Fixed inputs for a reproducible certificate (Ed25519 signatures are deterministic):
  // when non-empty, the 32-byte Ed25519 seed and the 16-byte serial to use.
  std::string ed25519_seed;
  std::string serial;
};

// A fresh private key of `type`, PEM in Talos's encoding.
Result<std::string> generate_key(KeyType type);
// A self-signed CA with a fresh key of `type`.
Result<CertAndKey> generate_ca(KeyType type, const CaOptions& opts);
// An Ed25519 client certificate (ExtKeyUsage clientAuth) signed by `ca`.
Result<CertAndKey> issue_client_cert(const CertAndKey& ca, const ClientCertOptions& opts);

// Facts about a parsed certificate, for validation and messages.
struct CertInfo {
  std::string subject;         // OpenSSL one-line form, e.g. "O=talos"
  std::string key_algorithm;   // "ECDSA P-256", "Ed25519", "RSA 4096"
  bool is_ca = false;
  int64_t not_before = 0;
  int64_t not_after = 0;
  std::string issuer;
};

Result<CertInfo> inspect_cert(std::string_view pem);
// The algorithm of a PEM private key ("ECDSA P-256", "Ed25519", "RSA 4096") after parsing it.
Result<std::string> inspect_key(std::string_view pem);
// True when the certificate's public key belongs to the private key.
Result<bool> key_matches_cert(std::string_view cert_pem, std::string_view key_pem);
// True when `cert_pem` is signed by `ca_cert_pem`.
Result<bool> cert_signed_by(std::string_view cert_pem, std::string_view ca_cert_pem);

// The first PEM block's label ("EC PRIVATE KEY") or "" when the text holds none.
std::string pem_label(std::string_view pem);

// Base64 as Go's encoding/base64 writes it (std or URL alphabet, always padded).
std::string base64_encode(std::string_view data, bool url = false);
// Accepts both alphabets, padded; rejects anything else.
Result<std::string> base64_decode(std::string_view text);

// Cryptographically random bytes.
std::string random_bytes(size_t n);
// SHA-256 of data (raw bytes).
std::string sha256(std::string_view data);

}  // namespace talgpu::talos::pki
