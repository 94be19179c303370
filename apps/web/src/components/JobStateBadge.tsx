import { stateTone } from "../lib/jobs";
import { Badge } from "./ui/Badge";

export function JobStateBadge({ state }: { state: string }) {
  return (
    <Badge tone={stateTone(state)} data-testid="job-state">
      {state}
    </Badge>
  );
}
