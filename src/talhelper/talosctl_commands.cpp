// talhelper's gencommand output, line for line (pkg/generate/command.go). Node IPs are the
// comma-separated `ipAddress` list; selection by IP matches any of them and keeps the IP given.

#include <talhelper/talosctl_commands.hpp>

#include <core/strings.hpp>
#include <talhelper/genconfig.hpp>
#include <imagefactory/image_factory.hpp>
#include <talhelper/node_image.hpp>

namespace talgpu::talhelper {

namespace {

std::vector<std::string> ips_of(const Node& n) {
  std::vector<std::string> out;
  for (const auto& part : split(n.ip_address, ',')) {
    std::string ip(trim(part));
    if (!ip.empty()) {
      out.push_back(ip);
    }
  }
  return out;
}

bool has_ip(const Node& n, const std::string& ip) {
  for (const auto& x : ips_of(n)) {
    if (x == ip) {
      return true;
    }
  }
  return false;
}

std::string line(std::string_view verb, const std::vector<std::string>& flags) {
  std::string out = "talosctl " + std::string(verb);
  for (const auto& f : flags) {
    out += " " + f;
  }
  return out + ";";
}

std::string not_found(const std::string& node) {
  return "node with IP or hostname " + node + " not found";
}

}  // namespace

const std::vector<std::string>& talosctl_command_names() {
  static const std::vector<std::string> k_names = {"apply",      "upgrade", "upgrade-k8s", "bootstrap",
                                                   "kubeconfig", "reset",   "health"};
  return k_names;
}

std::optional<TalosctlCommand> parse_talosctl_command(std::string_view name) {
  static const TalosctlCommand k_values[] = {TalosctlCommand::apply,     TalosctlCommand::upgrade,
                                             TalosctlCommand::upgrade_k8s, TalosctlCommand::bootstrap,
                                             TalosctlCommand::kubeconfig, TalosctlCommand::reset,
                                             TalosctlCommand::health};
  const auto& names = talosctl_command_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      return k_values[i];
    }
  }
  return std::nullopt;
}

Result<std::vector<std::string>> talosctl_commands(const TalConfig& cfg, TalosctlCommand cmd, const std::string& out_dir,
                                                   const std::string& node, const std::vector<std::string>& extra) {
  const std::string talosconfig = "--talosconfig=" + out_dir + "/talosconfig";
  std::vector<std::string> result;

  // Commands run once per node IP: apply, upgrade, reset.
  if (cmd == TalosctlCommand::apply || cmd == TalosctlCommand::upgrade || cmd == TalosctlCommand::reset) {
    for (const auto& n : cfg.nodes) {
      std::vector<std::string> ips;
      if (!node.empty() && has_ip(n, node)) {
        ips = {node};
      } else if (node.empty() || node == n.hostname) {
        ips = ips_of(n);
      } else {
        continue;
      }
      std::string image;
      if (cmd == TalosctlCommand::upgrade) {
        auto url = installer_image(cfg, n);
        if (!url) {
          return fail("Failed to generate installer url for " + n.hostname + ", " + url.error().message,
                      url.error().location, url.error().rule);
        }
        image = *url;
      }
      for (const auto& ip : ips) {
        std::vector<std::string> flags = {talosconfig, "--nodes=" + ip};
        if (cmd == TalosctlCommand::apply) {
          // talhelper cmd/gencommand_apply.go: GetOutputFileName, so filenameTmpl applies here too.
          TRY_ASSIGN(std::string file, node_file_name(cfg, n));
          flags.push_back("--file=" + out_dir + "/" + file);
        } else if (cmd == TalosctlCommand::upgrade) {
          flags.push_back("--image=" + image);
        }
        flags.insert(flags.end(), extra.begin(), extra.end());
        result.push_back(line(cmd == TalosctlCommand::apply     ? "apply-config"
                              : cmd == TalosctlCommand::upgrade ? "upgrade"
                                                                : "reset",
                              flags));
      }
    }
    if (result.empty()) {
      return fail(not_found(node));
    }
    return result;
  }

  if (cmd == TalosctlCommand::health) {
    std::string target = node;
    if (target.empty()) {
      for (const auto& n : cfg.nodes) {
        if (n.control_plane && !ips_of(n).empty()) {
          target = ips_of(n).front();
          break;
        }
      }
    }
    if (target.empty()) {
      return fail("no controlplane node found");
    }
    std::vector<std::string> flags = {talosconfig, "--nodes=" + target};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return std::vector<std::string>{line("health", flags)};
  }

  // upgrade-k8s, bootstrap, kubeconfig: one control plane; extra flags before --nodes.
  if (cmd == TalosctlCommand::upgrade_k8s && cfg.kubernetes_version.empty()) {
    return fail("`kubernetesVersion` is not defined in the configuration");
  }
  const char* verb = cmd == TalosctlCommand::upgrade_k8s ? "upgrade-k8s"
                     : cmd == TalosctlCommand::bootstrap ? "bootstrap"
                                                         : "kubeconfig";
  for (const auto& n : cfg.nodes) {
    std::vector<std::string> flags = {talosconfig};
    if (cmd == TalosctlCommand::upgrade_k8s) {
      std::string k8s = cfg.kubernetes_version;
      if (!k8s.empty() && k8s[0] == 'v') {
        k8s.erase(0, 1);
      }
      flags.push_back("--to=v" + k8s);
    }
    std::string ip;
    if (node.empty()) {
      if (!n.control_plane || ips_of(n).empty()) {
        continue;
      }
      ip = ips_of(n).front();
    } else if (has_ip(n, node)) {
      if (!n.control_plane) {
        return fail("node with IP " + node + " is not a controlplane node");
      }
      ip = node;
    } else if (node == n.hostname) {
      if (!n.control_plane) {
        return fail("node with hostname " + node + " is not a controlplane node");
      }
      if (ips_of(n).empty()) {
        continue;
      }
      ip = ips_of(n).front();
    } else {
      continue;
    }
    flags.insert(flags.end(), extra.begin(), extra.end());
    flags.push_back("--nodes=" + ip);
    return std::vector<std::string>{line(verb, flags)};
  }
  return fail(not_found(node));
}

}  // namespace talgpu::talhelper
