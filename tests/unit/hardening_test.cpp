// Issue 11 (hardening): one regression test per finding that is not covered in its own module's
// tests (SOPS: sops_test.cpp; the regex engine: core_linear_regex_test.cpp; replayed fuzz inputs:
// fuzz_regressions_test.cpp).

#include <gtest/gtest.h>

#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <core/diagnostic.hpp>
#include <core/fs.hpp>
#include <core/source.hpp>
#include <core/strings.hpp>
#include <core/term.hpp>
#include <kube/manifest_loader.hpp>
#include <kube/nodes_json.hpp>
#include <talhelper/genconfig.hpp>
#include <talhelper/talconfig.hpp>
#include <talos/secrets.hpp>
#include <yaml/document.hpp>
#include <yaml/emit.hpp>

#include "test_support.hpp"

using namespace talgpu;
namespace fs = std::filesystem;

// --- Item 1: sensitive sources are never quoted --------------------------------------------------

TEST(Hardening, SensitiveSourceLinesAreNeverRendered) {
  auto docs = yaml::parse("cluster:\n  token: s3cr3t-b00tstrap\n", "talsecret.sops.yaml");
  ASSERT_TRUE(docs.has_value());
  Diagnostic d{Severity::error, "secrets-invalid", "'cluster.token' is not a Talos token",
               SourceLocation{"talsecret.sops.yaml", 2, 10}, ""};
  EXPECT_NE(render_text(d).find("s3cr3t"), std::string::npos);  // a plain file is quoted
  SourceRegistry::instance().mark_sensitive("talsecret.sops.yaml");
  std::string text = render_text(d);
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
  EXPECT_NE(text.find("talsecret.sops.yaml:2:10"), std::string::npos);  // file, line, field remain
  EXPECT_EQ(SourceRegistry::instance().line_of("talsecret.sops.yaml", 2), "");
  // A text registered again under the name stays hidden.
  ASSERT_TRUE(yaml::parse("x: another-secret\n", "talsecret.sops.yaml").has_value());
  EXPECT_EQ(SourceRegistry::instance().line_of("talsecret.sops.yaml", 1), "");
}

TEST(Hardening, SecretsBundleLinesAreNeverRendered) {
  Diagnostics diags;
  auto b = talos::parse_secrets("cluster:\n  id: not-base64-%%%\n", "bundle-under-test.yaml", diags);
  (void)b;
  EXPECT_TRUE(SourceRegistry::instance().is_sensitive("bundle-under-test.yaml"));
  EXPECT_EQ(render_text(diags).find("not-base64-%%%"), std::string::npos) << render_text(diags);
}

// --- Item 3: output confined to its folder, no symlink followed -----------------------------------

