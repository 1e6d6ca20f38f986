# talgpu in a small Debian 12 image, for `talgpu probe` on a GPU node or in a verification pod.
#   docker build -t talgpu .
#   docker run --rm --gpus all talgpu probe          (NVIDIA Container Toolkit on the host)
# The image holds no NVIDIA library: the NVIDIA container runtime mounts the host driver's
# libnvidia-ml.so.1 and libcuda.so.1 into the container for the capabilities asked below, and the
# probe dlopen()s them at run time.

# Build stage: the project's own dependency and build scripts, tests off.
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN bash scripts/deps.sh \
 && BUILD_DIR=build bash scripts/build.sh -DTALGPU_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
 && strip build/talgpu

# Runtime stage: only the shared libraries talgpu links (ldd build/talgpu).
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libyaml-0-2 libfmt9 libcurl4 libssl3 libmimalloc2.0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/talgpu /usr/local/bin/talgpu
# "utility" mounts NVML (nvidia-smi's library), "compute" the CUDA driver library.
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/talgpu"]
CMD ["probe"]
