#!/usr/bin/env bash
# Builds restic-manager from a clone and gathers what a server runs into one folder, OUT:
#   apps/api/dist/main.js, apps/api/node_modules    the server and its production dependencies
#                                                   (from the lockfile; better-sqlite3 built here)
#   apps/api/src/config.ts, prisma/, prisma.config.ts, node_modules/prisma
#                                                   what `prisma migrate deploy` reads on start
#   apps/web/dist                                   the web app
#   apps/agent/dist/agent.mjs                       the agent, served to endpoints
# docker/server.Dockerfile and docker/agent.Dockerfile run exactly this; so can anyone with
# Node.js >= 20.19, npm and a C++ toolchain (better-sqlite3 compiles from source).
#   usage: scripts/build-release.sh OUT
set -euo pipefail

out=${1:?usage: scripts/build-release.sh OUT}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v pnpm >/dev/null 2>&1 || npm install -g pnpm@10 --silent

echo "==> installing dependencies"
pnpm install --frozen-lockfile --reporter=append-only
echo "==> building the Prisma client, the server, the web app and the agent"
pnpm build

echo "==> gathering the release into $out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "${out:?}/apps" "$out/prisma" "$out/node_modules" "$out/prisma.config.ts"
# The server's production dependencies, exactly as the lockfile has them. The workspace's own
# packages are bundled into dist/main.js; they come along only as the lockfile names them.
pnpm --config.inject-workspace-packages=true --filter @restic-manager/api deploy --prod \
  "$out/apps/api"
api="$out/apps/api"
find "$api" -mindepth 1 -maxdepth 1 ! -name dist ! -name node_modules ! -name package.json \
  -exec rm -rf {} +
mkdir -p "$api/dist"
cp -R apps/api/dist/. "$api/dist/"
# prisma.config.ts takes the database path from the server's own configuration module.
mkdir -p "$api/src"
cp apps/api/src/config.ts "$api/src/config.ts"
cp prisma.config.ts "$out/"
mkdir -p "$out/prisma"
cp -R prisma/schema.prisma prisma/migrations "$out/prisma/"
# On PostgreSQL (RM_DATABASE_URL) the server applies these itself on start.
mkdir -p "$out/prisma/postgresql"
cp -R prisma/postgresql/migrations "$out/prisma/postgresql/"

# The Prisma CLI is the one the lockfile pairs with @prisma/client (its peer dependency);
# prisma.config.ts, at the top, finds it and the adapter through node_modules.
mkdir -p "$out/node_modules"
client=$(cd "$api/node_modules/@prisma/client" && pwd -P)
prisma=$(cd "$client/../../prisma" && pwd -P)
ln -s "../${prisma#"$out"/}" "$out/node_modules/prisma"
ln -s ../apps/api/node_modules/@prisma "$out/node_modules/@prisma"

mkdir -p "$out/apps/web" "$out/apps/agent/dist"
cp -R apps/web/dist "$out/apps/web/dist"
cp apps/agent/dist/agent.mjs "$out/apps/agent/dist/agent.mjs"
echo "==> release ready in $out"
