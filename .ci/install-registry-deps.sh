#!/usr/bin/env bash
# Installs what tests/MlBuild.Registry.Tests needs beyond the .NET SDK:
#   - docker-registry (Debian package): the OCI distribution server the packaging tests push to;
#   - azurite (npm, pinned by package-lock.json): the Azure Blob emulator the store tests run against.
# Idempotent, non-interactive; meant to run as root on a fresh Debian 12 machine (CI=true, no stdin).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

need_apt=()
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v git >/dev/null 2>&1 || need_apt+=(git)
if [ "${#need_apt[@]}" -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi
# The Debian package starts a system service on port 5000; the tests start their own server on a free port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
fi

node_dir="$here/tests/MlBuild.Registry.Tests/node"
if [ ! -x "$node_dir/node_modules/.bin/azurite-blob" ]; then
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi
echo "registry test dependencies: docker-registry=$(command -v docker-registry || echo /usr/bin/docker-registry) azurite=$node_dir/node_modules/.bin/azurite-blob"
