// The surface a user installs and wires into CI: `talgpu version` (reproducible build identity and
// catalog coverage), shell completions generated from the command definitions, the man page, and
// standard input as "-".

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <app/app.hpp>
#include <app/completion.hpp>
#include <app/manpage.hpp>
#include <check/rules.hpp>
#include <core/build_info.hpp>
#include <imagefactory/extensions_catalog.hpp>
#include <nvidia/catalog.hpp>
#include <talos/defaults.hpp>

#include "test_support.hpp"

namespace talgpu {
namespace {

using test::run_command;
using test::source_path;
using test::talgpu_binary;
using test::TempDir;

std::string bin() {
  return "'" + talgpu_binary() + "'";
}

// ---- version -----------------------------------------------------------------------------------

TEST(Version, CommitAndDateComeFromGit) {
  std::string src = source_path("");
  auto head = run_command("git -C '" + src + "' rev-parse HEAD");
  if (head.rc != 0) {
    GTEST_SKIP() << "no git checkout";
  }
  if (std::getenv("SOURCE_DATE_EPOCH") != nullptr) {
    GTEST_SKIP() << "SOURCE_DATE_EPOCH overrides the commit date";
  }
  // The binary records the commit it was built from: HEAD, or an ancestor when commits were made
  // since the last build (a rebuild catches up); the date is that commit's date.
  std::string built = build_info().commit;
  auto ancestor = run_command("git -C '" + src + "' merge-base --is-ancestor " + built + " HEAD");
  EXPECT_EQ(ancestor.rc, 0) << built << " is not HEAD (" << head.out << ") or an ancestor of it";
  auto date = run_command("TZ=UTC git -C '" + src + "' log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd " + built);
  EXPECT_EQ(std::string(build_info().date) + "\n", date.out);
  EXPECT_STREQ(build_info().date_source, "git commit");
}

TEST(Version, BuildDateHonoursSourceDateEpochAndIsReproducible) {
  TempDir tmp;
  std::string script = source_path("cmake/build_info.cmake");
  std::string cmd = "SOURCE_DATE_EPOCH=1700000000 cmake -DSOURCE_DIR='" + tmp.path() + "' -DVERSION=9.9.9 -DOUT=";
  auto a = run_command(cmd + tmp.file("a.cpp") + " -P '" + script + "'");
  auto b = run_command(cmd + tmp.file("b.cpp") + " -P '" + script + "'");
  ASSERT_EQ(a.rc, 0) << a.err;
  ASSERT_EQ(b.rc, 0) << b.err;
  std::string text = test::read_text(tmp.file("a.cpp"));
  EXPECT_EQ(text, test::read_text(tmp.file("b.cpp")));  // two builds, the same bytes
  EXPECT_NE(text.find("\"2023-11-14T22:13:20Z\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"SOURCE_DATE_EPOCH\""), std::string::npos);
  EXPECT_NE(text.find("\"9.9.9\", \"unknown\""), std::string::npos);  // not a git checkout
  // Without SOURCE_DATE_EPOCH and without git there is no date: never the wall clock.
  auto c = run_command("env -u SOURCE_DATE_EPOCH cmake -DSOURCE_DIR='" + tmp.path() + "' -DVERSION=9.9.9 -DOUT=" +
                       tmp.file("c.cpp") + " -P '" + script + "'");
  ASSERT_EQ(c.rc, 0) << c.err;
  EXPECT_NE(test::read_text(tmp.file("c.cpp")).find("\"unknown\", \"unknown\"}"), std::string::npos);
}

TEST(Version, JsonCarriesTheCatalogsCoverage) {
  auto r = run_command(bin() + " -o json version");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["version"], TALGPU_VERSION);
  EXPECT_EQ(j["commit"], build_info().commit);
  EXPECT_EQ(j["buildDate"], build_info().date);
  EXPECT_EQ(j["defaultTalosVersion"], talos::k_default_talos_version);
  auto ext = imagefactory::catalog_info();
  EXPECT_EQ(j["catalogs"]["extensions"]["updated"], "2026-08-21");
  EXPECT_EQ(j["catalogs"]["extensions"]["newestTalos"], "v1.14.0");  // a release, not v1.14.0-rc.1
  EXPECT_EQ(j["catalogs"]["extensions"]["oldestTalos"], "v1.2.0");
  EXPECT_EQ(j["catalogs"]["extensions"]["talosVersions"], ext.versions);
  EXPECT_EQ(j["catalogs"]["nvidiaDrivers"]["talosLast"], "v" + nvidia::newest_known_talos().str());
  EXPECT_EQ(j["catalogs"]["nvidiaDrivers"]["talosFirst"], "v1.8.0");
  auto lts = j["catalogs"]["nvidiaDrivers"]["lts"];
  ASSERT_FALSE(lts.empty());
  EXPECT_EQ(lts.front(), "535.183.06");  // oldest first, each once
  std::set<std::string> unique(lts.begin(), lts.end());
  EXPECT_EQ(unique.size(), lts.size());
}

TEST(Version, RootFlagAgreesWithTheCommand) {
  for (std::string out : {"", "-o json "}) {
    auto a = run_command(bin() + " " + out + "version");
    auto b = run_command(bin() + " " + out + "--version");
    EXPECT_EQ(a.rc, 0);
    EXPECT_EQ(b.rc, 0);
    EXPECT_EQ(a.out, b.out) << out;
  }
}

TEST(Version, DefaultTalosVersionIsInTheCatalog) {
  EXPECT_TRUE(imagefactory::catalog_has_version(talos::k_default_talos_version));
}

// ---- completion --------------------------------------------------------------------------------

struct Cli {
  CLI::App root{"talgpu", "talgpu"};
  GlobalFlags g;
  Context ctx;
  std::vector<CommandRun> runs;
  Cli() { define_cli(root, g, ctx, runs); }
};

void every_name(const CliCommand& c, std::vector<std::string>& commands, std::vector<std::string>& options) {
  for (const auto& o : c.options) {
    options.insert(options.end(), o.names.begin(), o.names.end());
  }
  for (const auto& s : c.subcommands) {
    commands.push_back(s.name);
    every_name(s, commands, options);
  }
}

TEST(Completion, ModelHasEveryCommandOptionAndChoice) {
  Cli cli;
  CliCommand m = cli_model(cli.root);
  ASSERT_EQ(m.subcommands.size(), command_table().size());
  const CliCommand* genurl = nullptr;
  for (const auto& c : m.subcommands) {
    if (c.name == "genurl") {
      genurl = &c;
    }
    if (c.name == "explain") {
      EXPECT_EQ(c.positional, ValueKind::rules);
    }
  }
  ASSERT_NE(genurl, nullptr);
  ASSERT_EQ(genurl->subcommands.size(), 2u);
  bool node = false;
  for (const auto& o : genurl->subcommands[0].options) {
    if (std::find(o.names.begin(), o.names.end(), "--node") != o.names.end()) {
      node = o.kind == ValueKind::nodes && o.takes_value;
    }
  }
  EXPECT_TRUE(node);
  bool output = false;
  for (const auto& o : m.options) {
    if (o.names == std::vector<std::string>{"-o", "--output"}) {
      output = o.kind == ValueKind::choices && o.choices == std::vector<std::string>{"text", "json", "sarif"};
    }
  }
  EXPECT_TRUE(output);
}

TEST(Completion, ScriptsNameEveryCommandAndFlag) {
  Cli cli;
  CliCommand m = cli_model(cli.root);
  std::vector<std::string> commands, options;
  every_name(m, commands, options);
  ASSERT_GT(options.size(), 50u);
  std::string bash = bash_completion(m), zsh = zsh_completion(m), fish = fish_completion(m);
  for (const auto& c : commands) {
    EXPECT_NE(bash.find(c), std::string::npos) << c;
    EXPECT_NE(fish.find(" -a " + c), std::string::npos) << c;
  }
  for (const auto& o : options) {
    EXPECT_NE(bash.find(o), std::string::npos) << o;
    std::string fish_form = o.size() == 2 ? "-s " + o.substr(1) : "-l " + o.substr(2);
    EXPECT_NE(fish.find(fish_form), std::string::npos) << o;
  }
  EXPECT_EQ(zsh.rfind("#compdef talgpu\n", 0), 0u);
  EXPECT_NE(zsh.find("bashcompinit"), std::string::npos);
}

TEST(Completion, BashScriptIsValidAndCompletes) {
  TempDir tmp;
  auto script = run_command(bin() + " completion bash > '" + tmp.file("talgpu.bash") + "'");
  ASSERT_EQ(script.rc, 0) << script.err;
  auto syntax = run_command("bash -n '" + tmp.file("talgpu.bash") + "'");
  EXPECT_EQ(syntax.rc, 0) << syntax.err;
  // Drive the completion function as bash does: COMP_WORDS/COMP_CWORD in, COMPREPLY out.
  std::string dir = talgpu_binary().substr(0, talgpu_binary().rfind('/'));
  auto complete = [&](const std::string& words, const std::string& cwd = "") {
    std::string line = "cd '" + (cwd.empty() ? source_path("") : cwd) + "' && PATH='" + dir + "':$PATH; source '" +
                       tmp.file("talgpu.bash") + "'; COMP_WORDS=(" + words +
                       "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _talgpu; echo \"${COMPREPLY[*]}\"";
    auto r = run_command(line);
    EXPECT_EQ(r.rc, 0) << r.err;
    return r.out;
  };
  EXPECT_EQ(complete("talgpu gen"), "genurl gensecret gen genconfig gencommand\n");  // command table order
  EXPECT_EQ(complete("talgpu genurl ''"), "installer image\n");
  EXPECT_EQ(complete("talgpu -o ''"), "text json sarif\n");
  EXPECT_EQ(complete("talgpu -o json chec"), "check\n");  // the value of -o is not the command
  EXPECT_EQ(complete("talgpu check --fail-on w"), "warning\n");
  EXPECT_EQ(complete("talgpu explain cuda-minor"), "cuda-minor-compat\n");
  EXPECT_EQ(complete("talgpu genurl installer -c examples/goldentooth/talconfig.yaml --node ''"),
            "allyrion bettley cargyll dalt erenford fenn velaryon\n");
  EXPECT_EQ(complete("talgpu schematic --node v", source_path("examples/goldentooth")), "velaryon\n");
  EXPECT_EQ(complete("talgpu gen config --output-t"), "--output-types\n");
}

TEST(Completion, ListsRulesAndNodes) {
  auto rules = run_command(bin() + " completion --list rules");
  ASSERT_EQ(rules.rc, 0);
  std::string want;
  for (const auto& id : check::rule_ids()) {
    want += id + "\n";
  }
  EXPECT_EQ(rules.out, want);
  auto nodes = run_command(bin() + " completion --list nodes -c '" + source_path("examples/goldentooth/talconfig.yaml") + "'");
  EXPECT_EQ(nodes.rc, 0);
  EXPECT_EQ(nodes.out, "allyrion\nbettley\ncargyll\ndalt\nerenford\nfenn\nvelaryon\n");
  // No talconfig: no names and no noise (completion never prints errors into the prompt).
  TempDir tmp;
  auto none = run_command("cd '" + tmp.path() + "' && " + bin() + " completion --list nodes");
  EXPECT_EQ(none.rc, 0);
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(none.err, "");
  auto no_shell = run_command(bin() + " completion");
  EXPECT_EQ(no_shell.rc, 2);
  auto bad_shell = run_command(bin() + " completion tcsh");
  EXPECT_EQ(bad_shell.rc, 2);
}

// ---- help ---------------------------------------------------------------------------------------

void check_help(const CliCommand& c, const std::string& path) {
  for (const auto& o : c.options) {
    EXPECT_FALSE(o.help.empty()) << path << " " << o.names.back() << " has no help";
  }
  for (const auto& s : c.subcommands) {
    std::string sub = path + " " + s.name;
    auto r = run_command(bin() + " help" + sub);
    EXPECT_EQ(r.rc, 0) << sub << r.err;
    EXPECT_NE(r.out.find("Usage: talgpu" + sub), std::string::npos) << sub << "\n" << r.out;  // its own help
    EXPECT_NE(r.out.find("Examples:\n  talgpu "), std::string::npos) << sub << " has no examples";
    check_help(s, sub);
  }
}

TEST(Help, EveryFlagHasHelpAndEveryCommandExamples) {
  Cli cli;
  check_help(cli_model(cli.root), "");
}

// ---- man page ----------------------------------------------------------------------------------

TEST(ManPage, EscapesTroff) {
  EXPECT_EQ(troff_escape("a-b"), "a\\-b");
  EXPECT_EQ(troff_escape(".TH x\n'quote\nx.y"), "\\&.TH x\n\\&'quote\nx.y");
  EXPECT_EQ(troff_escape("C:\\dir"), "C:\\edir");
}

TEST(ManPage, HasEveryCommandsHelp) {
  auto r = run_command(bin() + " help --man");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.rfind(".TH TALGPU 1 \"" + std::string(build_info().date).substr(0, 10) + "\"", 0), 0u) << r.out.substr(0, 80);
  for (const auto& c : command_table()) {
    EXPECT_NE(r.out.find(".SS \"talgpu " + std::string(c.name) + "\""), std::string::npos) << c.name;
  }
  EXPECT_NE(r.out.find(".SS \"talgpu genurl installer\""), std::string::npos);
  EXPECT_NE(r.out.find(".SS \"talgpu gen config\""), std::string::npos);
  // Lines starting with a dot are only our requests: help text never starts a line with '.'.
  auto man = run_command("command -v man >/dev/null || exit 77; " + bin() +
                         " help --man > /tmp/talgpu-man-$$.1 && MANWIDTH=100 man -l /tmp/talgpu-man-$$.1 2>&1 | "
                         "grep -c 'genurl installer'; rm -f /tmp/talgpu-man-$$.1");
  if (man.rc != 77) {
    EXPECT_NE(man.out, "0\n") << man.out;
  }
}

