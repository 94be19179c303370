import { Link } from "react-router";
import { OnlineDot } from "../../components/OnlineDot";
import { Badge } from "../../components/ui/Badge";
import { Table, Td, Th } from "../../components/ui/Table";
import type { HostListItem } from "../../lib/api-types";
import { LastBackup, LastSeen, ResticVersion } from "./HostFacts";

export function HostsTable({ hosts }: { hosts: HostListItem[] }) {
  return (
    <Table data-testid="hosts-table">
      <thead>
        <tr>
          <Th>Status</Th>
          <Th>Name</Th>
          <Th>OS</Th>
          <Th>Agent</Th>
          <Th>restic</Th>
          <Th>Last backup</Th>
          <Th>Last seen</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {hosts.map((host) => (
          <tr key={host.id} data-testid="host-row" data-host-name={host.name}>
            <Td className="whitespace-nowrap">
              <OnlineDot online={host.online} revoked={host.revokedAt !== null} />
            </Td>
            <Td>
              <Link
                to={`/hosts/${host.id}`}
                data-testid="host-link"
                className="font-medium text-teal-700 hover:underline dark:text-teal-300"
              >
                {host.name}
              </Link>
              {host.hostname !== host.name ? (
                <span className="block text-xs text-slate-500">{host.hostname}</span>
              ) : null}
            </Td>
            <Td className="whitespace-nowrap">
              {host.os}
              <span className="block text-xs text-slate-500">{host.arch}</span>
            </Td>
            <Td className="font-mono text-xs whitespace-nowrap" data-testid="host-agent-version">
              {host.agentVersion}
              {host.tooOldAgent ? (
                <span className="block" data-testid="host-agent-too-old-marker">
                  <Badge tone="danger">too old: reinstall</Badge>
                </span>
              ) : host.agentUpdate ? (
                <span className="block" data-testid="host-agent-update-marker">
                  <Badge tone="accent">update: {host.agentUpdate}</Badge>
                </span>
              ) : null}
            </Td>
            <Td>
              <ResticVersion version={host.resticVersion} problem={host.resticProblem} />
            </Td>
            <Td className="whitespace-nowrap">
              <LastBackup host={host} />
            </Td>
            <Td className="whitespace-nowrap" data-testid="host-last-seen">
              <LastSeen online={host.online} lastSeenAt={host.lastSeenAt} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
