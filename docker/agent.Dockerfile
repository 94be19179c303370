# syntax=docker/dockerfile:1
# The restic-manager agent with Node.js and restic, for hosts that run their services in
# containers (and for the sample agent in compose.yaml). Build from the repository root:
#   docker build -f docker/agent.Dockerfile -t restic-manager-agent .
# The build stage is the server image's, line for line, so a builder that has built one
# reuses it for the other.

FROM debian:trixie-slim AS build
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
# restic 0.18 (the agent refuses restic older than 0.16; bookworm has 0.14).
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates nodejs=20.19.* restic=0.18.* \
  && rm -rf /var/lib/apt/lists/*
# Not root: the agent reads what the volumes mounted into this container let its user read.
# Run the container as root (user: "0") to back up files of every owner.
RUN groupadd --system --gid 10003 agent \
  && useradd --system --uid 10003 --gid agent --home-dir /var/lib/restic-manager-agent \
    --shell /usr/sbin/nologin agent \
  && install -d -o agent -g agent -m 0700 /var/lib/restic-manager-agent
COPY --from=build /opt/restic-manager/apps/agent/dist/agent.mjs /opt/restic-manager-agent/agent.mjs
COPY docker/agent-entrypoint.sh /usr/local/bin/restic-manager-agent-entrypoint
COPY docker/agent-healthcheck.sh /usr/local/bin/restic-manager-agent-healthcheck
# restic's cache lives in the state volume too, so it survives a new container.
ENV HOME=/var/lib/restic-manager-agent XDG_CACHE_HOME=/var/lib/restic-manager-agent/cache
VOLUME ["/var/lib/restic-manager-agent"]
USER agent
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/restic-manager-agent-healthcheck"]
ENTRYPOINT ["/usr/local/bin/restic-manager-agent-entrypoint"]
