#!/usr/bin/env bash
# Installs, builds, migrates the embedded SQLite database and starts restic-manager.
# Settings come from RM_* environment variables (see README); data goes to ./data by default.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/bootstrap.sh"
cd "$root"
echo "==> migrating the database and starting the server"
exec pnpm --silent start
