#include <gtest/gtest.h>

#include <nvidia/image_ref.hpp>

using namespace talgpu::nvidia;

namespace {

std::string cuda_of(const char* image) {
  auto ref = ImageRef::parse(image);
  if (!ref) {
    return "bad-ref";
  }
  auto c = cuda_from_tag(*ref);
  return c ? c->cuda.str() : "none";
}

}  // namespace

TEST(ImageRef, ParsesRegistryRepositoryTagDigest) {
  auto r = ImageRef::parse("nvcr.io/nvidia/cuda:12.2.0-base-ubuntu22.04");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->registry, "nvcr.io");
  EXPECT_EQ(r->repository, "nvidia/cuda");
  EXPECT_EQ(r->tag, "12.2.0-base-ubuntu22.04");
  EXPECT_TRUE(r->is_official_cuda());

  auto d = ImageRef::parse("ubuntu");
  EXPECT_EQ(d->str(), "docker.io/library/ubuntu");
  auto p = ImageRef::parse("localhost:5000/team/app:v1@sha256:abc");
  EXPECT_EQ(p->registry, "localhost:5000");
  EXPECT_EQ(p->repository, "team/app");
  EXPECT_EQ(p->tag, "v1");
  EXPECT_EQ(p->digest, "sha256:abc");
  EXPECT_TRUE(ImageRef::parse("nvidia/cuda:12.4.1-base-ubuntu22.04")->is_official_cuda());
  EXPECT_FALSE(ImageRef::parse("ghcr.io/nvidia/cuda:12.4.1")->is_official_cuda());
}

TEST(ImageRef, RejectsMalformed) {
  EXPECT_FALSE(ImageRef::parse(""));
  EXPECT_FALSE(ImageRef::parse("Nvidia/Cuda:12"));
  EXPECT_FALSE(ImageRef::parse("a b"));
  EXPECT_FALSE(ImageRef::parse("repo:"));
  EXPECT_FALSE(ImageRef::parse("repo//x"));
  EXPECT_FALSE(ImageRef::parse("repo@nodigest"));
}

TEST(CudaFromTag, OfficialTags) {
  EXPECT_EQ(cuda_of("nvcr.io/nvidia/cuda:12.2.0-base-ubuntu22.04"), "12.2.0");
  EXPECT_EQ(cuda_of("nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04"), "12.4.1");
  EXPECT_EQ(cuda_of("nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04"), "11.8.0");
  EXPECT_EQ(cuda_of("nvidia/cuda:13.0.0-tensorrt-runtime-ubuntu24.04"), "13.0.0");
  EXPECT_EQ(cuda_of("nvidia/cuda:12.2.0"), "12.2.0");
  EXPECT_EQ(cuda_of("nvidia/cuda:latest"), "none");
  EXPECT_EQ(cuda_of("nvidia/cuda"), "none");
}

TEST(CudaFromTag, ThirdPartyConventions) {
  EXPECT_EQ(cuda_of("example/trainer:cuda-12.0"), "12.0");
  EXPECT_EQ(cuda_of("example/trainer:cuda12.1"), "12.1");
  EXPECT_EQ(cuda_of("pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime"), "12.1");
  EXPECT_EQ(cuda_of("nvcr.io/nvidia/k8s/cuda-sample:vectoradd-cuda12.5.0"), "12.5.0");
  EXPECT_EQ(cuda_of("example/infer:2.1.0-cu121"), "12.1");
  EXPECT_EQ(cuda_of("example/infer:cu118-py310"), "11.8");
  EXPECT_EQ(cuda_of("example/app:1.2.3"), "none");
  EXPECT_EQ(cuda_of("example/app:focus121"), "none");  // "cu" inside a word is not a CUDA tag
  EXPECT_EQ(cuda_of("example/app:cu12"), "none");
}

TEST(CudaFromTag, NgcReleases) {
  auto r = ImageRef::parse("nvcr.io/nvidia/pytorch:24.01-py3");
  auto c = cuda_from_tag(*r);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->cuda.str(), "12.3.2");
  EXPECT_EQ(c->source, CudaSource::ngc_release);
  EXPECT_EQ(cuda_of("nvcr.io/nvidia/pytorch:25.12-py3"), "13.1.0");
  EXPECT_EQ(cuda_of("nvcr.io/nvidia/pytorch:19.01-py3"), "none");
}
