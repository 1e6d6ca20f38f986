#include <app/live.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <app/load_config.hpp>
#include <core/error.hpp>

namespace talgpu {

void add_live_flags(CLI::App& app, LiveOptions& o) {
  app.add_option("--kubeconfig", o.kubeconfig, "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)");
  app.add_option("--context", o.context, "kubeconfig context (default: its current-context)");
  app.add_option("--request-timeout", o.request_timeout_s, "seconds to wait for one API request (default 30)")
      ->check(CLI::Range(1, 3600));
}

std::unique_ptr<kube::client::Client> connect_or_abort(const Context& ctx, const LiveOptions& o,
                                                       kube::client::ClientOptions extra) {
  auto cfg = kube::client::load_rest_config(kube::client::kubeconfig_options_from_env(o.kubeconfig, o.context));
  if (!cfg) {
    throw Abort(cfg.error().describe(), k_exit_usage);
  }
  verbose(ctx, fmt::format("kubeconfig: {} (context {}, server {})", cfg->source, cfg->context, cfg->server));
  extra.timeout = std::chrono::seconds(o.request_timeout_s);
  if (ctx.verbosity > 0 && !extra.log) {
    std::FILE* err = ctx.err;
    extra.log = [err](const std::string& line) { fmt::print(err, "{}\n", safe_text(line)); };
  }
  return value_or_abort(kube::client::Client::create(*cfg, std::move(extra)));
}

talhelper::TalConfig load_declaration_or_abort(const Context& ctx, const std::string& config) {
  talhelper::LoadOptions lo;
  lo.path = config.empty() ? "talconfig.yaml" : config;
  Diagnostics diags;
  auto cfg = load_talconfig_or_abort(ctx, lo, diags);
  if (diags.has_errors()) {
    print_diagnostics(ctx, diags);
    throw Abort(fmt::format("{}: the declaration has errors (talgpu validate shows them)", lo.path), k_exit_usage);
  }
  return cfg;
}

std::string safe_text(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace talgpu

namespace talgpu {

std::string safe_text_lines(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find('\n', i);
    out += safe_text(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) {
      break;
    }
    out += '\n';
    i = j + 1;
  }
  return out;
}

}  // namespace talgpu
