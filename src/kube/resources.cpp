// Extended-resource validation and GPU arithmetic; upstream files are named in resources.hpp.
// Messages are the API server's field.Error details, e.g. for
//   spec.containers[0].resources.requests[nvidia.com/gpu]: must be equal to nvidia.com/gpu limit of 1

#include <kube/resources.hpp>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include <kube/labels.hpp>

namespace talgpu::kube {

namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

bool is_hugepages(std::string_view name) {
  return starts_with(name, "hugepages-");
}

// pkg/apis/core/helper IsStandardContainerResourceName.
bool is_standard_container_resource(std::string_view name) {
  return name == "cpu" || name == "memory" || name == "ephemeral-storage" || is_hugepages(name);
}

bool overcommit_allowed(std::string_view name) {
  return is_native_resource(name) && !is_hugepages(name);
}

std::string container_path(const Container& c, size_t index) {
  const char* list = c.kind == ContainerKind::init        ? "initContainers"
                     : c.kind == ContainerKind::ephemeral ? "ephemeralContainers"
                                                          : "containers";
  return fmt::format("spec.{}[{}]", list, index);
}

// Field paths are built only for a problem: this runs for every container of every workload.
// `base()` gives e.g. "spec.containers[0].resources".
using PathFn = std::string (*)(const void* ctx);

struct FieldPath {
  PathFn fn;
  const void* ctx;
  std::string operator()() const { return fn(ctx); }
};

void validate_item(const std::string& name, const ResourceValue& rv, const FieldPath& base, std::string_view list,
                   std::vector<ResourceProblem>& out, bool check_names) {
  auto field = [&] { return fmt::format("{}{}[{}]", base(), list, name); };
  if (check_names) {
    if (name.find('/') == std::string::npos || is_native_resource(name)) {
      if (!is_standard_container_resource(name)) {
        out.push_back({"resource-invalid-name", field(), name, "must be a standard resource for containers", rv.location});
        return;
      }
    } else if (!is_extended_resource_name(name)) {
      out.push_back({"resource-invalid-name", field(), name, "doesn't follow extended resource name standard",
                     rv.location});
      return;
    }
  }
  if (!rv.quantity.valid) {
    out.push_back({"resource-invalid-quantity", field(), name,
                   fmt::format("quantities must match the regular expression "
                               "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got \"{}\")",
                               rv.quantity.text),
                   rv.location});
    return;
  }
  if (rv.quantity.negative()) {
    out.push_back({"resource-negative", field(), name, "must be greater than or equal to 0", rv.location});
    return;
  }
  if (is_extended_resource_name(name) && !rv.quantity.is_integer()) {
    out.push_back({"resource-not-integer", field(), name, "must be an integer", rv.location});
  }
}

void validate_list(const ResourceList& list, const FieldPath& base, std::string_view suffix,
                   std::vector<ResourceProblem>& out, bool check_names) {
  for (const auto& [name, rv] : list.items) {
    validate_item(name, rv, base, suffix, out, check_names);
  }
}

// The requests as the API server sees them: for a Pod (SetDefaults_Pod) a limit stands in for a
// missing request. Calls fn(name, value) in name order without building the merged list.
template <typename F>
void each_request(const ResourceRequirements& r, bool is_pod, F&& fn) {
  if (!is_pod || r.limits.empty()) {
    for (const auto& [name, v] : r.requests.items) {
      fn(name, v);
    }
    return;
  }
  auto req = r.requests.items.begin();
  auto lim = r.limits.items.begin();
  while (req != r.requests.items.end() || lim != r.limits.items.end()) {
    if (lim == r.limits.items.end() || (req != r.requests.items.end() && req->first <= lim->first)) {
      if (lim != r.limits.items.end() && req->first == lim->first) {
        ++lim;  // the request wins
      }
      fn(req->first, req->second);
      ++req;
    } else {
      fn(lim->first, lim->second);
      ++lim;
    }
  }
}

void validate_requirements(const ResourceRequirements& r, const FieldPath& base, bool is_pod,
                           std::vector<ResourceProblem>& out) {
  validate_list(r.limits, base, ".limits", out, true);
  each_request(r, is_pod, [&](const std::string& name, const ResourceValue& v) {
    validate_item(name, v, base, ".requests", out, true);
  });
  each_request(r, is_pod, [&](const std::string& name, const ResourceValue& req) {
    if (!req.quantity.valid) {
      return;
    }
    const ResourceValue* lim = r.limits.find(name);
    auto field = [&] { return fmt::format("{}.requests[{}]", base(), name); };
    if (lim && lim->quantity.valid) {
      if (!overcommit_allowed(name)) {
        if (!req.quantity.same_amount(lim->quantity)) {
          out.push_back({"resource-request-not-equal-limit", field(), name,
                         fmt::format("must be equal to {} limit of {}", name, lim->quantity.text), req.location});
        }
      } else if (req.quantity.value > lim->quantity.value) {
        out.push_back({"resource-request-over-limit", field(), name,
                       fmt::format("must be less than or equal to {} limit of {}", name, lim->quantity.text),
                       req.location});
      }
    } else if (!lim && !overcommit_allowed(name)) {
      // pkg/apis/core/validation/validation.go ValidateContainerResourceRequirements (and
      // validateResourceRequirements before it): field.Required(limPath, "Limit must be set for
      // non overcommitable resources"): the path is ".limits", without the resource's name.
      out.push_back({"resource-limit-missing", fmt::format("{}.limits", base()), name,
                     fmt::format("Limit must be set for non overcommitable resources ({})", name), req.location});
    }
  });
}

// The effective request of one container: the request, else (Pod defaulting) the limit.
int64_t container_request(const Container& c, std::string_view resource) {
  if (const auto* q = c.resources.requests.find(resource)) {
    return q->quantity.whole();
  }
  if (const auto* l = c.resources.limits.find(resource)) {
    return l->quantity.whole();
  }
  return 0;
}

}  // namespace

