#!/usr/bin/env bash
# Installs the workspace on a machine that has only Node.js (>= 20.19) and npm:
# pnpm if missing, the dependencies (better-sqlite3 compiles from source), then builds
# the Prisma client, the server and the web app. Sourced by start.sh and test.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`Node.js >= 20.19 is required; this is ${process.versions.node}`);
    process.exit(1);
  }'

if ! command -v pnpm >/dev/null 2>&1; then
  echo "==> installing pnpm"
  npm install -g pnpm@10 --silent
fi

echo "==> installing dependencies"
pnpm install --frozen-lockfile --reporter=append-only | grep -vE '^\.\.\./.*(CC|CXX|SOLINK|COPY|gyp info)' || true
[ -d node_modules/.pnpm ] || { echo "pnpm install failed" >&2; exit 1; }

echo "==> building"
pnpm build
