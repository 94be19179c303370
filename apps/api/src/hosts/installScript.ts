/**
 * The script behind "Add host": downloads the bundled agent from this server, enrolls it
 * with the token from RM_ENROLL_TOKEN and installs a systemd service. Needs only sh, curl,
 * Node.js >= 20 and the server's URL reachable.
 */
export function linuxInstallScript(serverUrl: string): string {
  const quoted = shellQuote(serverUrl);
  return `#!/bin/sh
# restic-manager agent installer for Linux (systemd).
#   curl -fsSL ${serverUrl}/agent/install.sh | sudo RM_ENROLL_TOKEN=<token> sh
# Optional: RM_AGENT_USER=<name> runs the agent as a dedicated system user that may read
# (not write) every file, instead of root. Restores then need target directories it can write.
# For packaging and tests: RM_INSTALL_ROOT=<dir> installs below that directory, and
# RM_SYSTEMCTL=<command> replaces systemctl.
set -eu

SERVER=${quoted}
ROOT=\${RM_INSTALL_ROOT:-}
SYSTEMCTL=\${RM_SYSTEMCTL:-systemctl}
PREFIX=$ROOT/opt/restic-manager-agent
CONFIG=$ROOT/etc/restic-manager-agent/agent.json
STATE=$ROOT/var/lib/restic-manager-agent
UNIT=$ROOT/etc/systemd/system/restic-manager-agent.service

fail() { echo "restic-manager agent: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run this as root (sudo)"
NODE=$(command -v node) || fail "Node.js >= 20 is required (apt-get install nodejs)"
"$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \\
  || fail "Node.js >= 20 is required; found $("$NODE" --version)"
command -v restic >/dev/null 2>&1 || echo "note: restic is not on PATH yet; install it (apt-get install restic) before running jobs" >&2
command -v "$SYSTEMCTL" >/dev/null 2>&1 || fail "systemd is required for the service"

install -d -m 0755 "$PREFIX" "$(dirname "$UNIT")"
install -d -m 0700 "$(dirname "$CONFIG")" "$STATE"
curl -fsSL "$SERVER/agent/agent.mjs" -o "$PREFIX/agent.mjs.new"
mv "$PREFIX/agent.mjs.new" "$PREFIX/agent.mjs"
chmod 0755 "$PREFIX/agent.mjs"

if [ -f "$CONFIG" ]; then
  echo "already enrolled ($CONFIG exists): keeping that identity"
else
  [ -n "\${RM_ENROLL_TOKEN:-}" ] || fail "set RM_ENROLL_TOKEN to the enrollment token from the web app"
  "$NODE" "$PREFIX/agent.mjs" enroll --server "$SERVER" --config "$CONFIG" --state-dir "$STATE"
fi

SERVICE_USER=root
EXTRA=""
if [ -n "\${RM_AGENT_USER:-}" ]; then
  SERVICE_USER=$RM_AGENT_USER
  id "$SERVICE_USER" >/dev/null 2>&1 || useradd --system --home-dir "$STATE" --shell /usr/sbin/nologin "$SERVICE_USER"
  chown -R "$SERVICE_USER" "$(dirname "$CONFIG")" "$STATE"
  EXTRA="AmbientCapabilities=CAP_DAC_READ_SEARCH
CapabilityBoundingSet=CAP_DAC_READ_SEARCH"
fi

cat > "$UNIT" <<UNIT
[Unit]
Description=restic-manager agent
Documentation=$SERVER
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=$NODE $PREFIX/agent.mjs run --config $CONFIG
User=$SERVICE_USER
$EXTRA
Restart=on-failure
RestartSec=5
# SIGTERM lets the agent stop restic cleanly (restic removes its lock) and spool results.
KillSignal=SIGTERM
TimeoutStopSec=30
NoNewPrivileges=yes

[Install]
WantedBy=multi-user.target
UNIT

"$SYSTEMCTL" daemon-reload
"$SYSTEMCTL" enable restic-manager-agent
# A reinstall over a running agent starts the new file.
"$SYSTEMCTL" restart restic-manager-agent
echo "restic-manager agent installed and running; check it with:"
echo "  $NODE $PREFIX/agent.mjs status --config $CONFIG"
`;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}
