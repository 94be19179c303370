# syntax=docker/dockerfile:1
# The restic-manager server: the web app and the API on one port, its SQLite database and
# data in the /data volume. Build from the repository root:
#   docker build -f docker/server.Dockerfile -t restic-manager-server .
# Node.js, like everything in these images, comes from Debian's archive.

FROM debian:trixie-slim AS build
# Node.js 20.19 and its headers (better-sqlite3 compiles against them), a C++ toolchain, and
# pnpm (its own node-gyp builds better-sqlite3). npm_config_nodedir points node-gyp at the
# installed headers: it would otherwise download them from nodejs.org.
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    ca-certificates curl g++ libnode-dev=20.19.* make nodejs=20.19.* python3 \
  && rm -rf /var/lib/apt/lists/*
# pnpm from the npm registry, the version package.json names, checked against the registry's
# sha512 (Debian's npm would only install it, and brings some 380 packages to do so).
RUN curl -fsSLo /tmp/pnpm.tgz https://registry.npmjs.org/pnpm/-/pnpm-10.34.9.tgz \
  && printf '%s  /tmp/pnpm.tgz\n' \
    f49b5a8ea0fdedb44bb3c0c1d6575092a53c2950d95b7ad15df11f17974877a2de3a01c07e934e9b28ce716e51c09a94962c7306d09be2e1e4b18a8c8762fd32 \
    > /tmp/pnpm.tgz.sha512 \
  && sha512sum -c /tmp/pnpm.tgz.sha512 \
  && mkdir -p /opt/pnpm \
  && tar -xzf /tmp/pnpm.tgz -C /opt/pnpm --strip-components=1 \
  && ln -s /opt/pnpm/bin/pnpm.cjs /usr/local/bin/pnpm \
  && rm /tmp/pnpm.tgz /tmp/pnpm.tgz.sha512
ENV npm_config_nodedir=/usr CHECKPOINT_DISABLE=1
WORKDIR /src
COPY . .
RUN bash scripts/build-release.sh /opt/restic-manager

FROM debian:trixie-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates nodejs=20.19.* \
  && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 restic-manager \
  && useradd --system --uid 10001 --gid restic-manager --home-dir /data \
    --shell /usr/sbin/nologin restic-manager \
  && install -d -o restic-manager -g restic-manager -m 0700 /data
COPY --from=build /opt/restic-manager /opt/restic-manager
COPY docker/server-entrypoint.sh /usr/local/bin/restic-manager-entrypoint
COPY docker/server-healthcheck.mjs /opt/restic-manager/healthcheck.mjs
ENV RM_DATA_DIR=/data RM_HOST=0.0.0.0 RM_PORT=8080 NODE_ENV=production CHECKPOINT_DISABLE=1
VOLUME ["/data"]
EXPOSE 8080
USER restic-manager
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/opt/restic-manager/healthcheck.mjs"]
ENTRYPOINT ["/usr/local/bin/restic-manager-entrypoint"]
CMD ["serve"]
