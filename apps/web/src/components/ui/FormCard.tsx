import type { FormEvent, ReactNode } from "react";
import { Button } from "./Button";
import { Card } from "./Card";
import { FormError } from "./FormError";

interface FormCardProps {
  title: string;
  description: ReactNode;
  onSubmit: (event: FormEvent) => void;
  /** The mutation the form sends: its error is shown, and the button waits while it runs. */
  mutation: { error: unknown; isPending: boolean };
  submitLabel: string;
  pendingLabel: string;
  submitTestId: string;
  children: ReactNode;
  "data-testid": string;
}

/** A card holding one form: the server's error, the fields in a row, and a submit button. */
export function FormCard({
  title,
  description,
  onSubmit,
  mutation,
  submitLabel,
  pendingLabel,
  submitTestId,
  children,
  "data-testid": testId,
}: FormCardProps) {
  return (
    <Card title={title} description={description}>
      <form onSubmit={onSubmit} noValidate data-testid={testId} className="space-y-4">
        <FormError error={mutation.error} />
        <div className="grid gap-4 md:grid-cols-3">{children}</div>
        <Button
          type="submit"
          variant="primary"
          disabled={mutation.isPending}
          data-testid={submitTestId}
        >
          {mutation.isPending ? pendingLabel : submitLabel}
        </Button>
      </form>
    </Card>
  );
}