TEST(Hardening, WritesOutsideTheOutputFolderAreRefused) {
  test::TempDir tmp;
  std::string out = tmp.file("out");
  WriteOptions w;
  w.confine_to = out;
  w.mode = 0600;
  for (const char* rel : {"/../escape.yaml", "/a/../../escape.yaml", "/..", "/"}) {
    auto r = write_file_atomic(out + rel, "key", w);
    ASSERT_FALSE(r.has_value()) << rel;
    EXPECT_TRUE(r.error().rule == "output-outside" || r.error().rule == "io-write") << rel << r.error().message;
  }
  EXPECT_FALSE(fs::exists(tmp.file("escape.yaml")));
  ASSERT_TRUE(write_file_atomic(out + "/ok.yaml", "key", w).has_value());
  struct stat st {};
  ASSERT_EQ(::stat((out + "/ok.yaml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Hardening, PlantedSymlinksAreNotFollowed) {
  test::TempDir tmp;
  std::string victim = tmp.write("victim.txt", "precious\n");
  fs::create_directory(tmp.file("out"));
  fs::create_symlink(victim, tmp.file("out/cluster-n1.yaml"));
  WriteOptions w;
  w.confine_to = tmp.file("out");
  auto r = write_file_atomic(tmp.file("out/cluster-n1.yaml"), "private key", w);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "io-symlink");
  EXPECT_EQ(test::read_text(victim), "precious\n");
  // A symlinked folder below the output folder is refused too.
  fs::create_directory(tmp.file("elsewhere"));
  fs::create_directory_symlink(tmp.file("elsewhere"), tmp.file("out/sub"));
  w.create_parents = true;
  auto r2 = write_file_atomic(tmp.file("out/sub/x.yaml"), "private key", w);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().rule, "io-symlink");
  EXPECT_FALSE(fs::exists(tmp.file("elsewhere/x.yaml")));
}

TEST(Hardening, ClusterNameCannotLeaveTheOutputFolder) {
  test::TempDir tmp;
  tmp.write("talconfig.yaml",
            "clusterName: ../../escaped\ntalosVersion: v1.9.5\nkubernetesVersion: v1.32.3\n"
            "endpoint: https://10.0.0.1:6443\nnodes:\n  - hostname: n1\n    ipAddress: 10.0.0.2\n"
            "    controlPlane: true\n    installDisk: /dev/sda\n");
  Diagnostics diags;
  talhelper::LoadOptions lo;
  lo.path = tmp.file("talconfig.yaml");
  auto cfg = talhelper::load_talconfig(lo, diags);
  ASSERT_TRUE(cfg.has_value());
  bool flagged = false;
  for (const auto& d : diags.items()) {
    flagged = flagged || d.rule == "talconfig-cluster-name";
  }
  EXPECT_TRUE(flagged) << render_text(diags);
  // Even past validation, the generator refuses the name.
  talhelper::GenconfigOptions go;
  go.out_dir = tmp.file("out");
  auto name = talhelper::node_file_name(*cfg, cfg->nodes[0]);
  ASSERT_FALSE(name.has_value());
  EXPECT_EQ(name.error().rule, "genconfig-filename");
}

// --- Item 4: terminal escaping ----------------------------------------------------------------------

TEST(Hardening, ControlCharactersAreEscapedForTheTerminal) {
  EXPECT_EQ(terminal_safe("plain name-1"), "plain name-1");
  EXPECT_EQ(terminal_safe("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(terminal_safe("\x1b[2J\x1b]0;title\x07"), "\\x1b[2J\\x1b]0;title\\x07");
  EXPECT_EQ(terminal_safe("x\x7fy"), "x\\x7fy");
  EXPECT_EQ(terminal_safe("\xc2\x9b" "31m"), "\\u{009B}31m");                 // C1 CSI
  EXPECT_EQ(terminal_safe("a\xe2\x80\xae" "b"), "a\\u{202E}b");                // bidi override
  EXPECT_EQ(terminal_safe("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");  // UTF-8 kept
  EXPECT_EQ(terminal_safe("bad\xff"), "bad\\xff");
  // Multi-line output keeps layout and talgpu's own colours, nothing else.
  std::string ours = styled("error:", TextStyle::error, true);
  EXPECT_EQ(terminal_safe_text(ours + " x\n\ty"), ours + " x\n\ty");
  EXPECT_EQ(terminal_safe_text("\x1b[2J\x1b[1;31m"), "\\x1b[2J\x1b[1;31m");
}

TEST(Hardening, DiagnosticsCannotForgeLines) {
  Diagnostic d{Severity::error, "k8s-type", "key 'x\nfake.yaml:1:1: error: forged [rule]\x1b[2J' is odd",
               SourceLocation{"evil\nname.yaml", 3, 1}, "hint\x1b]0;t\x07"};
  std::string out = render_text(d, RenderOptions{false, false});
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;  // the message line and the hint line
}

// --- Items 5 and 6: manifest folders and FIFOs -----------------------------------------------------

TEST(Hardening, SymlinkLoopInAManifestFolderIsReported) {
  test::TempDir tmp;
  fs::create_directories(tmp.file("m/sub"));
  tmp.write("m/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n");
  fs::create_directory_symlink(tmp.file("m"), tmp.file("m/sub/loop"));
  Diagnostics diags;
  kube::ManifestLoadOptions mo;
  mo.paths = {tmp.file("m")};
  auto m = kube::load_manifests(mo, diags);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().rule, "manifest-symlink-loop");
}

TEST(Hardening, UnreadableManifestFolderIsAnError) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root reads every folder";
  }
  test::TempDir tmp;
  fs::create_directories(tmp.file("m/locked"));
  tmp.write("m/locked/pod.yaml", "apiVersion: v1\nkind: Pod\n");
  ::chmod(tmp.file("m/locked").c_str(), 0);
  Diagnostics diags;
  kube::ManifestLoadOptions mo;
  mo.paths = {tmp.file("m")};
  auto m = kube::load_manifests(mo, diags);
  ::chmod(tmp.file("m/locked").c_str(), 0755);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().rule, "io-read");
}

