// run_verify: create, watch, judge, clean up (verify.hpp).

#include <map>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <verify/verify.hpp>

namespace talgpu::verify {

using nlohmann::json;
namespace kc = kube::client;
using Clock = std::chrono::steady_clock;

namespace {

std::string random_run_id() {
  std::random_device rd;
  return fmt::format("{:06x}", rd() & 0xffffff);
}

double secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct PodState {
  const Target* target = nullptr;
  std::string pod;
  bool created = false;
  bool done = false;
  std::string last_state;
  Clock::time_point started;
  NodeResult result;
};

class Runner {
 public:
  Runner(kc::Client& client, kc::Client& cleanup, const std::vector<Target>& targets, const VerifyOptions& opts)
      : m_client(client), m_cleanup(cleanup), m_opts(opts) {
    m_run = opts.run_id.empty() ? random_run_id() : opts.run_id;
    m_pods_path = "/api/v1/namespaces/" + kc::url_escape(opts.namespace_) + "/pods";
    for (const auto& t : targets) {
      PodState s;
      s.target = &t;
      s.pod = pod_name(t.node, m_run);
      s.result.node = t.node;
      s.result.pod = s.pod;
      m_states.push_back(std::move(s));
    }
    for (size_t i = 0; i < m_states.size(); ++i) {
      m_by_pod[m_states[i].pod] = i;
    }
  }

  Result<VerifyReport> run() {
    auto start = Clock::now();
    auto deadline = start + m_opts.timeout;
    TRY(remove_leftovers());
    std::string selector = std::string(k_run_label) + "=" + m_run;
    bool first = true;
    auto r = m_client.list_watch(
        m_pods_path, "labelSelector=" + kc::url_escape(selector),
        [&](const json& items) {
          if (first) {
            first = false;
            launch();
          }
          for (const auto& p : items) {
            on_pod(p);
          }
          return m_settled < m_states.size();
        },
        [&](const std::string& type, const json& pod) {
          if (type != "DELETED") {
            on_pod(pod);
          }
          return m_settled < m_states.size();
        },
        deadline);
    bool cancelled = m_opts.cancelled && m_opts.cancelled();
    if (!r && !cancelled) {
      for (auto& s : m_states) {
        if (!s.done) {
          settle(s, Verdict::fail, Explanation{"watch-lost", "lost the watch on the pods: " + r.error().message,
                                               "run verify again; check the API server's health"});
        }
      }
    }
    for (auto& s : m_states) {
      if (s.done) {
        continue;
      }
      if (cancelled) {
        settle(s, Verdict::interrupted, Explanation{"interrupted", "interrupted before the pod finished", ""});
      } else if (!s.created) {
        settle(s, Verdict::timeout, Explanation{"not-started", "the deadline came before this node's turn (--parallel)",
                                                "a longer --timeout or a higher --parallel"});
      } else {
        settle_timeout(s);
      }
    }
    m_report.interrupted = cancelled;
    if (cancelled && !m_opts.keep) {
      sweep_run();
    }
    m_report.seconds = secs(start, Clock::now());
    for (auto& s : m_states) {
      m_report.nodes.push_back(std::move(s.result));
    }
    return std::move(m_report);
  }

 private:
  Result<void> remove_leftovers() {
    std::string sel = std::string(k_managed_label) + "=talgpu," + k_component_label + "=verify";
    auto left = m_client.list(m_pods_path, "labelSelector=" + kc::url_escape(sel));
    if (!left) {
      if (left.error().code == 404) {
        return {};  // no namespace: the create explains it
      }
      return fail(left.error().message, {}, "kube-api");
    }
    for (const auto& p : (*left)["items"]) {
      std::string name = p["metadata"].value("name", "");
      auto gone = m_cleanup.remove(m_pods_path + "/" + kc::url_escape(name), "gracePeriodSeconds=0");
      if (gone || gone.error().code == 404) {
        m_report.leftovers_removed.push_back(name);
      } else {
        m_report.cleanup_errors.push_back(gone.error().message);
      }
    }
    return {};
  }

