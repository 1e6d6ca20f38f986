// talhelper's Go templates: templated nodeLabels/nodeAnnotations (pkg/templating/template_test.go
// cases, evaluated against a v1alpha1 document) and filenameTmpl (pkg/config/outputfilename_test.go).
#include <gtest/gtest.h>

#include <talhelper/genconfig.hpp>
#include <talhelper/gotemplate.hpp>
#include <talhelper/talconfig.hpp>
#include <yaml/document.hpp>

using namespace talgpu;
using namespace talgpu::talos;
using namespace talgpu::talhelper;
using namespace talgpu::imagefactory;

namespace {

yaml::Node config_doc() {
  auto doc = yaml::parse_one(
      "version: v1alpha1\n"
      "machine:\n"
      "  type: worker\n"
      "  token: abcdef.0123456789abcdef\n"
      "  kubelet: {}\n"
      "  install:\n"
      "    disk: /dev/nvme0n1\n"
      "    image: factory.talos.dev/installer-secureboot/abc123:v1.11.1\n"
      "    extraKernelArgs: [a=1, b=2]\n"
      "    wipe: false\n"
      "  nodeLabels: {zone: z1, rack: 'r&d+1'}\n"
      "cluster:\n"
      "  clusterName: lab\n"
      "  controlPlane: {endpoint: 'https://10.0.0.10:6443'}\n",
      "cfg.yaml");
  EXPECT_TRUE(doc.has_value());
  return doc ? *doc : yaml::Node{};
}

std::string render(std::string_view text) {
  auto r = render_go_template(text, config_doc());
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message);
  return r ? *r : std::string("<error>");
}

std::string error_of(std::string_view text) {
  auto r = render_go_template(text, config_doc());
  EXPECT_FALSE(r.has_value()) << text << " rendered as " << (r ? *r : "");
  return r ? std::string() : r.error().message;
}

const std::vector<std::pair<std::string, std::string>> k_dummy = {{"DummyField1", "val1"}, {"DummyField2", "val2"}};

}  // namespace

// pkg/templating/template_test.go TestIsStringATemplate.
TEST(TalhelperTemplate, DetectsTemplatesAsTalhelperDoes) {
  EXPECT_FALSE(is_go_template(""));
  EXPECT_FALSE(is_go_template("some test value"));
  EXPECT_TRUE(is_go_template("{{ .Basic.Template }}"));
  EXPECT_TRUE(is_go_template("{{ }}"));
  EXPECT_TRUE(is_go_template("{{.No.Spaces}}"));
  EXPECT_FALSE(is_go_template("{ .No.Spaces }"));
  EXPECT_TRUE(is_go_template("{{"));
  EXPECT_TRUE(is_go_template("}}"));
  EXPECT_TRUE(is_go_template("}} {{ .Out.Of.Order }}"));
}

// pkg/templating/template_test.go TestRenderTemplate, over the same two-field struct.
TEST(TalhelperTemplate, TalhelperRenderCases) {
  auto r = [](std::string_view t) { return render_text_template(t, k_dummy); };
  EXPECT_EQ(r("{{ \"Simple Value\" }}").value(), "Simple Value");
  EXPECT_EQ(r("{{ .DummyField1 }}").value(), "val1");
  EXPECT_EQ(r("f1:{{ .DummyField1 }} f2:{{ .DummyField2 }}").value(), "f1:val1 f2:val2");
  EXPECT_EQ(r("{{ .DummyField1 | upper }}").value(), "VAL1");
  EXPECT_FALSE(r("{{ .NonExistantField }}").has_value());
}

// The examples of talhelper's documentation (docs: node annotations for system-upgrade-controller,
// example/talconfig.yaml isSecureBootEnabled).
TEST(TalhelperTemplate, MachineConfigFieldsAndSprigFunctions) {
  EXPECT_EQ(render("{{ .MachineConfig.MachineInstall.InstallImage }}"),
            "factory.talos.dev/installer-secureboot/abc123:v1.11.1");
  EXPECT_EQ(render("{{ .MachineConfig.MachineInstall.InstallImage | contains \"installer-secureboot\" }}"), "true");
  EXPECT_EQ(render("{{ contains \"metal-installer\" .MachineConfig.MachineInstall.InstallImage }}"), "false");
  EXPECT_EQ(render("{{ .ClusterConfig.ClusterName }}-{{ .MachineConfig.MachineType }}"), "lab-worker");
  EXPECT_EQ(render("{{ .ClusterConfig.ControlPlane.Endpoint }}"), "https://10.0.0.10:6443");
  EXPECT_EQ(render("{{ .MachineConfig.MachineInstall.InstallDisk | trimPrefix \"/dev/\" }}"), "nvme0n1");
  EXPECT_EQ(render("{{ .MachineConfig.MachineInstall.InstallWipe }}"), "false");
  EXPECT_EQ(render("{{ .MachineConfig.MachineInstall.InstallExtraKernelArgs }}"), "[a=1 b=2]");
  EXPECT_EQ(render("{{ .MachineConfig.MachineInstall.InstallImage | replace \":\" \"_\" | upper }}"),
            "FACTORY.TALOS.DEV/INSTALLER-SECUREBOOT/ABC123_V1.11.1");
  EXPECT_EQ(render("{{ .MachineConfig.MachineKubelet.KubeletImage | default \"none\" }}"), "none");
  EXPECT_EQ(render("a {{- \" b \" -}} c"), "a b c");
}

