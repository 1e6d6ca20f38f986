// `talgpu verify [--config talconfig.yaml] [--node NAME...] [--namespace nvidia] [--timeout 5m]
// [--parallel N] [--keep] [--image IMAGE] [-o json]`: prove on the live cluster that every GPU node
// runs a GPU pod (verify/verify.hpp). Exit 0 only when every node passed; 1 when one did not;
// 2 for unreadable input; 130 / 143 when interrupted by SIGINT / SIGTERM (pods deleted).

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <app/command.hpp>
#include <app/live.hpp>
#include <core/fs.hpp>
#include <core/strings.hpp>
#include <core/term.hpp>
#include <kube/client/nodes.hpp>
#include <verify/verify.hpp>

namespace talgpu {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int sig) {
  g_signal = sig;
}

struct VerifyCmdOptions {
  LiveOptions live;
  std::string config;
  std::vector<std::string> nodes;
  std::string namespace_ = "nvidia";
  std::string timeout = "5m";
  int parallel = 0;
  bool keep = false;
  std::string image;
  bool probe = false;
  std::string probe_image;
};

// Go's time.ParseDuration for the units a timeout needs: "90s", "5m", "1m30s", "1h", "500ms".
std::optional<std::chrono::milliseconds> parse_duration(const std::string& s) {
  if (s.empty()) {
    return std::nullopt;
  }
  long long total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
    }
    if (i == start) {
      return std::nullopt;
    }
    long long v = std::stoll(s.substr(start, i - start));
    std::string unit;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) {
      unit += s[i++];
    }
    if (unit == "ms") {
      total += v;
    } else if (unit == "s") {
      total += v * 1000;
    } else if (unit == "m") {
      total += v * 60000;
    } else if (unit == "h") {
      total += v * 3600000;
    } else {
      return std::nullopt;
    }
  }
  return std::chrono::milliseconds(total);
}

// A progress display on a TTY: one line per node when few, a count line when many.
class ProgressView {
 public:
  ProgressView(std::FILE* err, size_t nodes, bool enabled) : m_err(err), m_total(nodes), m_enabled(enabled) {}
  ~ProgressView() {
    if (m_enabled && m_total > k_few) {
      fmt::print(m_err, "\r\033[K");
    }
  }
  void update(const std::string& node, const std::string& state) {
    if (!m_enabled) {
      return;
    }
    if (m_total <= k_few) {
      fmt::print(m_err, "  {}: {}\n", safe_text(node), state);
      return;
    }
    std::string& old = m_state[node];
    if (!old.empty()) {
      --m_counts[old];
    }
    old = state;
    ++m_counts[state];
    std::string line;
    for (const auto& [k, v] : m_counts) {
      if (v > 0) {
        line += fmt::format("{}{} {}", line.empty() ? "" : ", ", v, k);
      }
    }
    fmt::print(m_err, "\r\033[Kverify: {} GPU nodes: {}", m_total, line);
    std::fflush(m_err);
  }

 private:
  static constexpr size_t k_few = 8;
  std::FILE* m_err;
  size_t m_total;
  bool m_enabled;
  std::map<std::string, std::string> m_state;
  std::map<std::string, long> m_counts;
};