TEST(Hardening, FifosAreNeverOpenedForReading) {
  test::TempDir tmp;
  std::string fifo = tmp.file("nodes.json");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto r = read_file(fifo);  // would block forever without O_NONBLOCK + fstat
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("not a regular file"), std::string::npos);
  auto y = yaml::parse_file(fifo);
  ASSERT_FALSE(y.has_value());
  // A FIFO under an output's name is refused, not written through.
  WriteOptions w;
  w.confine_to = tmp.path();
  auto wr = write_file_atomic(fifo, "x", w);
  ASSERT_FALSE(wr.has_value());
  // In a manifest folder, it is skipped with a warning.
  fs::create_directory(tmp.file("m"));
  ASSERT_EQ(::mkfifo(tmp.file("m/pipe.yaml").c_str(), 0600), 0);
  Diagnostics diags;
  kube::ManifestLoadOptions mo;
  mo.paths = {tmp.file("m")};
  ASSERT_TRUE(kube::load_manifests(mo, diags).has_value());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].rule, "manifest-not-regular");
}

// --- Item 7: files read back and rewritten ------------------------------------------------------------

TEST(Hardening, GitignoreIsNeverReadThroughASymlink) {
  test::TempDir tmp;
  std::string key = tmp.write("id_ed25519", "PRIVATE KEY\n");
  fs::create_symlink(key, tmp.file(".gitignore"));
  auto r = read_file_nofollow(tmp.file(".gitignore"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "io-symlink");
  auto missing = read_file_nofollow(tmp.file("absent"));
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
}

TEST(Hardening, WideOutputFolderIsReported) {
  test::TempDir tmp;
  fs::create_directory(tmp.file("open"));
  ::chmod(tmp.file("open").c_str(), 0755);
  EXPECT_TRUE(folder_wider_than_private(tmp.file("open")).has_value());
  ::chmod(tmp.file("open").c_str(), 0700);
  EXPECT_FALSE(folder_wider_than_private(tmp.file("open")).has_value());
}

// --- Item 9: the emitter keeps a literal block's leading empty line ----------------------------------

TEST(Hardening, LiteralBlockKeepsLeadingEmptyLine) {
  for (const std::string v : {"\nfirst after empty\n", "\n\ntwo empty\n", "\n", "\nno newline at end"}) {
    yaml::Node root = yaml::Node::mapping();
    root.set("content", yaml::Node::string(v));
    for (const auto& opts : {yaml::goyaml_v3_options(4), yaml::goyaml_v3_options(2), yaml::kubernetes_options()}) {
      std::string text = yaml::emit(root, opts);
      auto back = yaml::parse_one(text, "emitted.yaml");
      ASSERT_TRUE(back.has_value()) << text;
      EXPECT_EQ(back->find("content")->value(), v) << text;
    }
  }
  // go-yaml v3's bytes: the header, an empty line, then the text.
  yaml::Node root = yaml::Node::mapping();
  root.set("content", yaml::Node::string("\nx\n"));
  EXPECT_EQ(yaml::emit(root, yaml::goyaml_v3_options(4)), "content: |4\n\n    x\n");
}

// --- Item 10: bounded work before the expensive step ------------------------------------------------

TEST(Hardening, DidYouMeanSkipsHugeWords) {
  std::vector<std::string> keys = {"clusterName", "endpoint", "nodes"};
  EXPECT_EQ(closest_match(std::string(4 << 20, 'x'), keys), std::nullopt);  // was 27 s and 1.2 GB
  EXPECT_EQ(closest_match("clustrName", keys), "clusterName");
  EXPECT_EQ(edit_distance(std::string(3000, 'a'), std::string(3000, 'b')), 3000u);  // rolling rows
}

TEST(Hardening, DeepBracketNestingIsRefusedBeforeParsing) {
  for (const std::string& text : {std::string(8 << 20, '['), "a: " + std::string(300, '{'),
                                  std::string("- ") + std::string(1000, '[')}) {
    auto r = yaml::parse(text, "deep.yaml");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().rule, "yaml-limit") << r.error().message;
  }
  // Brackets in scalars, quotes and comments are not nesting.
  std::string ok = "a: \"" + std::string(1000, '[') + "\"\nb: '" + std::string(1000, '{') + "'\n# " +
                   std::string(1000, '[') + "\nc: x" + std::string(1000, '[') + "\n";
  EXPECT_TRUE(yaml::parse(ok, "ok.yaml").has_value());
}

