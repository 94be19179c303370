#!/bin/sh
# The agent image's entry point. On first start it trades RM_ENROLL_TOKEN (Hosts -> Add host
# in the web app) for this host's credential, kept in the state volume; then, and on every
# later start, it runs the agent. Other commands (status, version) run as given.
# AGENT_MJS and AGENT_STATE_DIR default to the image's paths.
set -eu
agent=${AGENT_MJS:-/opt/restic-manager-agent/agent.mjs}
config=${AGENT_STATE_DIR:-/var/lib/restic-manager-agent}/agent.json
if [ "$#" -gt 0 ]; then
  exec node "$agent" "$@" --config "$config"
fi
if [ ! -f "$config" ]; then
  if [ -z "${RM_ENROLL_TOKEN:-}" ] || [ -z "${AGENT_SERVER_URL:-}" ]; then
    echo "restic-manager agent: not enrolled yet; set AGENT_SERVER_URL and RM_ENROLL_TOKEN" >&2
    exit 2
  fi
  node "$agent" enroll --server "$AGENT_SERVER_URL" --config "$config"
fi
exec node "$agent" run --config "$config"
