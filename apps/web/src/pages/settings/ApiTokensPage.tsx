import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { QueryStatus } from "../../components/QueryStatus";
import type { CreatedToken } from "../../lib/api-types";
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
      <QueryStatus query={tokens} loading="Loading tokens…" />
      {tokens.data ? <TokensTable tokens={tokens.data} /> : null}
    </div>
  );
}
