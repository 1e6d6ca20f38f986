#include <gtest/gtest.h>

#include <sys/stat.h>

#include <regex>

#include <talos/pki.hpp>
#include <talos/secrets.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::talos;

TEST(Secrets, TokensHaveTalosShape) {
  std::regex shape("^[a-z0-9]{6}\\.[a-z0-9]{16}$");
  for (int i = 0; i < 50; ++i) {
    std::string t = generate_token();
    EXPECT_TRUE(std::regex_match(t, shape)) << t;
    EXPECT_TRUE(is_valid_token(t));
  }
  EXPECT_FALSE(is_valid_token("ABCDEF.0123456789abcdef"));
  EXPECT_FALSE(is_valid_token("abcdef0123456789abcdef"));
}

TEST(Secrets, Base64MatchesGoEncodings) {
  EXPECT_EQ(pki::base64_encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(pki::base64_encode("\xfb\xff", true), "-_8=");
  EXPECT_EQ(*pki::base64_decode("-_8="), "\xfb\xff");
  EXPECT_FALSE(pki::base64_decode("abc").has_value());
}

TEST(Secrets, UpstreamBundleRoundTripsByteForByte) {
  // talos testdata/stability/secrets.yaml: an ECDSA service-account key (bundle from 2023).
  std::string text = test::read_text(test::upstream_path("talos/stability/secrets.yaml"));
  Diagnostics diags;
  auto b = parse_secrets(text, "secrets.yaml", diags);
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(diags.empty()) << render_text(diags);
  EXPECT_EQ(b->trustd_token, "d8cwfa.eyvpi0xwxyarbfid");
  EXPECT_EQ(pki::pem_label(b->os.key), "ED25519 PRIVATE KEY");
  EXPECT_EQ(*pki::inspect_key(b->os.key), "Ed25519");
  EXPECT_EQ(*pki::inspect_key(b->k8s_service_account.key), "ECDSA P-256");
  // Re-encoding gives the file back without its leading comment line.
  EXPECT_EQ(secrets_to_yaml(*b), text.substr(text.find('\n') + 1));
}

TEST(Secrets, GeneratedBundleHasTalosKeyTypesSubjectsAndValidity) {
  auto b = generate_secrets(Contract{1, 11});
  ASSERT_TRUE(b.has_value()) << b.error().describe();
  struct Expect {
    const CertPair* pair;
    const char* subject;
    const char* algorithm;
    const char* key_label;
  };
  for (const auto& e : {Expect{&b->etcd, "O=etcd", "ECDSA P-256", "EC PRIVATE KEY"},
                        Expect{&b->k8s, "O=kubernetes", "ECDSA P-256", "EC PRIVATE KEY"},
                        Expect{&b->k8s_aggregator, "", "ECDSA P-256", "EC PRIVATE KEY"},
                        Expect{&b->os, "O=talos", "Ed25519", "ED25519 PRIVATE KEY"}}) {
    auto info = pki::inspect_cert(e.pair->crt);
    ASSERT_TRUE(info.has_value()) << info.error().describe();
    EXPECT_EQ(info->subject, e.subject);
    EXPECT_EQ(info->issuer, e.subject);
    EXPECT_EQ(info->key_algorithm, e.algorithm);
    EXPECT_TRUE(info->is_ca);
    EXPECT_EQ(info->not_after - info->not_before, 87600LL * 3600);
    EXPECT_EQ(pki::pem_label(e.pair->key), e.key_label);
    EXPECT_TRUE(*pki::key_matches_cert(e.pair->crt, e.pair->key));
  }
  EXPECT_EQ(pki::pem_label(b->k8s_service_account.key), "RSA PRIVATE KEY");
  EXPECT_EQ(*pki::inspect_key(b->k8s_service_account.key), "RSA 4096");
  EXPECT_EQ(b->cluster_id.size(), 44u);
  EXPECT_EQ(pki::base64_decode(b->cluster_id)->size(), 32u);
  EXPECT_EQ(pki::base64_decode(b->secretbox_encryption_secret)->size(), 32u);
  EXPECT_TRUE(b->aescbc_encryption_secret.empty());

  // The YAML form parses back and validates.
  Diagnostics diags;
  auto back = parse_secrets(secrets_to_yaml(*b), "gen.yaml", diags);
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(diags.empty()) << render_text(diags);
  EXPECT_EQ(back->os.key, b->os.key);
}

TEST(Secrets, OlderContractsUseEcdsaServiceAccountKey) {
  auto b = generate_secrets(Contract{1, 6});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(pki::pem_label(b->k8s_service_account.key), "EC PRIVATE KEY");
}

TEST(Secrets, ValidationErrorsAreLocated) {
  std::string text = test::read_text(test::upstream_path("talos/stability/secrets.yaml"));
  // Break the bootstrap token, drop a key and swap the os key for the etcd key.
  text.replace(text.find("inn7ol.u4ehnti8qyls9ymo"), 23, "not-a-token");
  text.replace(text.find("    id: "), 8, "    idd: ");
  test::TempDir dir;
  std::string path = dir.write("talsecret.yaml", text);
  Diagnostics diags;
  auto b = load_secrets_file(path, diags);
  ASSERT_TRUE(b.has_value());
  std::string out = render_text(diags, RenderOptions{false, false});
  EXPECT_NE(out.find("talsecret.yaml:6:21: error: 'secrets.bootstraptoken' is not a Talos token [secrets-invalid]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("'cluster.id'"), std::string::npos) << out;
  EXPECT_NE(out.find("unknown"), std::string::npos) << out;
}

TEST(Secrets, MismatchedKeyIsReported) {
  auto b = generate_secrets(Contract{1, 11});
  ASSERT_TRUE(b.has_value());
  b->os.key = b->etcd.key;
  Diagnostics diags;
  auto back = parse_secrets(secrets_to_yaml(*b), "swap.yaml", diags);
  ASSERT_TRUE(back.has_value());
  EXPECT_NE(render_text(diags).find("'certs.os.key' does not belong to the certificate"), std::string::npos)
      << render_text(diags);
}

TEST(Secrets, DefaultFileSearchPicksTheLastExisting) {
  test::TempDir dir;
  EXPECT_FALSE(find_secrets_file(dir.path()).has_value());
  dir.write("talsecret.yaml", "x");
  dir.write("talsecret.yml", "x");
  EXPECT_EQ(*find_secrets_file(dir.path()), dir.path() + "/talsecret.yml");
  EXPECT_EQ(*find_secrets_file(dir.path(), "other.yaml"), "other.yaml");
}

TEST(Secrets, WrittenWithMode0600) {
  auto b = generate_secrets(Contract{1, 11});
  ASSERT_TRUE(b.has_value());
  test::TempDir dir;
  std::string path = dir.file("out/talsecret.yaml");
  ASSERT_TRUE(write_secrets(path, *b).has_value());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Pki, ClientCertificateIsSignedByTheCaAndReproducible) {
  auto b = generate_secrets(Contract{1, 11});
  ASSERT_TRUE(b.has_value());
  pki::ClientCertOptions opts;
  opts.organization = "os:admin";
  opts.not_before = 1700000000;
  opts.ed25519_seed = std::string(32, '\x01');
  opts.serial = std::string(16, '\x02');
  auto c1 = pki::issue_client_cert({b->os.crt, b->os.key}, opts);
  auto c2 = pki::issue_client_cert({b->os.crt, b->os.key}, opts);
  ASSERT_TRUE(c1.has_value()) << c1.error().describe();
  EXPECT_EQ(c1->crt, c2->crt);
  EXPECT_TRUE(*pki::cert_signed_by(c1->crt, b->os.crt));
  EXPECT_FALSE(*pki::cert_signed_by(c1->crt, b->etcd.crt));
  auto info = pki::inspect_cert(c1->crt);
  EXPECT_EQ(info->subject, "O=os:admin");
  EXPECT_EQ(info->issuer, "O=talos");
  EXPECT_FALSE(info->is_ca);
}