// html/template escapes what an action prints (& < > " ' + NUL), never the literal text.
TEST(TalhelperTemplate, ActionOutputIsHtmlEscapedLikeTalhelper) {
  EXPECT_EQ(render("x&y {{ .MachineConfig.MachineNodeLabels }}"), "x&y map[rack:r&amp;d&#43;1 zone:z1]");
  EXPECT_EQ(render("{{ \"<a href='x'>\" }}"), "&lt;a href=&#39;x&#39;&gt;");
}

TEST(TalhelperTemplate, LocatedErrorsForWhatIsNotSupported) {
  EXPECT_NE(error_of("{{ .MachineConfig.MachineToken }}").find("holds secrets"), std::string::npos);
  EXPECT_NE(error_of("{{ .MachineConfig.MachineNetwork.NetworkHostname }}").find("nil pointer evaluating"),
            std::string::npos);
  EXPECT_NE(error_of("{{ .MachineConfig.MachineInstal.InstallImage }}").find("supported: MachineType"),
            std::string::npos);
  EXPECT_NE(error_of("{{ .MachineConfig.MachineInstall }}").find("whole struct"), std::string::npos);
  EXPECT_NE(error_of("{{ .MachineConfig.MachineInstall.InstallImage.Foo }}").find("can't evaluate field Foo"),
            std::string::npos);
  auto r = render_go_template("ab{{ env \"HOME\" }}", config_doc());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("function 'env' is not supported"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().location.column, 6);  // where 'env' starts
  EXPECT_NE(error_of("{{ .ClusterConfig.ClusterName").find("unclosed action"), std::string::npos);
  EXPECT_NE(error_of("}} {{ .X }}").find("outside an action"), std::string::npos);
  EXPECT_NE(error_of("{{ }}").find("empty action"), std::string::npos);
  EXPECT_NE(error_of("{{ if .X }}y{{ end }}").find("function 'if'"), std::string::npos);
  EXPECT_NE(error_of("{{ upper }}").find("wrong number of args for upper"), std::string::npos);
}

// pkg/config/outputfilename_test.go.
TEST(FilenameTemplate, TalhelperCases) {
  TalConfig cfg;
  cfg.cluster_name = "myCluster";
  Node n;
  n.hostname = "node1";
  n.ip_address = "1.1.1.1";
  n.control_plane = true;
  n.filename_tmpl = "{{.ClusterName}}-{{.Hostname}}.yaml";
  EXPECT_EQ(node_file_name(cfg, n).value(), "myCluster-node1.yaml");
  n.filename_tmpl = "{{.Hostname}}-{{.Role}}.yaml";
  EXPECT_EQ(node_file_name(cfg, n).value(), "node1-controlplane.yaml");
  n.filename_tmpl = "{{.IPAddress}}.yaml";
  EXPECT_EQ(node_file_name(cfg, n).value(), "1.1.1.1.yaml");
  n.filename_tmpl = "{{.Invalid}}.yaml";
  auto bad = node_file_name(cfg, n);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().rule, "genconfig-filename");
  EXPECT_NE(bad.error().message.find("can't evaluate field Invalid"), std::string::npos) << bad.error().message;

  TalConfig empty;
  Node anonymous;
  anonymous.ip_address = "1.1.1.1";
  anonymous.filename_tmpl = "{{.ClusterName}}-{{.Hostname}}.yaml";
  EXPECT_EQ(node_file_name(empty, anonymous).value(), "-.yaml");
  anonymous.filename_tmpl.clear();
  EXPECT_EQ(node_file_name(empty, anonymous).value(), "-.yaml");  // the default template
}

TEST(FilenameTemplate, NamesStayInsideTheOutputFolder) {
  TalConfig cfg;
  cfg.cluster_name = "lab";
  Node n;
  n.hostname = "a";
  n.filename_tmpl = "../{{.Hostname}}.yaml";
  auto r = node_file_name(cfg, n);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("not a plain file name"), std::string::npos);
}
