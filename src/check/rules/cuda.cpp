// CUDA image vs driver: each GPU container's CUDA requirement (nvidia/cuda.hpp restates
// libnvidia-container's NVIDIA_REQUIRE_CUDA check) against the driver of every GPU node with
// known driver facts that the workload fits.

#include <map>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include <check/rules/registry.hpp>
#include <nvidia/cuda.hpp>
#include <nvidia/image_ref.hpp>

namespace talgpu::check {

namespace {

struct ContainerNeeds {
  nvidia::ImageNeeds needs;
  std::map<std::string, std::string> env;
};

std::optional<ContainerNeeds> container_needs(const kube::Container& c) {
  auto ref = nvidia::ImageRef::parse(c.image);
  if (!ref) {
    return std::nullopt;
  }
  auto tag = nvidia::cuda_from_tag(*ref);
  ContainerNeeds out;
  for (const auto& e : c.env) {
    if (e.value) {
      out.env[e.name] = *e.value;
    }
  }
  out.needs = nvidia::image_needs(tag ? std::optional(tag->cuda) : std::nullopt,
                                  tag && tag->source == nvidia::CudaSource::official_tag, out.env);
  if (!out.needs.cuda && out.needs.requires_.empty()) {
    return std::nullopt;
  }
  return out;
}

void report(const nvidia::CudaCheck& verdict, const std::string& msg, const SourceLocation& loc, Diagnostics& diags) {
  switch (verdict.verdict) {
    case nvidia::CudaVerdict::wont_start:
    case nvidia::CudaVerdict::cuda_fails:
      diags.error("cuda-driver-incompatible", msg, loc);
      break;
    case nvidia::CudaVerdict::minor_compat:
      diags.warning("cuda-minor-compat", msg, loc);
      break;
    case nvidia::CudaVerdict::forward_compat:
      diags.warning("cuda-forward-compat", msg, loc);
      break;
    case nvidia::CudaVerdict::ok:
    case nvidia::CudaVerdict::unknown:
      break;
  }
}

}  // namespace

void rules_cuda(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  std::unordered_map<std::string, nvidia::CudaCheck> cache;  // image, driver, brand, env -> verdict
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    if (!ctx.gpu_workload[wi]) {
      continue;
    }
    const Placement& p = ctx.placements[wi];
    for (const auto* c : m.workloads[wi].pod.all_containers()) {
      auto cn = container_needs(*c);
      if (!cn) {
        continue;
      }
      for (size_t di : ctx.driver_nodes) {  // name order
        if (!p.fits_node(di)) {
          continue;
        }
        const NodeInfo& ni = ctx.nodes[di];
        std::string brand = brand_of(ni.node);
        std::string key = c->image + '\x1f' + ni.gpu->driver + '\x1f' + brand;
        for (const auto& [k, v] : cn->env) {
          key += '\x1f' + k + '=' + v;
        }
        auto it = cache.find(key);
        if (it == cache.end()) {
          nvidia::DriverFacts facts{ni.gpu->driver, ni.gpu->cuda, brand, {}};
          it = cache.emplace(key, nvidia::check_cuda(cn->needs, facts, nvidia::gpu_class_of_brand(brand))).first;
        }
        std::string msg =
            fmt::format("{}: container '{}' on {}: {}", p.workload, c->name, ni.node.name, it->second.message);
        report(it->second, msg, c->image_location.empty() ? c->location : c->image_location, diags);
      }
    }
  }
}

}  // namespace talgpu::check
