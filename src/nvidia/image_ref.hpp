#pragma once
// Container image references and the CUDA version their tags promise.
//
// A reference is `[registry/]repository[:tag][@digest]` (distribution/reference grammar): the first
// path component is a registry only when it contains '.' or ':' or is "localhost"; otherwise the
// image lives on docker.io, and a one-component name gets the "library/" prefix.
//
// CUDA from a tag, in order of trust:
//  - official CUDA images (docker.io/nvidia/cuda, nvcr.io/nvidia/cuda): `12.4.1-cudnn-runtime-ubuntu22.04`
//    starts with the toolkit version (gitlab nvidia/container-images/cuda doc/supported-tags.md);
//  - NGC framework releases (nvcr.io/nvidia/pytorch:24.01-py3): a release → CUDA table from the NGC
//    release notes;
//  - third-party conventions: `cuda-12.0`, `cuda12.1`, `2.3.0-cuda12.1-cudnn8-runtime`,
//    `vectoradd-cuda12.5.0`, `cu121` (PyTorch wheel tags: cu<major><minor>).

#include <optional>
#include <string>
#include <string_view>

#include <nvidia/cuda.hpp>

namespace talgpu::nvidia {

struct ImageRef {
  std::string registry;    // "docker.io" when not named
  std::string repository;  // "nvidia/cuda", "library/ubuntu"
  std::string tag;         // empty when not given (means "latest" unless a digest is given)
  std::string digest;      // "sha256:..." or empty

  // nullopt for an empty or malformed reference (spaces, upper-case repository, empty parts).
  static std::optional<ImageRef> parse(std::string_view text);
  // Canonical form: registry/repository[:tag][@digest].
  std::string str() const;
  bool is_official_cuda() const;  // nvidia/cuda on docker.io or nvcr.io
};

enum class CudaSource { official_tag, ngc_release, tag_pattern };

struct TagCuda {
  CudaVersion cuda;
  CudaSource source = CudaSource::tag_pattern;
};

// The CUDA version an image's tag states, or nullopt.
std::optional<TagCuda> cuda_from_tag(const ImageRef& ref);
// CUDA of an NGC framework release "YY.MM" (nullopt when not in our table).
std::optional<CudaVersion> ngc_release_cuda(std::string_view release);

}  // namespace talgpu::nvidia
