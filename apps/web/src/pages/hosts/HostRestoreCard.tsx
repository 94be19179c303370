import { Card } from "../../components/ui/Card";
import type { HostDetail } from "../../lib/api-types";
import { useRoleAtLeast } from "../../lib/session";
import { RestoreRootsEditor } from "./RestoreRootsEditor";
import { RootsList } from "./RootsList";

/** Where restores may write on this host; admins change it here. */
export function HostRestoreCard({ host }: { host: HostDetail }) {
  const isAdmin = useRoleAtLeast("admin");
  return (
    <Card
      title="Restore directories"
      description="Restores from the snapshot browser to “another path” may only write inside these directories. Restoring to the original location needs an explicit confirmation instead."
      data-testid="host-restore-card"
    >
      {isAdmin ? (
        // Saved roots come back through the host query; the form keeps what is being typed.
        <RestoreRootsEditor hostId={host.id} roots={host.restoreRoots} />
      ) : (
        <RootsList roots={host.restoreRoots} hostName={host.name} />
      )}
    </Card>
  );
}
