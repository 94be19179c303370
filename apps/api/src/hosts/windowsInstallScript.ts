/**
 * The Windows counterpart of install.sh, run in an elevated PowerShell:
 *   $env:RM_ENROLL_TOKEN = "<token>"; irm <server>/agent/install.ps1 | iex
 * Node.js cannot answer the service control manager by itself, so the agent runs under a
 * service wrapper when one is given (-ServiceWrapper path\to\WinSW.exe, a Windows service),
 * and otherwise as a scheduled task that starts at boot as SYSTEM and restarts on failure.
 * VSS snapshots (`useFsSnapshot` on a backup) need the agent to run as an administrator or
 * SYSTEM, which both forms do.
 */
export function windowsInstallScript(serverUrl: string): string {
  const server = serverUrl.replaceAll("'", "''");
  return `# restic-manager agent installer for Windows (run in an elevated PowerShell).
#   $env:RM_ENROLL_TOKEN = "<token>"; irm ${serverUrl}/agent/install.ps1 | iex
param([string]$ServiceWrapper = $env:RM_SERVICE_WRAPPER)
$ErrorActionPreference = 'Stop'

$Server = '${server}'
$Base = Join-Path $env:ProgramData 'restic-manager-agent'
$Config = Join-Path $Base 'agent.json'
$State = Join-Path $Base 'state'
$Agent = Join-Path $Base 'agent.mjs'

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  throw 'restic-manager agent: run this in an elevated (administrator) PowerShell'
}
$Node = (Get-Command node -ErrorAction SilentlyContinue).Source
if (-not $Node) { throw 'restic-manager agent: Node.js >= 20 is required (winget install OpenJS.NodeJS.LTS)' }
$major = [int](& $Node -p 'process.versions.node.split(".")[0]')
if ($major -lt 20) { throw "restic-manager agent: Node.js >= 20 is required; found $(& $Node --version)" }
if (-not (Get-Command restic -ErrorAction SilentlyContinue)) {
  Write-Warning 'restic is not on PATH yet: install it (winget install restic.restic) before running jobs'
}

New-Item -ItemType Directory -Force -Path $Base, $State | Out-Null
# Only SYSTEM and Administrators may read the config (it holds the agent's credential).
icacls $Base /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null
Invoke-WebRequest -UseBasicParsing -Uri "$Server/agent/agent.mjs" -OutFile "$Agent.new"
Move-Item -Force "$Agent.new" $Agent

if (Test-Path $Config) {
  Write-Host "already enrolled ($Config exists): keeping that identity"
} else {
  if (-not $env:RM_ENROLL_TOKEN) { throw 'restic-manager agent: set $env:RM_ENROLL_TOKEN to the enrollment token' }
  & $Node $Agent enroll --server $Server --config $Config --state-dir $State
  if ($LASTEXITCODE -ne 0) { throw 'restic-manager agent: enrollment failed' }
}

if ($ServiceWrapper) {
  # A real Windows service through WinSW: copy the wrapper next to its XML and install.
  $Wrapper = Join-Path $Base 'restic-manager-agent.exe'
  Copy-Item -Force $ServiceWrapper $Wrapper
  @"
<service>
  <id>restic-manager-agent</id>
  <name>restic-manager agent</name>
  <description>Runs restic jobs for $Server</description>
  <executable>$Node</executable>
  <arguments>"$Agent" run --config "$Config"</arguments>
  <startmode>Automatic</startmode>
  <onfailure action="restart" delay="5 sec"/>
  <stoptimeout>30 sec</stoptimeout>
  <log mode="roll-by-size"><sizeThreshold>10240</sizeThreshold><keepFiles>5</keepFiles></log>
</service>
"@ | Set-Content -Encoding UTF8 (Join-Path $Base 'restic-manager-agent.xml')
  & $Wrapper install
  & $Wrapper start
  Write-Host 'restic-manager agent installed as the Windows service "restic-manager-agent".'
} else {
  $action = New-ScheduledTaskAction -Execute $Node -Argument "\`"$Agent\`" run --config \`"$Config\`""
  $trigger = New-ScheduledTaskTrigger -AtStartup
  $settings = New-ScheduledTaskSettingsSet -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) \`
    -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
  $system = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
  Register-ScheduledTask -TaskName 'restic-manager-agent' -Action $action -Trigger $trigger \`
    -Settings $settings -Principal $system -Force | Out-Null
  # A reinstall over a running agent starts the new file.
  Stop-ScheduledTask -TaskName 'restic-manager-agent' -ErrorAction SilentlyContinue
  Start-ScheduledTask -TaskName 'restic-manager-agent'
  Write-Host 'restic-manager agent installed as the SYSTEM task "restic-manager-agent" (starts at boot).'
}
Write-Host "Check it with: & '$Node' '$Agent' status --config '$Config'"
`;
}
