#!/usr/bin/env bash
# Installs talgpu's build and test dependencies from Debian 12 packages. Idempotent: packages
# already present are skipped by apt, and apt-get update runs only when something is missing.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config ccache mold
  libyaml-dev nlohmann-json3-dev libcli11-dev libfmt-dev libexpected-dev
  libcurl4-openssl-dev libssl-dev googletest libgtest-dev libgmock-dev libmimalloc-dev
  age openssl python3
)
# kubectl (tests cross-check our Kubernetes API fake and the bench compares with kustomize): use
# one already on the PATH, else Debian's kubernetes-client package.
if ! command -v kubectl >/dev/null 2>&1; then
  packages+=(kubernetes-client)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
