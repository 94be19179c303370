/**
 * What an admin runs on a new endpoint to enroll it. The token always goes through the
 * environment: never on a command line other users of the endpoint can see.
 */

/** The one line an admin pastes on a new Linux endpoint. */
export function installCommand(publicUrl: string, token: string): string {
  return `curl -fsSL ${publicUrl}/agent/install.sh | sudo RM_ENROLL_TOKEN=${token} sh`;
}

/** The same for Windows, in an elevated PowerShell. */
export function windowsInstallCommand(publicUrl: string, token: string): string {
  return `$env:RM_ENROLL_TOKEN = "${token}"; irm ${publicUrl}/agent/install.ps1 | iex`;
}

/**
 * What reinstalls the agent on an endpoint that is enrolled already (an agent too old to
 * connect): the install scripts keep the existing identity and need no token then.
 */
export function reinstallCommands(publicUrl: string) {
  return {
    installCommand: `curl -fsSL ${publicUrl}/agent/install.sh | sudo sh`,
    windowsInstallCommand: `irm ${publicUrl}/agent/install.ps1 | iex`,
  };
}

/** Every way to enroll an endpoint with one token, as the add-host dialog shows them. */
export function enrollmentCommands(publicUrl: string, token: string) {
  return {
    serverUrl: publicUrl,
    installCommand: installCommand(publicUrl, token),
    windowsInstallCommand: windowsInstallCommand(publicUrl, token),
    enrollCommand: `RM_ENROLL_TOKEN=${token} node agent.mjs enroll --server ${publicUrl}`,
  };
}
