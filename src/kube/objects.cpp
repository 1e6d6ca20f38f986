#include <kube/objects.hpp>

#include <algorithm>

#include <fmt/format.h>

namespace talgpu::kube {

namespace {
auto lower_bound_key(const std::vector<StringMap::Entry>& v, std::string_view key) {
  return std::lower_bound(v.begin(), v.end(), key,
                          [](const StringMap::Entry& e, std::string_view k) { return std::string_view(e.key) < k; });
}
}  // namespace

const std::string* StringMap::find(std::string_view key) const {
  if (entries.size() <= 8) {
    // Small maps (nearly all): a scan that compares lengths first beats a binary search.
    for (const auto& e : entries) {
      if (e.key.size() == key.size() && std::string_view(e.key) == key) {
        return &e.value;
      }
    }
    return nullptr;
  }
  auto it = lower_bound_key(entries, key);
  return it != entries.end() && it->key == key ? &it->value : nullptr;
}

SourceLocation StringMap::location_of(std::string_view key) const {
  auto it = lower_bound_key(entries, key);
  return it != entries.end() && it->key == key && !it->location.empty() ? it->location : location;
}

void StringMap::set(std::string key, std::string value, SourceLocation loc) {
  // Keys mostly arrive in order (or nearly): look at the end first.
  if (entries.empty() || entries.back().key < key) {
    entries.push_back({std::move(key), std::move(value), loc});
    return;
  }
  auto it = lower_bound_key(entries, key);
  if (it != entries.end() && it->key == key) {
    auto& e = entries[static_cast<size_t>(it - entries.begin())];
    e.value = std::move(value);
    if (!loc.empty()) {
      e.location = loc;
    }
    return;
  }
  entries.insert(it, {std::move(key), std::move(value), loc});
}

std::string Taint::str() const {
  // core/v1 taint.go ToString.
  if (effect.empty()) {
    return value.empty() ? key : fmt::format("{}={}:", key, value);
  }
  return value.empty() ? fmt::format("{}:{}", key, effect) : fmt::format("{}={}:{}", key, value, effect);
}

const ResourceValue* ResourceList::find(std::string_view name) const {
  auto it = items.find(name);
  return it == items.end() ? nullptr : &it->second;
}

const EnvVar* Container::find_env(std::string_view name) const {
  // The last definition wins, as in the kubelet.
  const EnvVar* found = nullptr;
  for (const auto& e : env) {
    if (e.name == name) {
      found = &e;
    }
  }
  return found;
}

std::vector<const Container*> PodTemplate::all_containers() const {
  std::vector<const Container*> out;
  out.reserve(init_containers.size() + containers.size() + ephemeral_containers.size());
  for (const auto& c : init_containers) {
    out.push_back(&c);
  }
  for (const auto& c : containers) {
    out.push_back(&c);
  }
  for (const auto& c : ephemeral_containers) {
    out.push_back(&c);
  }
  return out;
}

const char* workload_kind_name(WorkloadKind k) {
  switch (k) {
    case WorkloadKind::pod:
      return "Pod";
    case WorkloadKind::deployment:
      return "Deployment";
    case WorkloadKind::stateful_set:
      return "StatefulSet";
    case WorkloadKind::daemon_set:
      return "DaemonSet";
    case WorkloadKind::replica_set:
      return "ReplicaSet";
    case WorkloadKind::replication_controller:
      return "ReplicationController";
    case WorkloadKind::job:
      return "Job";
    case WorkloadKind::cron_job:
      return "CronJob";
  }
  return "Pod";
}

std::optional<WorkloadKind> parse_workload_kind(std::string_view kind) {
  for (auto k : {WorkloadKind::pod, WorkloadKind::deployment, WorkloadKind::stateful_set, WorkloadKind::daemon_set,
                 WorkloadKind::replica_set, WorkloadKind::replication_controller, WorkloadKind::job,
                 WorkloadKind::cron_job}) {
    if (kind == workload_kind_name(k)) {
      return k;
    }
  }
  return std::nullopt;
}

std::string Workload::display_name() const {
  if (namespace_.empty()) {
    return fmt::format("{} {}", workload_kind_name(kind), name);
  }
  return fmt::format("{} {}/{}", workload_kind_name(kind), namespace_, name);
}

}  // namespace talgpu::kube
