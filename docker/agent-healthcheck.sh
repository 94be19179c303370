#!/bin/sh
# The agent image's health check: the running agent's own status says it is connected.
agent=${AGENT_MJS:-/opt/restic-manager-agent/agent.mjs}
config=${AGENT_STATE_DIR:-/var/lib/restic-manager-agent}/agent.json
node "$agent" status --config "$config" | grep -q '^Connection: *connected '
