import { Alert } from "./ui/Alert";
import { Button } from "./ui/Button";

export function FullPageLoading() {
  return (
    <div
      data-testid="app-loading"
      className="flex min-h-dvh items-center justify-center text-sm text-slate-500"
    >
      Loading…
    </div>
  );
}

export function FullPageError({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div className="flex min-h-dvh items-center justify-center px-4">
      <div className="w-full max-w-sm space-y-4">
        <Alert tone="error" title="restic-manager cannot start" data-testid="app-error">
          {message}
        </Alert>
        <Button onClick={onRetry}>Try again</Button>
      </div>
    </div>
  );
}