// ---- standard input ----------------------------------------------------------------------------

TEST(Stdin, DashReadsStandardInput) {
  std::string pod = source_path("tests/cli/cases");
  auto ps = run_command("printf 'apiVersion: v1\\nkind: Pod\\nmetadata: {name: a}\\nspec:\\n  containers:\\n  - name: c\\n"
                        "    image: x\\n    securityContext: {privileged: true}\\n' | " +
                        bin() + " podsecurity --level baseline -");
  EXPECT_EQ(ps.rc, 1) << ps.err;
  EXPECT_EQ(ps.out.rfind("-:1: Pod a: denied (baseline:latest)\n", 0), 0u) << ps.out;
  auto v = run_command("cd '" + source_path("examples/goldentooth") + "' && " + bin() + " validate - < talconfig.yaml");
  auto f = run_command("cd '" + source_path("examples/goldentooth") + "' && " + bin() + " validate talconfig.yaml");
  EXPECT_EQ(v.rc, f.rc) << v.err;
  auto c = run_command("printf 'apiVersion: v1\\nkind: Pod\\nmetadata: {name: a}\\nspec:\\n  containers:\\n  - name: c\\n"
                       "    image: x\\n    resources: {limits: {nvidia.com/gpu: 1}}\\n' | " +
                       bin() + " -o json check -");
  EXPECT_EQ(c.rc, 0) << c.err << c.out;
  EXPECT_NE(c.out.find("\"workload\": \"default/Pod/a\""), std::string::npos) << c.out;  // read from stdin
}

}  // namespace
}  // namespace talgpu
