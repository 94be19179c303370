import { Badge } from "../../components/ui/Badge";
import { severityTone, stateTone } from "./labels";

export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <Badge tone={severityTone(severity)} data-testid="alert-severity">
      {severity}
    </Badge>
  );
}

export function StateBadge({ state }: { state: string }) {
  return (
    <Badge tone={stateTone(state)} data-testid="alert-state">
      {state}
    </Badge>
  );
}
