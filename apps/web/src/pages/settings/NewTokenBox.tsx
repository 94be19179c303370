import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Alert } from "../../components/ui/Alert";
import { Button } from "../../components/ui/Button";
import { Card } from "../../components/ui/Card";
import type { CreatedToken } from "../../lib/api-types";

/** Shows a new token's secret: the server keeps only its hash, so this is the only chance. */
export function NewTokenBox({ token, onDismiss }: { token: CreatedToken; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied(true);
    } catch {
      // Without clipboard access the token can still be selected and copied by hand.
      setCopied(false);
    }
  };

  return (
    <Card title={`Token “${token.name}” created`} data-testid="new-token-box">
      <div className="space-y-4">
        <Alert tone="warning" title="Copy it now">
          This token will not be shown again. Store it somewhere safe, such as a password manager or
          your script's secret store.
        </Alert>
        <div className="flex items-stretch gap-2">
          <code
            data-testid="new-token"
            className="min-w-0 flex-1 rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-sm break-all text-slate-900 select-all dark:border-slate-700 dark:bg-slate-950 dark:text-slate-100"
          >
            {token.token}
          </code>
          <Button onClick={copy} data-testid="copy-token" aria-label="Copy token">
            {copied ? (
              <Check className="size-4" aria-hidden />
            ) : (
              <Copy className="size-4" aria-hidden />
            )}
            <span className="hidden sm:inline">{copied ? "Copied" : "Copy"}</span>
          </Button>
        </div>
        <Button variant="primary" onClick={onDismiss} data-testid="new-token-done">
          I have stored it
        </Button>
      </div>
    </Card>
  );
}
