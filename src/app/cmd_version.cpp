// `talgpu version`: the binary's version, git commit and build date, and how far its compiled-in
// catalogs reach (Talos releases, NVIDIA drivers) so a user can tell when they are stale.
// `talgpu --version` prints the same.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/version.hpp>
#include <core/build_info.hpp>
#include <core/error.hpp>
#include <imagefactory/extensions_catalog.hpp>
#include <nvidia/catalog.hpp>
#include <talos/defaults.hpp>

namespace talgpu {

namespace {

std::string join_range(const std::vector<std::string>& list) {
  if (list.empty()) {
    return "none";
  }
  return list.size() == 1 ? list.front() : fmt::format("{} .. {}", list.front(), list.back());
}

std::string short_commit(const BuildInfo& b) {
  std::string c = b.commit;
  if (c.size() > 12) {
    c.resize(12);
  }
  return b.dirty ? c + " (modified)" : c;
}

nlohmann::ordered_json version_json() {
  const BuildInfo& b = build_info();
  auto ext = imagefactory::catalog_info();
  auto drv = nvidia::driver_table_info();
  nlohmann::ordered_json j;
  j["version"] = b.version;
  j["commit"] = b.commit;
  j["modified"] = b.dirty;
  j["buildDate"] = b.date;
  j["buildDateSource"] = b.date_source;
  j["defaultTalosVersion"] = talos::k_default_talos_version;
  j["catalogs"]["extensions"] = {{"source", ext.source},
                                 {"talhelperCommit", ext.talhelper_commit},
                                 {"updated", ext.updated},
                                 {"talosVersions", ext.versions},
                                 {"oldestTalos", ext.oldest},
                                 {"newestTalos", ext.newest}};
  j["catalogs"]["nvidiaDrivers"] = {{"source", "siderolabs/extensions nvidia-gpu/vars.yaml per Talos tag"},
                                    {"updated", drv.updated},
                                    {"talosFirst", "v" + drv.talos_first.str()},
                                    {"talosLast", "v" + drv.talos_last.str()},
                                    {"lts", drv.lts_drivers},
                                    {"production", drv.production_drivers}};
  return j;
}

}  // namespace

std::string version_json_text() {
  return version_json().dump(2) + "\n";
}

std::string version_text() {
  const BuildInfo& b = build_info();
  auto ext = imagefactory::catalog_info();
  auto drv = nvidia::driver_table_info();
  std::string s = fmt::format("talgpu {}\n", b.version);
  s += fmt::format("  commit:          {}\n", short_commit(b));
  s += fmt::format("  built:           {} (from {})\n", b.date, b.date_source);
  s += fmt::format("  default Talos:   {}\n", talos::k_default_talos_version);
  s += fmt::format("Catalogs compiled in:\n");
  s += fmt::format("  extensions:      Talos {} .. {} ({} versions), talhelper {} of {}\n", ext.oldest, ext.newest,
                   ext.versions, ext.talhelper_commit.substr(0, 12), ext.updated);
  s += fmt::format("  NVIDIA drivers:  Talos v{} .. v{} (LTS {}, production {}), checked {}\n", drv.talos_first.str(),
                   drv.talos_last.str(), join_range(drv.lts_drivers), join_range(drv.production_drivers), drv.updated);
  s += fmt::format("A Talos release newer than these is not checked (extensions, driver, CUDA): update talgpu.\n");
  return s;
}

void setup_version(CLI::App& app, Context& ctx, CommandRun& run) {
  app.footer(
      "Prints the version, the git commit and build date (reproducible: $SOURCE_DATE_EPOCH or the\n"
      "commit's date), and which Talos releases and NVIDIA drivers the compiled-in catalogs cover.\n"
      "\nExamples:\n"
      "  talgpu version\n"
      "  talgpu -o json version | jq -r .catalogs.nvidiaDrivers.talosLast");
  run = [&ctx]() -> int {
    if (ctx.json()) {
      fmt::print(ctx.out, "{}", version_json_text());
    } else {
      fmt::print(ctx.out, "{}", version_text());
    }
    return k_exit_ok;
  };
}

}  // namespace talgpu