bool is_nvidia_problem(const ResourceProblem& p) {
  return p.resource.rfind("nvidia.com/", 0) == 0;
}

bool is_native_resource(std::string_view name) {
  return name.find('/') == std::string_view::npos || name.find("kubernetes.io/") != std::string_view::npos;
}

bool is_extended_resource_name(std::string_view name) {
  if (is_native_resource(name) || starts_with(name, "requests.")) {
    return false;
  }
  // The name must still be qualified with the quota prefix in front (no allocation for the usual
  // short names: this runs for every resource of every container).
  constexpr std::string_view k_prefix = "requests.";
  std::array<char, 128> buf{};
  if (name.size() + k_prefix.size() <= buf.size()) {
    std::copy(k_prefix.begin(), k_prefix.end(), buf.begin());
    std::copy(name.begin(), name.end(), buf.begin() + k_prefix.size());
    return is_qualified_name(std::string_view(buf.data(), k_prefix.size() + name.size()));
  }
  return is_qualified_name(std::string(k_prefix).append(name));
}

std::vector<ResourceProblem> validate_resources(const PodTemplate& pod, bool is_pod) {
  std::vector<ResourceProblem> out;
  struct At {
    const Container* c;
    size_t index;
  };
  auto each = [&](const std::vector<Container>& list) {
    for (size_t i = 0; i < list.size(); ++i) {
      At at{&list[i], i};
      FieldPath base{[](const void* ctx) {
                       const auto* a = static_cast<const At*>(ctx);
                       return container_path(*a->c, a->index) + ".resources";
                     },
                     &at};
      validate_requirements(list[i].resources, base, is_pod, out);
    }
  };
  each(pod.init_containers);
  each(pod.containers);
  each(pod.ephemeral_containers);
  // RuntimeClass overhead / pod overhead are validated as limits.
  FieldPath overhead{[](const void*) { return std::string("spec.overhead"); }, nullptr};
  validate_list(pod.overhead, overhead, "", out, true);
  return out;
}

int64_t pod_request(const PodTemplate& pod, std::string_view resource) {
  // component-helpers/resource/helpers.go PodRequests: regular containers summed; restartable init
  // containers (sidecars) run alongside them and add up; every other init container runs alone,
  // next to the sidecars started before it; the pod needs the max of the two. Ephemeral
  // containers have no resources. Overhead is added.
  int64_t sum = 0;
  for (const auto& c : pod.containers) {
    sum += container_request(c, resource);
  }
  int64_t sidecars = 0;
  int64_t init_max = 0;
  for (const auto& c : pod.init_containers) {
    int64_t r = container_request(c, resource);
    if (c.restart_policy && *c.restart_policy == "Always") {
      sidecars += r;
      init_max = std::max(init_max, sidecars);
    } else {
      init_max = std::max(init_max, sidecars + r);
    }
  }
  int64_t total = std::max(sum + sidecars, init_max);
  if (const auto* o = pod.overhead.find(resource)) {
    total += o->quantity.whole();
  }
  return total;
}

bool requests_resource(const PodTemplate& pod, std::string_view resource) {
  for (const Container* c : pod.all_containers()) {
    if (c->resources.requests.find(resource) || c->resources.limits.find(resource)) {
      return true;
    }
  }
  return false;
}

GpuCount node_gpu_count(const Node& node, int64_t time_slicing_replicas, bool declared_advertised) {
  GpuCount out;
  std::string res(k_gpu_resource);
  if (auto it = node.allocatable.find(res); it != node.allocatable.end()) {
    out.count = it->second.whole();
    out.source = "allocatable";
    out.location = node.location;
    return out;
  }
  if (auto it = node.capacity.find(res); it != node.capacity.end()) {
    out.count = it->second.whole();
    out.source = "capacity";
    out.location = node.location;
    return out;
  }
  int64_t replicas = std::max<int64_t>(1, time_slicing_replicas);
  // GPU feature discovery publishes nvidia.com/gpu.replicas when sharing is on.
  if (const std::string* r = node.labels.find("nvidia.com/gpu.replicas")) {
    if (auto v = go_parse_int(*r); v && *v > 0) {
      replicas = *v;
    }
  }
  if (const std::string* c = node.labels.find("nvidia.com/gpu.count")) {
    if (auto v = go_parse_int(*c); v && *v >= 0) {
      out.count = *v * replicas;
      out.source = "label nvidia.com/gpu.count";
      out.location = node.labels.location_of("nvidia.com/gpu.count");
      return out;
    }
  }
  if (node.gpu && !declared_advertised) {
    out.count = 0;
    out.source = "declared GPU node, but no device plugin advertises its GPUs";
    out.location = node.location;
    return out;
  }
  if (node.gpu) {
    out.count = replicas;
    out.source = replicas > 1 ? "declared GPU node (at least 1 GPU, time-sliced)" : "declared GPU node (at least 1 GPU)";
    out.location = node.location;
    return out;
  }
  if (node.source == NodeSource::observed) {
    out.count = 0;
    out.source = "not advertised";
    out.location = node.location;
    return out;
  }
  out.count = 0;
  out.source = "not a GPU node";
  out.location = node.location;
  return out;
}

}  // namespace talgpu::kube
