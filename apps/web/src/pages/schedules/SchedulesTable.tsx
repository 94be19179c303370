import { Link } from "react-router";
import { Table, Td, Th } from "../../components/ui/Table";
import type { ScheduleListItem } from "../../lib/api-types";
import { useRoleAtLeast } from "../../lib/session";
import { ScheduleActions } from "./ScheduleActions";
import { LastRun, NextRun, ScheduleStatus, ScheduleWhen, scheduleStatus } from "./ScheduleFacts";
import { KIND_LABELS } from "./scheduleForm";

const LINK = "text-teal-700 hover:underline dark:text-teal-300";

interface SchedulesTableProps {
  schedules: ScheduleListItem[];
  onEdit?: ((schedule: ScheduleListItem) => void) | undefined;
  onDelete?: ((schedule: ScheduleListItem) => void) | undefined;
  /** Pages that show schedules beside other things leave the actions to the Schedules page. */
  withActions?: boolean;
}

/** Every schedule with what it runs, where and when, how its last run went and what stops it. */
export function SchedulesTable({
  schedules,
  onEdit,
  onDelete,
  withActions = true,
}: SchedulesTableProps) {
  const canOperate = useRoleAtLeast("operator");
  const hasActions = withActions && (canOperate || onEdit !== undefined || onDelete !== undefined);
  return (
    <Table data-testid="schedules-table">
      <thead>
        <tr>
          <Th>Kind</Th>
          <Th>Target</Th>
          <Th>Host</Th>
          <Th>When</Th>
          <Th>Next run</Th>
          <Th>Last run</Th>
          <Th>Status</Th>
          {hasActions ? <Th className="text-right">Actions</Th> : null}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {schedules.map((schedule) => (
          <tr
            key={schedule.id}
            data-testid="schedule-row"
            data-kind={schedule.kind}
            data-target={schedule.backupSetName ?? schedule.repositoryName}
            data-status={scheduleStatus(schedule)}
          >
            <Td className="font-medium whitespace-nowrap text-slate-900 dark:text-white">
              {KIND_LABELS[schedule.kind].label}
            </Td>
            <Td className="whitespace-nowrap">
              <Target schedule={schedule} />
            </Td>
            <Td className="whitespace-nowrap">
              {schedule.hostId ? (
                <Link to={`/hosts/${schedule.hostId}`} className={LINK}>
                  {schedule.hostName}
                </Link>
              ) : (
                <span className="text-slate-500">none</span>
              )}
            </Td>
            <Td className="min-w-44">
              <ScheduleWhen schedule={schedule} />
            </Td>
            <Td>
              <NextRun schedule={schedule} />
            </Td>
            <Td>
              <LastRun schedule={schedule} />
            </Td>
            <Td>
              <ScheduleStatus schedule={schedule} />
            </Td>
            {hasActions ? (
              <Td className="text-right whitespace-nowrap">
                <ScheduleActions schedule={schedule} onEdit={onEdit} onDelete={onDelete} />
              </Td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** The set (and the repository it goes to) or the repository the schedule works on. */
function Target({ schedule }: { schedule: ScheduleListItem }) {
  const repository = (
    <Link to={`/repositories/${schedule.repositoryId}`} className={LINK}>
      {schedule.repositoryName}
    </Link>
  );
  if (!schedule.backupSetId) return repository;
  return (
    <span>
      {/* A backup runs on the set's own host, whose page holds the set. */}
      {schedule.kind === "backup" && schedule.hostId ? (
        <Link
          to={`/hosts/${schedule.hostId}`}
          className={`font-medium ${LINK}`}
          data-testid="schedule-set"
        >
          {schedule.backupSetName}
        </Link>
      ) : (
        <span className="font-medium text-slate-900 dark:text-white" data-testid="schedule-set">
          {schedule.backupSetName}
        </span>
      )}
      <span className="block text-xs text-slate-500 dark:text-slate-400">into {repository}</span>
    </span>
  );
}
