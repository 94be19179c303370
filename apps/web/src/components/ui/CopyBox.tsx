import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "./Button";

/** A value to paste somewhere else: shown in full, selectable, with a copy button. */
export function CopyBox({
  value,
  label,
  "data-testid": testId,
}: {
  value: string;
  label: string;
  "data-testid"?: string;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // Without clipboard access the text can still be selected and copied by hand.
      setCopied(false);
    }
  };

  return (
    <div className="flex items-stretch gap-2">
      <code
        data-testid={testId}
        className="min-w-0 flex-1 rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs break-all text-slate-900 select-all dark:border-slate-700 dark:bg-slate-950 dark:text-slate-100"
      >
        {value}
      </code>
      <Button onClick={copy} aria-label={`Copy ${label}`} title={`Copy ${label}`}>
        {copied ? (
          <Check className="size-4" aria-hidden />
        ) : (
          <Copy className="size-4" aria-hidden />
        )}
      </Button>
    </div>
  );
}
