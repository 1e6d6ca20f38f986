#include <kube/client/exec_plugin.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/strings.hpp>
#include <talos/pki.hpp>

extern char** environ;

namespace talgpu::kube::client {

namespace {

using nlohmann::json;

struct Output {
  std::string out;
  int status = 0;
  bool spawned = false;
  int spawn_errno = 0;
};

// Runs argv with `env`; stdout captured (bounded), stderr inherited, stdin inherited or /dev/null.
Output run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env, bool inherit_stdin) {
  Output o;
  int out_pipe[2];
  int err_pipe[2];  // reports exec failures (CLOEXEC: closed on success)
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    o.spawn_errno = errno;
    return o;
  }
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    if (!inherit_stdin) {
      int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, 0);
    }
    execvpe(args[0], args.data(), envp.data());
    int e = errno;
    (void)!write(err_pipe[1], &e, sizeof e);
    _exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid < 0) {
    o.spawn_errno = errno;
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return o;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    if (o.out.size() < (size_t{1} << 20)) {
      o.out.append(buf, static_cast<size_t>(n));
    }
  }
  int child_errno = 0;
  ssize_t got = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (got == static_cast<ssize_t>(sizeof child_errno)) {
    o.spawn_errno = child_errno;
    return o;
  }
  o.spawned = true;
  o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return o;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view t) {
  std::tm tm{};
  int consumed = 0;
  std::string s(t);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed != 19) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  size_t p = 19;
  if (p < s.size() && s[p] == '.') {
    ++p;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
      ++p;
    }
  }
  long offset = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z') && p + 1 == s.size()) {
    offset = 0;
  } else if (p + 6 == s.size() && (s[p] == '+' || s[p] == '-') && s[p + 3] == ':') {
    int hh = std::atoi(s.substr(p + 1, 2).c_str());
    int mm = std::atoi(s.substr(p + 4, 2).c_str());
    offset = (s[p] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
  } else {
    return std::nullopt;
  }
  time_t secs = timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(secs);
}

ExecPlugin::ExecPlugin(ExecConfig config, std::string cluster_info_json, SystemClock clock, std::optional<bool> stdin_tty)
    : m_config(std::move(config)),
      m_cluster_info(std::move(cluster_info_json)),
      m_clock(clock ? std::move(clock) : SystemClock([] { return std::chrono::system_clock::now(); })),
      m_stdin_tty(stdin_tty ? *stdin_tty : ::isatty(0) != 0) {}

Result<Credential> ExecPlugin::credential() {
  if (m_cached && (!m_cached->expires || m_clock() < *m_cached->expires)) {
    return *m_cached;
  }
  m_cached.reset();
  TRY_ASSIGN(auto c, run());
  m_cached = c;
  return c;
}

Result<Credential> ExecPlugin::run() {
  const ExecConfig& c = m_config;
  std::string who = fmt::format("exec plugin {} (user {})", talgpu::quoted(c.command), talgpu::quoted(c.user_name));
  bool interactive = m_stdin_tty && c.interactive_mode != "Never";
  if (c.interactive_mode == "Always" && !m_stdin_tty) {
    return fail(fmt::format("{}: interactiveMode is Always but standard input is not a terminal", who), {}, "kube-exec");
  }
  json info = {{"apiVersion", c.api_version}, {"kind", "ExecCredential"}, {"spec", {{"interactive", interactive}}}};
  if (c.provide_cluster_info && !m_cluster_info.empty()) {
    info["spec"]["cluster"] = json::parse(m_cluster_info);
  }
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    std::string name = kv.substr(0, kv.find('='));
    bool overridden = name == "KUBERNETES_EXEC_INFO";
    for (const auto& [k, v] : c.env) {
      overridden = overridden || k == name;
    }
    if (!overridden) {
      env.push_back(std::move(kv));
    }
  }
  for (const auto& [k, v] : c.env) {
    env.push_back(k + "=" + v);
  }
  env.push_back("KUBERNETES_EXEC_INFO=" + info.dump());
  std::vector<std::string> argv{c.command};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  ++m_runs;
  Output o = run_process(argv, env, interactive);
  if (!o.spawned) {
    std::string hint = c.install_hint.empty() ? "" : "\n" + c.install_hint;
    return fail(fmt::format("{}: cannot run: {}{}", who, std::strerror(o.spawn_errno), hint), {}, "kube-exec");
  }
  if (o.status != 0) {
    return fail(fmt::format("{}: exited with status {} (its messages are above)", who, o.status), {}, "kube-exec");
  }
  json j = json::parse(o.out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(fmt::format("{}: did not print an ExecCredential JSON object", who), {}, "kube-exec");
  }
  if (j.value("apiVersion", "") != c.api_version) {
    return fail(fmt::format("{}: printed apiVersion {}, the kubeconfig asks for {}", who,
                            talgpu::quoted(j.value("apiVersion", "")), c.api_version), {}, "kube-exec");
  }
  if (j.value("kind", "") != "ExecCredential" || !j.contains("status") || !j["status"].is_object()) {
    return fail(fmt::format("{}: output is not an ExecCredential with a status", who), {}, "kube-exec");
  }
  const json& st = j["status"];
  Credential cred;
  cred.token = st.value("token", "");
  cred.client_cert_pem = st.value("clientCertificateData", "");
  cred.client_key_pem = st.value("clientKeyData", "");
  if (cred.client_cert_pem.empty() != cred.client_key_pem.empty()) {
    return fail(fmt::format("{}: status has only one of clientCertificateData and clientKeyData", who), {}, "kube-exec");
  }
  if (cred.token.empty() && cred.client_cert_pem.empty()) {
    return fail(fmt::format("{}: status has neither a token nor a client certificate", who), {}, "kube-exec");
  }
  if (st.contains("expirationTimestamp") && st["expirationTimestamp"].is_string()) {
    cred.expires = parse_rfc3339(st["expirationTimestamp"].get<std::string>());
    if (!cred.expires) {
      return fail(fmt::format("{}: status.expirationTimestamp {} is not RFC 3339", who,
                              talgpu::quoted(st["expirationTimestamp"].get<std::string>())), {}, "kube-exec");
    }
  }
  return cred;
}

}  // namespace talgpu::kube::client
