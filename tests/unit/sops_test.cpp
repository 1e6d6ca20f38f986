// SOPS decryption against talhelper's encrypted fixtures (../shared/fixtures/talhelper, encrypted
// to the age key committed upstream as example/key.txt), plus tampered copies.

#include <gtest/gtest.h>

#include <cstdlib>

#include <talhelper/sops.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::talhelper;

namespace {

class Sops : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("SOPS_AGE_KEY");
    setenv("SOPS_AGE_KEY_FILE", test::shared_path("fixtures/talhelper/example/key.txt").c_str(), 1);
    setenv("XDG_CONFIG_HOME", m_tmp.path().c_str(), 1);  // no stray ~/.config/sops keys
  }
  void TearDown() override { unsetenv("SOPS_AGE_KEY_FILE"); }

  std::string fixture(const std::string& rel) { return test::read_text(test::shared_path("fixtures/talhelper/" + rel)); }
  test::TempDir m_tmp;
};

}  // namespace

TEST_F(Sops, DetectsEncryptedFiles) {
  EXPECT_TRUE(is_sops_encrypted(fixture("testdata/decrypt/encrypted.yaml")));
  EXPECT_TRUE(is_sops_encrypted(fixture("testdata/decrypt/encrypted.json")));
  EXPECT_TRUE(is_sops_encrypted(fixture("testdata/decrypt/encrypted.env")));
  EXPECT_FALSE(is_sops_encrypted(fixture("testdata/decrypt/unencrypted.yaml")));
  EXPECT_FALSE(is_sops_encrypted(fixture("testdata/decrypt/unencrypted.json")));
  EXPECT_FALSE(is_sops_encrypted("sops: {}\n"));
  EXPECT_FALSE(is_sops_encrypted("note: the word sops: appears in text\n"));
}

TEST_F(Sops, DecryptsYamlToThePlainDocument) {
  auto out = sops_decrypt_yaml(fixture("testdata/decrypt/encrypted.yaml"), "encrypted.yaml");
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  EXPECT_EQ(*out, fixture("testdata/decrypt/unencrypted.yaml"));
}

TEST_F(Sops, DecryptsJson) {
  auto out = sops_decrypt(fixture("testdata/decrypt/encrypted.json"), "encrypted.json", SopsFormat::json);
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  EXPECT_NE(out->find("\"hello\": \"world\""), std::string::npos) << *out;
  EXPECT_NE(out->find("\"secret\": \"mysecretvalue\""), std::string::npos) << *out;
  EXPECT_EQ(out->find("sops"), std::string::npos);
}

TEST_F(Sops, DecryptsDotenv) {
  auto out = sops_decrypt(fixture("testdata/decrypt/encrypted.env"), "encrypted.env", SopsFormat::dotenv);
  ASSERT_TRUE(out.has_value()) << out.error().describe();
  EXPECT_EQ(*out, "HELLO=world\nSECRET=mysecretvalue\n");
}

TEST_F(Sops, DecryptsNestedPathsAndEnvFiles) {
  // The additional data of a nested value is its key path ("machine:network:hostname:").
  auto patch = sops_decrypt_yaml(fixture("testdata/patcher/encrypted.sops.yaml"), "encrypted.sops.yaml");
  ASSERT_TRUE(patch.has_value()) << patch.error().describe();
  EXPECT_NE(patch->find("machine:\n    network:\n        hostname: "), std::string::npos) << *patch;
  auto env = sops_decrypt_yaml(fixture("example/talenv.yaml"), "talenv.yaml");
  ASSERT_TRUE(env.has_value()) << env.error().describe();
  EXPECT_NE(env->find("myDomainName: "), std::string::npos);
  EXPECT_EQ(env->find("ENC["), std::string::npos);
  auto file3 = sops_decrypt_yaml(fixture("testdata/substitute/file3.sops.yaml"), "file3.sops.yaml");
  ASSERT_TRUE(file3.has_value()) << file3.error().describe();
}

