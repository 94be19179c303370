#!/usr/bin/env bash
# Installs what the tests need besides npm packages, on Debian or Ubuntu:
#   - Chromium (Debian's package) for Playwright, and curl;
#   - Podman, runc, debootstrap and the CNI plugins (Debian's packages) for the Docker images;
#   - PostgreSQL's server (Debian's package): the tests start their own throwaway clusters
#     (scripts/postgres-cluster.mjs), so the package is told not to make and start its own;
#   - nginx (Debian's package): the tests run their own on a free port
#     (apps/api/test/support/nginx.ts), so the package's service is kept from starting;
#   - restic 0.18, rest-server and ntfy, unpacked from Debian trixie's packages into .tools/bin,
#     without adding an apt source to the system.
# Safe to run again: what is already there is kept.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
bin="$tools/bin"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

apt_updated=""
apt_update() {
  [ -n "$apt_updated" ] || { $sudo apt-get update -qq; apt_updated=1; }
}

missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v curl >/dev/null 2>&1 || missing="$missing curl" # the agent install test pipes curl into sh
# Podman (as root, with runc), debootstrap and the CNI plugins: the Docker images are built and
# run in the tests (apps/api/test/dockerImages.test.ts). Without recommends: no buildah, no
# rootless helpers, nothing that starts a service.
containers=""
for tool in podman runc debootstrap iptables; do
  command -v "$tool" >/dev/null 2>&1 || containers="$containers $tool"
done
[ -x /usr/lib/cni/bridge ] || containers="$containers containernetworking-plugins"
have_postgres() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && compgen -G "/usr/lib/postgresql/*/bin/psql" >/dev/null
}
if ! have_postgres; then
  missing="$missing postgresql"
  # No cluster of the package's own on port 5432: nothing here uses one.
  $sudo mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/restic-manager-tests.conf >/dev/null
fi
if [ -n "$missing" ]; then
  echo "==> installing$missing"
  apt_update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi
if [ -n "$containers" ]; then
  echo "==> installing$containers"
  apt_update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $containers >/dev/null
fi

# nginx: only its binary is wanted. Installing the package would start a system nginx on port
# 80; invoke-rc.d asks /usr/sbin/policy-rc.d first, and 101 means "do not start it", so one is
# put in place for the install when the machine has none (containers often do), and the service
# is disabled afterwards where systemd would start it at boot.
if [ ! -x /usr/sbin/nginx ]; then
  echo "==> installing nginx"
  apt_update
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 0755 /usr/sbin/policy-rc.d
    policy=1
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx >/dev/null || status=$?
  [ -z "$policy" ] || $sudo rm -f /usr/sbin/policy-rc.d
  [ "$status" -eq 0 ] || exit "$status"
  if [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi

have_tools() {
  [ -x "$bin/restic" ] && [ -x "$bin/rest-server" ] && [ -x "$bin/ntfy" ] &&
    "$bin/restic" version 2>/dev/null | grep -q '^restic 0\.18\.'
}

if ! have_tools; then
  echo "==> fetching restic, rest-server and ntfy from Debian trixie"
  command -v dpkg-deb >/dev/null || { echo "dpkg-deb is required" >&2; exit 1; }
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || { echo "cannot find the Debian archive URI in the apt sources" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  echo "deb $uri trixie main" >"$work/sources.list"
  opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
    -o "APT::Sandbox::User=root")
  apt-get "${opts[@]}" update -qq
  (cd "$work" && apt-get "${opts[@]}" download restic restic-rest-server ntfy >/dev/null)
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  mkdir -p "$bin"
  install -m 0755 "$work/root/usr/bin/restic" "$bin/restic"
  install -m 0755 "$work/root/usr/bin/restic-rest-server" "$bin/rest-server"
  install -m 0755 "$work/root/usr/bin/ntfy" "$bin/ntfy"
fi

# Report what is installed (no pipes into head: with pipefail a closed pipe fails the script).
"$bin/restic" version
rest_server_version=$("$bin/rest-server" --version 2>&1 || true)
echo "${rest_server_version%%$'\n'*}"
ntfy_help=$("$bin/ntfy" --help 2>&1 || true)
echo "ntfy $(echo "$ntfy_help" | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | sed -n 1p)"
chromium --version 2>/dev/null || true
for initdb in /usr/lib/postgresql/*/bin/initdb; do "$initdb" --version; done
/usr/sbin/nginx -v
