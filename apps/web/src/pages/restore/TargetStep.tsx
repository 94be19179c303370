import { useState } from "react";
import { Alert } from "../../components/ui/Alert";
import { ChoiceField, SelectField, TextField } from "../../components/ui/Field";
import type { HostListItem } from "../../lib/api-types";
import { useRoleAtLeast } from "../../lib/session";
import { RestoreRootsEditor } from "../hosts/RestoreRootsEditor";
import { RootsList } from "../hosts/RootsList";
import type { RestoreDraft, RestoreSource, TargetType } from "./restoreForm";
import type { useRestoreHosts } from "./useRestoreHosts";

interface TargetStepProps {
  source: RestoreSource;
  draft: RestoreDraft;
  change: (patch: Partial<RestoreDraft>) => void;
  errors: Record<string, string>;
  restoreHosts: ReturnType<typeof useRestoreHosts>;
}

/** Where the files go: where they were, another directory on their host, or another host. */
export function TargetStep({ source, draft, change, errors, restoreHosts }: TargetStepProps) {
  const others = restoreHosts.hosts.filter((host) => host.id !== source.hostId);
  const targetHost =
    draft.target === "host"
      ? restoreHosts.hostById(draft.hostId)
      : restoreHosts.hostById(source.hostId);

  return (
    <div className="space-y-4" data-testid="restore-step-target">
      <ChoiceField
        label="Restore to"
        name="restore-target"
        value={draft.target}
        onChange={(value) => change({ target: value as TargetType })}
        choices={[
          {
            value: "original",
            label: "The original location",
            hint: `Where the files were, on ${source.hostName}: writes over what is there now.`,
            "data-testid": "restore-target-original",
          },
          {
            value: "path",
            label: "Another directory",
            hint: `On ${source.hostName}, inside a directory it allows restores into.`,
            "data-testid": "restore-target-path",
          },
          {
            value: "host",
            label: "Another host",
            hint: "A host with access to this repository, into a directory it allows.",
            "data-testid": "restore-target-host",
          },
        ]}
      />
      {draft.target === "host" ? (
        <SelectField
          label="Host"
          data-testid="restore-host"
          value={draft.hostId}
          error={errors.hostId}
          onChange={(event) => change({ hostId: event.target.value })}
          hint={
            others.length === 0
              ? "No other host has access to this repository: give one a backup set in it first."
              : undefined
          }
          options={[
            { value: "", label: "Pick a host" },
            ...others.map((host) => ({
              value: host.id,
              label: `${host.name} (${host.online ? "online" : "offline"})`,
            })),
          ]}
        />
      ) : null}
      {draft.target !== "original" && targetHost ? (
        <TargetDirectory
          host={targetHost}
          path={draft.path}
          error={errors.path}
          onPath={(path) => change({ path })}
        />
      ) : null}
      {draft.target === "original" ? (
        <Alert tone="warning" title="Files are written back where they were">
          Files on {source.hostName} with the same path are replaced according to the overwrite
          policy (next step). You confirm this once more before the restore starts.
        </Alert>
      ) : null}
    </div>
  );
}

function TargetDirectory({
  host,
  path,
  error,
  onPath,
}: {
  host: HostListItem;
  path: string;
  error: string | undefined;
  onPath: (path: string) => void;
}) {
  const isAdmin = useRoleAtLeast("admin");
  const [editing, setEditing] = useState(false);
  return (
    <div className="space-y-3">
      <div className="space-y-1.5" data-testid="restore-roots">
        <div className="flex items-baseline justify-between gap-3">
          <p className="text-sm font-medium text-slate-700 dark:text-slate-300">
            Directories {host.name} allows
          </p>
          {isAdmin ? (
            <button
              type="button"
              className="text-xs text-teal-700 hover:underline dark:text-teal-300"
              data-testid="restore-roots-edit"
              onClick={() => setEditing((on) => !on)}
            >
              {editing ? "Done" : "Edit"}
            </button>
          ) : null}
        </div>
        {editing ? (
          <RestoreRootsEditor
            key={host.id}
            hostId={host.id}
            roots={host.restoreRoots}
            onSaved={() => setEditing(false)}
          />
        ) : (
          <RootsList roots={host.restoreRoots} hostName={host.name} />
        )}
      </div>
      <TextField
        label={`Directory on ${host.name}`}
        data-testid="restore-path"
        placeholder={host.restoreRoots[0] ?? "/srv/restores"}
        value={path}
        error={error}
        onChange={(event) => onPath(event.target.value)}
        hint="Each item keeps its full path below this directory."
      />
    </div>
  );
}