// --- Item 12: temporary files and scratch folders ---------------------------------------------------

TEST(Hardening, ScratchFolderIsRemovedUnlessKept) {
  test::TempDir tmp;
  std::string a = tmp.file("scratch-a");
  std::string b = tmp.file("scratch-b");
  fs::create_directory(a);
  fs::create_directory(b);
  {
    ScratchDir sa(a);
    ScratchDir sb(b);
    tmp.write("scratch-a/cp.yaml", "key");
    sb.keep();
  }
  EXPECT_FALSE(fs::exists(a));
  EXPECT_TRUE(fs::exists(b));
  // What the signal handler does: registered folders go, kept ones stay.
  std::string c = tmp.file("scratch-c");
  fs::create_directory(c);
  tmp.write("scratch-c/w.yaml", "key");
  ScratchDir sc(c);
  remove_registered_temporaries();
  EXPECT_FALSE(fs::exists(c));
}

TEST(Hardening, TempFilesMatchTheIgnoredPattern) {
  // write_file_atomic's temporary names (.<name>.tmp-XXXXXX) are what k_temp_file_pattern ignores.
  EXPECT_STREQ(k_temp_file_pattern, ".*.tmp-*");
  test::TempDir tmp;
  ASSERT_TRUE(write_file_atomic(tmp.file("a.yaml"), "x").has_value());
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    EXPECT_EQ(e.path().filename(), "a.yaml");  // no temporary left behind
  }
}

// --- Item 13: small ones ------------------------------------------------------------------------------

TEST(Hardening, EmptyNodesJsonIsAnError) {
  test::TempDir tmp;
  Diagnostics diags;
  for (const char* text : {"", "  \n\n"}) {
    auto r = kube::load_nodes_json(tmp.write("nodes.json", text), diags);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().rule, "nodes-empty");
  }
  auto empty_list = kube::load_nodes_json(tmp.write("list.json", R"({"kind":"List","items":[]})"), diags);
  EXPECT_TRUE(empty_list.has_value());  // a cluster without nodes is a real answer
}

TEST(Hardening, OneInputSizeLimit) {
  EXPECT_EQ(yaml::ParseOptions{}.max_bytes, k_max_input_bytes);
  test::TempDir tmp;
  std::string big = tmp.file("big.yaml");
  int fd = ::open(big.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(k_max_input_bytes) + 1), 0);  // sparse: no disk used
  ::close(fd);
  auto r = read_file(big);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "io-too-large");
}
