#!/usr/bin/env bash
# Usage: goldentooth_without_generated.sh DIR
# Turns a copy of examples/goldentooth into the cluster folder as it was before
# 'talgpu manifests' added the NVIDIA device plugin and the smoke test: only the namespace and the
# RuntimeClass are applied. The CLI cases whose premise is "no device plugin in the manifests" (or
# that add their own) start from this; it writes only inside DIR.
set -euo pipefail
nv="$1/gitops/infrastructure/nvidia"
rm -f "$nv/device-plugin.yaml" "$nv/gpu-smoke-test.yaml"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - runtimeclass.yaml\n' >"$nv/kustomization.yaml"
