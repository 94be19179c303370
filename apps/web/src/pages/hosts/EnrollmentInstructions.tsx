import type { ReactNode } from "react";
import { Alert } from "../../components/ui/Alert";
import { CopyBox } from "../../components/ui/CopyBox";
import type { CreatedEnrollment } from "../../lib/api-types";
import { formatDateTime } from "../../lib/format";

/** The commands that enroll an endpoint with a new token; the token is never shown again. */
export function EnrollmentInstructions({ enrollment }: { enrollment: CreatedEnrollment }) {
  return (
    <div className="space-y-4" data-testid="enrollment-instructions">
      <Alert tone="warning" title="Copy it now">
        The token in these commands is shown once and expires at{" "}
        <span data-testid="enrollment-expires">{formatDateTime(enrollment.expiresAt)}</span>. It
        enrolls one host.
      </Alert>
      <CommandSection
        title="On a Linux endpoint, as root"
        command={enrollment.installCommand}
        label="install command"
        data-testid="install-command"
      >
        Installs the agent as a systemd service, enrolls it and starts it.
      </CommandSection>
      <CommandSection
        title="On a Windows endpoint, in PowerShell as Administrator"
        command={enrollment.windowsInstallCommand}
        label="Windows install command"
        data-testid="windows-install-command"
      >
        Installs the agent to start at boot as SYSTEM, enrolls it and starts it.
      </CommandSection>
      <CommandSection
        title="Or by hand, in a shell"
        command={enrollment.enrollCommand}
        label="enroll command"
        data-testid="enroll-command"
      >
        Download the agent from{" "}
        <span className="font-mono">{enrollment.serverUrl}/agent/agent.mjs</span> (it needs Node.js
        20 or newer and restic), enroll it with this command, then keep{" "}
        <span className="font-mono">node agent.mjs run</span> running as a service.
      </CommandSection>
    </div>
  );
}

interface CommandSectionProps {
  title: string;
  command: string;
  /** Names the command for the copy button. */
  label: string;
  /** What running the command does. */
  children: ReactNode;
  "data-testid": string;
}

function CommandSection({
  title,
  command,
  label,
  children,
  "data-testid": testId,
}: CommandSectionProps) {
  return (
    <section className="space-y-1.5">
      <h3 className="text-sm font-medium text-slate-800 dark:text-slate-200">{title}</h3>
      <p className="text-xs text-slate-500 dark:text-slate-400">{children}</p>
      <CopyBox value={command} label={label} data-testid={testId} />
    </section>
  );
}
