# syntax=docker/dockerfile:1
# restic's rest-server from Debian's archive. compose.yaml runs it twice over one volume:
# append-only for endpoints, full rights for the maintenance host. Build from the repository
# root:
#   docker build -f docker/rest-server.Dockerfile -t restic-manager-rest-server .

FROM debian:trixie-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends restic-rest-server=0.13.* \
  && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10002 rest-server \
  && useradd --system --uid 10002 --gid rest-server --home-dir /data \
    --shell /usr/sbin/nologin rest-server \
  && install -d -o rest-server -g rest-server -m 0700 /data
COPY docker/rest-server-healthcheck.sh /usr/local/bin/rest-server-healthcheck
VOLUME ["/data"]
EXPOSE 8000
USER rest-server
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/rest-server-healthcheck"]
ENTRYPOINT ["restic-rest-server", "--path", "/data", "--listen", ":8000"]
# Without arguments: authenticated through /data/.htpasswd, each user in its own repositories.
CMD ["--private-repos"]
