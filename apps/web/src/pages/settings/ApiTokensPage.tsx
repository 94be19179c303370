import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Alert } from "../../components/ui/Alert";
import type { CreatedToken } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { CreateTokenCard } from "./CreateTokenCard";
import { NewTokenBox } from "./NewTokenBox";
import { TokensTable } from "./TokensTable";

export function ApiTokensPage() {
  const trpc = useTRPC();
  const tokens = useQuery(trpc.apiTokens.list.queryOptions());
  const [created, setCreated] = useState<CreatedToken>();

  return (
    <div className="space-y-6" data-testid="page-tokens">
      {created ? (
        <NewTokenBox token={created} onDismiss={() => setCreated(undefined)} />
      ) : (
        <CreateTokenCard onCreated={setCreated} />
      )}
      {tokens.error ? <Alert tone="error">{describeError(tokens.error).message}</Alert> : null}
      {tokens.isPending ? <p className="text-sm text-slate-500">Loading tokens…</p> : null}
      {tokens.data ? <TokensTable tokens={tokens.data} /> : null}
    </div>
  );
}