  // After Ctrl-C: whatever still carries this run's label goes, through the uncancelled client.
  void sweep_run() {
    std::string sel = std::string(k_run_label) + "=" + m_run;
    auto left = m_cleanup.list(m_pods_path, "labelSelector=" + kc::url_escape(sel));
    if (!left) {
      return;
    }
    for (const auto& p : (*left)["items"]) {
      std::string name = p["metadata"].value("name", "");
      auto gone = m_cleanup.remove(m_pods_path + "/" + kc::url_escape(name), "gracePeriodSeconds=0");
      if (!gone && gone.error().code != 404) {
        m_report.cleanup_errors.push_back(fmt::format("pod {}: {}", name, gone.error().message));
      }
    }
  }

  void launch() {
    while (m_next < m_states.size() && (m_opts.parallel <= 0 || m_active < static_cast<size_t>(m_opts.parallel))) {
      if (m_opts.cancelled && m_opts.cancelled()) {
        return;
      }
      PodState& s = m_states[m_next++];
      NodeContext ctx = context(s);
      s.started = Clock::now();
      auto created = m_client.create(m_pods_path, make_pod(*s.target, m_opts.namespace_, m_run));
      if (!created) {
        if (m_opts.cancelled && m_opts.cancelled()) {
          // Ctrl-C while the create was in flight: the server may have stored the pod before we read
          // its answer, so treat it as created and let settle() delete it (404 when it never landed).
          s.created = true;
          ++m_active;
          return;
        }
        s.done = true;
        ++m_settled;
        s.result.verdict = Verdict::fail;
        s.result.why = explain_create_failure(created.error().code, created.error().message, ctx);
        report(s, "failed");
        continue;
      }
      s.created = true;
      ++m_active;
      report(s, "created");
    }
  }

  NodeContext context(const PodState& s) const {
    NodeContext c;
    c.node = s.target->node;
    c.image = s.target->image;
    c.driver = s.target->driver;
    c.cuda_ceiling = s.target->cuda_ceiling;
    c.namespace_ = m_opts.namespace_;
    c.node_advertises_gpu = s.target->advertises_gpu;
    c.gpu_allocatable = s.target->gpu_allocatable;
    return c;
  }

  void report(PodState& s, const std::string& state) {
    if (state != s.last_state && m_opts.progress) {
      m_opts.progress(s.target->node, state);
    }
    s.last_state = state;
  }

  std::vector<json> events(const PodState& s) {
    auto ev = m_client.list("/api/v1/namespaces/" + kc::url_escape(m_opts.namespace_) + "/events",
                            "fieldSelector=" + kc::url_escape("involvedObject.name=" + s.pod));
    std::vector<json> out;
    if (ev) {
      for (const auto& e : (*ev)["items"]) {
        out.push_back(e);
      }
    }
    return out;
  }

  std::string logs(const PodState& s) {
    // limitBytes: a log is read into memory; nvidia-smi's table and the probe's report are far smaller.
    auto l = m_client.get_text(m_pods_path + "/" + kc::url_escape(s.pod) + "/log?container=" +
                               container_name(*s.target) + "&limitBytes=1048576");
    return l ? *l : std::string();
  }

  void on_pod(const json& pod) {
    auto it = m_by_pod.find(pod["metadata"].value("name", ""));
    if (it == m_by_pod.end()) {
      return;
    }
    PodState& s = m_states[it->second];
    if (s.done || !s.created) {
      return;
    }
    const json status = pod.value("status", json::object());
    std::string phase = status.value("phase", "Pending");
    if (phase == "Succeeded") {
      judge_success(s);
    } else if (phase == "Failed" && s.target->probe && exit_code(status) == 1) {
      judge_probe(s);  // the probe ran and reported a failed check (exit 1)
    } else if (pod_stuck(pod)) {
      std::string l = phase == "Failed" ? logs(s) : std::string();
      Explanation why = explain_pod(pod, events(s), context(s), false, l);
      if (why.code.empty()) {
        why = Explanation{"failed", "the pod failed without a reason Kubernetes reports", fmt::format("kubectl describe pod -n {} {}", m_opts.namespace_, s.pod)};
      }
      settle(s, Verdict::fail, std::move(why));
    } else if (phase == "Running") {
      report(s, "running");
    } else if (pod.value("spec", json::object()).contains("nodeName")) {
      report(s, "scheduled");
    }
    launch();
  }

