import { Link } from "react-router";
import type { SnapshotReader } from "../../lib/api-types";

/** Which host's agent answered: snapshots are read through an agent that can reach them. */
export function ReadBy({ reader }: { reader: SnapshotReader }) {
  return (
    <span data-testid="read-by" data-host-id={reader.hostId}>
      Read by{" "}
      <Link
        to={`/hosts/${reader.hostId}`}
        className="text-teal-700 hover:underline dark:text-teal-300"
      >
        {reader.hostName}
      </Link>
    </span>
  );
}
