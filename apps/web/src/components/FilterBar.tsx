import type { FormEvent, ReactNode } from "react";
import type { FieldBinding } from "../lib/forms";
import { Button } from "./ui/Button";
import { TextField } from "./ui/Field";

interface FilterBarProps {
  /** The grid the fields sit in, column counts included. */
  gridClassName: string;
  onApply: () => void;
  onClear: () => void;
  children: ReactNode;
  "data-testid": string;
}

/** A list's filter form: its fields, then "Apply filters" and "Clear". */
export function FilterBar({
  gridClassName,
  onApply,
  onClear,
  children,
  "data-testid": testId,
}: FilterBarProps) {
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    onApply();
  };

  return (
    <form
      onSubmit={onSubmit}
      data-testid={testId}
      className="mb-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <div className={gridClassName}>{children}</div>
      <div className="mt-4 flex gap-2">
        <Button type="submit" variant="primary" data-testid="filter-apply">
          Apply filters
        </Button>
        <Button onClick={onClear}>Clear</Button>
      </div>
    </form>
  );
}

/** The "From" and "To" days of a filter, as `from` and `to` in its values. */
export function DateRangeFields({ bind }: { bind: (name: "from" | "to") => FieldBinding }) {
  return (
    <>
      <TextField label="From" type="date" data-testid="filter-from" {...bind("from")} />
      <TextField label="To" type="date" data-testid="filter-to" {...bind("to")} />
    </>
  );
}
