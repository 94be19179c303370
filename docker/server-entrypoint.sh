#!/bin/sh
# The server image's entry point: applies the database migrations, then runs the server.
# Migrations are idempotent, so every start (and so every upgrade) brings the database up to
# the image's schema first. Other commands (user create, keys rotate) run as given.
set -eu
cd "${APP_DIR:-/opt/restic-manager}"
if [ "$#" -eq 0 ] || [ "$1" = "serve" ]; then
  # On PostgreSQL (RM_DATABASE_URL) the server applies its migrations itself, replicas in turn.
  if [ -z "${RM_DATABASE_URL:-}" ]; then
    node node_modules/prisma/build/index.js migrate deploy
  fi
  exec node apps/api/dist/main.js serve
fi
exec node apps/api/dist/main.js "$@"
