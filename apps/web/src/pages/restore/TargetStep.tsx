import { useState } from "react";
import { HostSelectField } from "../../components/HostSelectField";
import { Alert } from "../../components/ui/Alert";
import { ChoiceField, TextField } from "../../components/ui/Field";
import type { HostDetail } from "../../lib/api-types";
import { useRoleAtLeast } from "../../lib/session";
import { RestoreRootsEditor } from "../hosts/RestoreRootsEditor";
import { RootsList } from "../hosts/RootsList";
import type { RestoreDraft, RestoreSource, TargetType } from "./restoreForm";
import type { useRestoreTarget } from "./useRestoreTarget";

interface TargetStepProps {
  source: RestoreSource;
  draft: RestoreDraft;
  change: (patch: Partial<RestoreDraft>) => void;
  errors: Record<string, string>;
  /** The host the files go to: the source host, or the one picked under "Another host". */
  target: ReturnType<typeof useRestoreTarget>;
}

/** Where the files go: where they were, another directory on their host, or another host. */
export function TargetStep({ source, draft, change, errors, target }: TargetStepProps) {
  const noAccess =
    draft.target === "host" && target.host && target.hasAccess === false
      ? `${target.host.name} has no access to this repository: give it a backup set in it first, or pick another host.`
      : undefined;

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
        <HostSelectField
          label="Host"
          emptyLabel="Pick a host"
          activeOnly
          showOnline
          data-testid="restore-host"
          value={draft.hostId}
          error={errors.hostId ?? noAccess}
          onChange={(event) => change({ hostId: event.target.value })}
          hint="A host with a backup set in this repository, or its maintenance host."
        />
      ) : null}
      {draft.target !== "original" && target.host && !noAccess ? (
        <TargetDirectory
          host={target.host}
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
  host: HostDetail;
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