  static int exit_code(const json& status) {
    for (const auto& cs : status.value("containerStatuses", json::array())) {
      const json term = cs.value("state", json::object()).value("terminated", json::object());
      if (term.contains("exitCode") && term["exitCode"].is_number_integer()) {
        return term["exitCode"].get<int>();
      }
    }
    return -1;
  }

  void judge_probe(PodState& s) {
    auto probe = parse_probe_log(logs(s));
    if (!probe) {
      settle(s, Verdict::fail,
             Explanation{"probe-output", probe.error().message,
                         fmt::format("the image must be talgpu's (Dockerfile; --probe-image); read the log: kubectl logs "
                                     "-n {} {} (with --keep)",
                                     m_opts.namespace_, s.pod)});
      return;
    }
    s.result.probe = *probe;
    const ProbeResult& p = *s.result.probe;
    if (!p.error_rule.empty() || p.verdict == "fail") {
      std::string what = !p.error_message.empty() ? p.error_message
                         : !p.failed_checks.empty() ? fmt::format("{}", fmt::join(p.failed_checks, "; "))
                                                    : "a check failed";
      settle(s, Verdict::fail,
             Explanation{p.error_rule.empty() ? "probe-check-failed" : p.error_rule, what,
                         "docs/probe.md explains each check; on the node: talgpu probe (text) shows the numbers"});
      return;
    }
    s.result.mismatches = compare_probe(p, *s.target);
    settle(s, s.result.mismatches.empty() ? Verdict::pass : Verdict::fail,
           s.result.mismatches.empty()
               ? Explanation{}
               : Explanation{"declaration-mismatch", fmt::format("{}", fmt::join(s.result.mismatches, "; ")),
                             fmt::format("talgpu status shows the drift; upgrade the node to its declared installer "
                                         "(talgpu gencommand upgrade --node {})", s.target->node)});
  }

  void judge_success(PodState& s) {
    if (s.target->probe) {
      judge_probe(s);
      return;
    }
    std::string text = logs(s);
    auto smi = nvidia::parse_nvidia_smi(text);
    if (!smi) {
      settle(s, Verdict::fail, Explanation{"nvidia-smi-output", smi.error().message, "run the pod by hand and read its log"});
      return;
    }
    s.result.smi = *smi;
    s.result.mismatches = compare_smi(*smi, *s.target);
    settle(s, s.result.mismatches.empty() ? Verdict::pass : Verdict::fail,
           s.result.mismatches.empty()
               ? Explanation{}
               : Explanation{"declaration-mismatch", fmt::format("{}", fmt::join(s.result.mismatches, "; ")),
                             fmt::format("talgpu status shows the drift; upgrade the node to its declared installer "
                                         "(talgpu gencommand upgrade --node {})", s.target->node)});
  }

  void settle_timeout(PodState& s) {
    auto pod = m_client.get(m_pods_path + "/" + kc::url_escape(s.pod));
    Explanation why = explain_pod(pod ? *pod : json::object(), events(s), context(s), true);
    settle(s, Verdict::timeout, std::move(why));
  }

  void settle(PodState& s, Verdict v, Explanation why) {
    s.done = true;
    ++m_settled;
    if (s.created) {
      --m_active;
    }
    s.result.verdict = v;
    s.result.why = std::move(why);
    s.result.seconds = secs(s.started, Clock::now());
    if (s.created && !m_opts.keep) {
      auto gone = m_cleanup.remove(m_pods_path + "/" + kc::url_escape(s.pod), "gracePeriodSeconds=0");
      if (!gone && gone.error().code != 404) {
        m_report.cleanup_errors.push_back(fmt::format("pod {}: {}", s.pod, gone.error().message));
      }
    }
    report(s, v == Verdict::pass ? "passed" : verdict_name(v));
  }

  kc::Client& m_client;
  kc::Client& m_cleanup;
  const VerifyOptions& m_opts;
  std::string m_run;
  std::string m_pods_path;
  std::vector<PodState> m_states;
  std::map<std::string, size_t> m_by_pod;
  size_t m_next = 0;
  size_t m_active = 0;
  size_t m_settled = 0;
  VerifyReport m_report;
};

}  // namespace

Result<VerifyReport> run_verify(kc::Client& client, kc::Client& cleanup, const std::vector<Target>& targets,
                                const VerifyOptions& opts) {
  Runner r(client, cleanup, targets, opts);
  return r.run();
}

}  // namespace talgpu::verify