TEST_F(Sops, IdentityFromSopsAgeKeyVariable) {
  std::string key = fixture("example/key.txt");
  unsetenv("SOPS_AGE_KEY_FILE");
  setenv("SOPS_AGE_KEY", key.c_str(), 1);
  auto out = sops_decrypt_yaml(fixture("testdata/decrypt/encrypted.yaml"), "encrypted.yaml");
  unsetenv("SOPS_AGE_KEY");
  ASSERT_TRUE(out.has_value()) << out.error().describe();
}

TEST_F(Sops, WrongKeyIsAClearError) {
  setenv("SOPS_AGE_KEY_FILE", test::source_path("tests/fixtures/talconfig/wrong-age-key.txt").c_str(), 1);
  auto out = sops_decrypt_yaml(fixture("testdata/decrypt/encrypted.yaml"), "encrypted.yaml");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-wrong-key");
  EXPECT_NE(out.error().message.find("can decrypt the data key"), std::string::npos) << out.error().message;
}

TEST_F(Sops, NoIdentityIsAClearError) {
  unsetenv("SOPS_AGE_KEY_FILE");
  std::string home = getenv("HOME") != nullptr ? getenv("HOME") : "";
  setenv("HOME", m_tmp.path().c_str(), 1);
  auto out = sops_decrypt_yaml(fixture("testdata/decrypt/encrypted.yaml"), "encrypted.yaml");
  setenv("HOME", home.c_str(), 1);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-no-key");
}

TEST_F(Sops, TamperedValueFailsAuthentication) {
  std::string text = fixture("testdata/decrypt/encrypted.yaml");
  size_t pos = text.find("data:iLUHUNk=");
  ASSERT_NE(pos, std::string::npos);
  text[pos + 5] = text[pos + 5] == 'A' ? 'B' : 'A';
  auto out = sops_decrypt_yaml(text, "tampered.yaml");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-decrypt");
}

TEST_F(Sops, ReorderedValuesFailTheMac) {
  // Each value still decrypts (its additional data is its own path), but the MAC covers the order.
  std::string text = fixture("testdata/decrypt/encrypted.yaml");
  size_t nl = text.find('\n');
  size_t nl2 = text.find('\n', nl + 1);
  std::string first = text.substr(0, nl + 1);
  std::string second = text.substr(nl + 1, nl2 - nl);
  std::string swapped = second + first + text.substr(nl2 + 1);
  auto out = sops_decrypt_yaml(swapped, "swapped.yaml");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-mac");
  EXPECT_NE(out.error().message.find("MAC mismatch"), std::string::npos);
}

TEST_F(Sops, RemovedValueFailsTheMac) {
  std::string text = fixture("testdata/decrypt/encrypted.yaml");
  size_t nl = text.find('\n');
  auto out = sops_decrypt_yaml(text.substr(nl + 1), "cut.yaml");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-mac");
}

TEST_F(Sops, TamperedMacIsDetected) {
  std::string text = fixture("testdata/decrypt/encrypted.yaml");
  size_t pos = text.find("mac: ENC[AES256_GCM,data:");
  ASSERT_NE(pos, std::string::npos);
  size_t at = pos + std::string("mac: ENC[AES256_GCM,data:").size() + 3;
  text[at] = text[at] == 'A' ? 'B' : 'A';
  auto out = sops_decrypt_yaml(text, "badmac.yaml");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-mac");
}

TEST_F(Sops, ReadMaybeSopsPassesPlainFilesThrough) {
  auto plain = read_maybe_sops(test::shared_path("fixtures/talhelper/testdata/decrypt/unencrypted.yaml"));
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(*plain, "hello: world\nsecret: mysecretvalue\n");
  auto enc = read_maybe_sops(test::shared_path("fixtures/talhelper/testdata/decrypt/encrypted.env"));
  ASSERT_TRUE(enc.has_value()) << enc.error().describe();
  EXPECT_EQ(*enc, "HELLO=world\nSECRET=mysecretvalue\n");
}