int run_verify_command(Context& ctx, const VerifyCmdOptions& o) {
  auto timeout = parse_duration(o.timeout);
  if (!timeout || timeout->count() <= 0) {
    throw Abort(fmt::format("--timeout {}: not a duration (examples: 90s, 5m, 1m30s)", talgpu::quoted(o.timeout)), k_exit_usage);
  }
  std::optional<talhelper::TalConfig> cfg;
  if (!o.config.empty() || file_exists("talconfig.yaml")) {
    cfg = load_declaration_or_abort(ctx, o.config);
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  kube::client::ClientOptions co;
  co.cancelled = [] { return g_signal != 0; };
  auto client = connect_or_abort(ctx, o.live, co);
  auto cleanup = connect_or_abort(ctx, o.live);  // not cancelled: it deletes the pods after Ctrl-C
  auto observed = value_or_abort(kube::client::fetch_nodes(*client).map_error([](const auto& e) { return e.error(); }));
  auto targets = value_or_abort(verify::plan_targets(cfg ? &*cfg : nullptr, observed, o.nodes, o.image));
  if (o.probe) {
    std::string image = o.probe_image.empty() ? verify::default_probe_image() : o.probe_image;
    for (auto& t : targets) {
      t.probe = true;
      t.image = image;
    }
  } else if (!o.probe_image.empty()) {
    throw Abort("--probe-image needs --probe", k_exit_usage);
  }
  if (targets.empty()) {
    throw Abort("no GPU node to verify: none is declared with NVIDIA extensions, advertises nvidia.com/gpu or "
                "carries an NVIDIA extension label", k_exit_findings);
  }
  bool tty = !ctx.json() && !ctx.quiet() && ::isatty(fileno(ctx.err)) != 0;
  ProgressView view(ctx.err, targets.size(), tty);
  verify::VerifyOptions vo;
  vo.namespace_ = o.namespace_;
  vo.timeout = *timeout;
  vo.parallel = o.parallel;
  vo.keep = o.keep;
  vo.cancelled = [] { return g_signal != 0; };
  vo.progress = [&view](const std::string& node, const std::string& state) { view.update(node, state); };
  auto report = value_or_abort(verify::run_verify(*client, *cleanup, targets, vo));
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (ctx.json()) {
    fmt::print(ctx.out, "{}", verify::render_verify_json(report));
  } else {
    fmt::print(ctx.out, "{}", verify::render_verify_text(report, ctx.color_out));
  }
  if (report.interrupted) {
    err_line(ctx, o.keep ? "interrupted: pods kept (--keep)" : "interrupted: talgpu's pods were deleted");
    return g_signal == SIGTERM ? 143 : 130;
  }
  return report.all_passed() ? k_exit_ok : k_exit_findings;
}

}  // namespace

void setup_verify(CLI::App& app, Context& ctx, CommandRun& run) {
  auto o = std::make_shared<VerifyCmdOptions>();
  app.add_option("-c,--config,--config-file", o->config, "talconfig.yaml with the declared GPU nodes (default: ./talconfig.yaml when present)");
  app.add_option("--node", o->nodes, "only this node (repeatable)");
  app.add_option("--namespace", o->namespace_, "namespace for the verify pods (default nvidia)");
  app.add_option("--timeout", o->timeout, "give up after this long: 90s, 5m, 1m30s (default 5m)");
  app.add_option("--parallel", o->parallel, "at most this many pods at once (default: all)")->check(CLI::NonNegativeNumber);
  app.add_flag("--keep", o->keep, "keep the pods afterwards (default: always delete them)");
  app.add_option("--image", o->image, "container image with nvidia-smi (default: the newest CUDA base image the node's driver supports)");
  app.add_flag("--probe", o->probe,
               "run talgpu's GPU probe (NVML health, kernels, bandwidth; docs/probe.md) in each pod instead of nvidia-smi");
  app.add_option("--probe-image", o->probe_image,
                 fmt::format("talgpu's image for --probe, built from the Dockerfile (default {})", verify::default_probe_image()));
  add_live_flags(app, o->live);
  app.footer(
      "Exit codes: 0 every GPU node passed, 1 one did not, 2 unreadable input, 130/143 interrupted (pods deleted).\n"
      "\nExamples:\n"
      "  talgpu verify -c clusters/prod/talconfig.yaml\n"
      "  talgpu verify -c clusters/prod/talconfig.yaml --probe --node velaryon --timeout 10m");
  run = [&ctx, o]() -> int { return run_verify_command(ctx, *o); };
}

}  // namespace talgpu
