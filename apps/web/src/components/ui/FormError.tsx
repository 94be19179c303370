import { describeError } from "../../lib/errors";
import { Alert } from "./Alert";

/** Why the server turned down a form's last submission; nothing while there is no such error. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert tone="error" data-testid="form-error">
      {describeError(error).message}
    </Alert>
  );
}
