// SOPS decryption against talhelper's encrypted fixtures (tests/fixtures/upstream/talhelper, encrypted
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
    setenv("SOPS_AGE_KEY_FILE", test::upstream_path("talhelper/example/key.txt").c_str(), 1);
    setenv("XDG_CONFIG_HOME", m_tmp.path().c_str(), 1);  // no stray ~/.config/sops keys
  }
  void TearDown() override { unsetenv("SOPS_AGE_KEY_FILE"); }

  std::string fixture(const std::string& rel) { return test::read_text(test::upstream_path("talhelper/" + rel)); }
  test::TempDir m_tmp;
};

}  // namespace

TEST_F(Sops, DetectsEncryptedFiles) {
  EXPECT_TRUE(is_sops_encrypted(fixture("testdata/decrypt/encrypted.yaml")));
  EXPECT_TRUE(is_sops_encrypted(fixture("testdata/decrypt/encrypted.json")));
  EXPECT_TRUE(is_sops_encrypted(fixture("testdata/decrypt/encrypted.env")));
  EXPECT_FALSE(is_sops_encrypted(fixture("testdata/decrypt/unencrypted.yaml")));
  EXPECT_FALSE(is_sops_encrypted(fixture("testdata/decrypt/unencrypted.json")));
  EXPECT_TRUE(is_sops_encrypted("sops: {}\n"));  // malformed metadata is an error, never plain text
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
  auto plain = read_maybe_sops(test::upstream_path("talhelper/testdata/decrypt/unencrypted.yaml"));
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(*plain, "hello: world\nsecret: mysecretvalue\n");
  auto enc = read_maybe_sops(test::upstream_path("talhelper/testdata/decrypt/encrypted.env"));
  ASSERT_TRUE(enc.has_value()) << enc.error().describe();
  EXPECT_EQ(*enc, "HELLO=world\nSECRET=mysecretvalue\n");
}

// ---------------------------------------------------------------------------------------------
// Hostile files (issue 11, items 2 and 8).

namespace {
std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return pos == std::string::npos ? text : text.replace(pos, from.size(), to);
}
}  // namespace

TEST_F(Sops, HugeEncryptedValueIsScannedNotRecursed) {
  // A 20 KB value crashed std::regex (stack overflow); now it is scanned and fails authentication.
  std::string big(20000, 'A');
  std::string text = replace_once(fixture("testdata/decrypt/encrypted.yaml"), "data:iLUHUNk=", "data:" + big);
  auto out = sops_decrypt_yaml(text, "big.yaml");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-decrypt");
  // A megabyte without separators is simply not an ENC value.
  std::string junk = replace_once(fixture("testdata/decrypt/encrypted.yaml"), "data:iLUHUNk=,",
                                  "data:" + std::string(1 << 20, ',') + ",");
  auto out2 = sops_decrypt_yaml(junk, "junk.yaml");
  ASSERT_FALSE(out2.has_value());
}

TEST_F(Sops, MalformedMetadataIsAnErrorNotPlainText) {
  std::string body = "hello: ENC[AES256_GCM,data:iLUHUNk=,iv:AA==,tag:AA==,type:str]\n";
  for (const char* meta : {"sops: garbage\n", "sops: {}\n", "sops: null\n", "sops: []\n", "sops: 42\n",
                           "sops:\n  age: nope\n  lastmodified: '2026-04-09T14:57:12Z'\n",
                           "sops:\n  age: [{recipient: x, enc: y}]\n  lastmodified: yesterday\n"}) {
    std::string text = body + meta;
    EXPECT_TRUE(is_sops_encrypted(text)) << meta;
    auto out = sops_decrypt_yaml(text, "meta.yaml");
    ASSERT_FALSE(out.has_value()) << meta;
    EXPECT_EQ(out.error().rule, "sops-metadata") << meta << out.error().message;
  }
  m_tmp.write("t.sops.yaml", body + "sops: garbage\n");
  auto read = read_maybe_sops(m_tmp.file("t.sops.yaml"));
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().rule, "sops-metadata");
  // JSON: a "sops" key of the wrong shape is refused the same way.
  auto json = sops_decrypt(R"({"a": "ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]", "sops": "x"})", "m.json",
                           SopsFormat::json);
  ASSERT_FALSE(json.has_value());
  EXPECT_EQ(json.error().rule, "sops-metadata");
}

TEST_F(Sops, MoreThanOneEncryptionRuleIsRefusedAsSopsDoes) {
  std::string text = replace_once(fixture("testdata/decrypt/encrypted.yaml"), "    unencrypted_suffix: _unencrypted\n",
                                  "    unencrypted_suffix: _unencrypted\n    encrypted_regex: ^data$\n");
  auto out = sops_decrypt_yaml(text, "two.yaml");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-metadata");
  EXPECT_NE(out.error().message.find("more than one"), std::string::npos);
}

TEST_F(Sops, UnsafeOrInvalidRegexIsAClearError) {
  for (const char* re : {"(", "(?=lookahead)", "(a)\\1", "a{5000}"}) {
    std::string text = replace_once(fixture("testdata/decrypt/encrypted.yaml"), "    unencrypted_suffix: _unencrypted\n",
                                    std::string("    encrypted_regex: '") + re + "'\n");
    auto out = sops_decrypt_yaml(text, "re.yaml");
    ASSERT_FALSE(out.has_value()) << re;
    EXPECT_EQ(out.error().rule, "sops-metadata") << re;
    EXPECT_NE(out.error().message.find("encrypted_regex"), std::string::npos);
  }
}

TEST_F(Sops, CatastrophicRegexOnALongKeyFinishes) {
  // (a|aa)+$ on 30,000 'a's and a '!' backtracks for longer than the universe in std::regex; the
  // metadata is not authenticated before this runs, so it must stay linear. The key does not
  // match, so its plain value must have been encrypted: a format error, reached quickly.
  std::string key(30000, 'a');
  // An explicit key (`? ...`): YAML caps implicit keys at 1024 characters.
  std::string text = "? " + key + "!\n: plain\n" + fixture("testdata/decrypt/encrypted.yaml");
  text = replace_once(text, "    unencrypted_suffix: _unencrypted\n", "    unencrypted_regex: ^(a|aa)+$\n");
  auto out = sops_decrypt_yaml(text, "slow.yaml");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-format");
}

TEST_F(Sops, UnknownValueTypeIsRefusedWithoutShowingThePlaintext) {
  std::string text = replace_once(fixture("testdata/decrypt/encrypted.yaml"), "type:str]\nsecret", "type:weird]\nsecret");
  auto out = sops_decrypt_yaml(text, "type.yaml");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().rule, "sops-format");
  EXPECT_NE(out.error().message.find("unknown type 'weird'"), std::string::npos);
  EXPECT_EQ(out.error().message.find("world"), std::string::npos);  // the decrypted value of `hello`
  // A str value declared int is refused as strconv.Atoi refuses it.
  std::string as_int = replace_once(fixture("testdata/decrypt/encrypted.yaml"), "type:str]\nsecret", "type:int]\nsecret");
  auto out2 = sops_decrypt_yaml(as_int, "int.yaml");
  ASSERT_FALSE(out2.has_value());
  EXPECT_NE(out2.error().message.find("not a valid int"), std::string::npos);
  EXPECT_EQ(out2.error().message.find("world"), std::string::npos);
}
