#!/usr/bin/env bash
# Installs everything the tests need (Chromium, restic, rest-server, ntfy, npm packages),
# builds, and runs every test: lint, type checks, unit + integration, end-to-end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-test-tools.sh"
bash "$root/scripts/bootstrap.sh"
cd "$root"
export PATH="$root/.tools/bin:$PATH"
echo "==> running all tests"
pnpm test
