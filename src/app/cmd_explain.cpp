// `talgpu explain [RULE]`: why a check rule exists, how to fix it, and a snippet. Without a rule,
// the list of rules.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <check/rules.hpp>
#include <core/error.hpp>
#include <core/strings.hpp>

namespace talgpu {

void setup_explain(CLI::App& app, Context& ctx, CommandRun& run) {
  auto rule = std::make_shared<std::string>();
  app.add_option("rule", *rule, "A rule id from 'talgpu check' (omit to list them)");
  app.footer(
      "\nExamples:\n"
      "  talgpu explain                      # every rule id with its severity\n"
      "  talgpu explain cuda-minor-compat");
  run = [&ctx, rule]() -> int {
    if (rule->empty()) {
      if (ctx.json()) {
        nlohmann::ordered_json j = nlohmann::ordered_json::array();
        for (const auto& r : check::rule_catalog()) {
          j.push_back({{"rule", r.id}, {"severity", severity_name(r.severity)}, {"summary", r.summary}});
        }
        fmt::print(ctx.out, "{}\n", j.dump(2));
      } else {
        for (const auto& r : check::rule_catalog()) {
          fmt::print(ctx.out, "{:<30} {:<8} {}\n", r.id, severity_name(r.severity), r.summary);
        }
      }
      return k_exit_ok;
    }
    const check::RuleInfo* r = check::find_rule(*rule);
    if (r == nullptr) {
      throw Abort(fmt::format("unknown rule '{}'{}", *rule, did_you_mean(*rule, check::rule_ids())), k_exit_usage);
    }
    if (ctx.json()) {
      nlohmann::ordered_json j = {{"rule", r->id},     {"severity", severity_name(r->severity)},
                                  {"summary", r->summary}, {"why", r->why},
                                  {"fix", r->fix},     {"snippet", r->snippet}};
      fmt::print(ctx.out, "{}\n", j.dump(2));
    } else {
      fmt::print(ctx.out, "{}", check::explain_text(*r));
    }
    return k_exit_ok;
  };
}

}  // namespace talgpu
