import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, type BadgeTone } from "../../components/ui/Badge";
import { Button } from "../../components/ui/Button";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import { Table, Td, Th } from "../../components/ui/Table";
import type { TokenListItem } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { formatDateTime, formatRelative } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";

function tokenState(token: TokenListItem): { label: string; tone: BadgeTone } {
  if (token.revokedAt) return { label: "Revoked", tone: "neutral" };
  if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) {
    return { label: "Expired", tone: "warning" };
  }
  return { label: "Active", tone: "success" };
}

export function TokensTable({ tokens }: { tokens: TokenListItem[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [revoking, setRevoking] = useState<TokenListItem>();
  const revoke = useMutation(
    trpc.apiTokens.revoke.mutationOptions({
      onSuccess: () => {
        setRevoking(undefined);
        void queryClient.invalidateQueries({ queryKey: trpc.apiTokens.list.queryKey() });
      },
    }),
  );

  if (tokens.length === 0) {
    return (
      <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="tokens-empty">
        No API tokens yet. Tokens you create appear here with their role, owner, expiry and when
        they were last used.
      </p>
    );
  }

  return (
    <>
      <Table data-testid="tokens-table">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>Role</Th>
            <Th>Status</Th>
            <Th>Created</Th>
            <Th>Expires</Th>
            <Th>Last used</Th>
            <Th className="text-right">Actions</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {tokens.map((token) => {
            const state = tokenState(token);
            return (
              <tr key={token.id} data-testid="token-row" data-token-name={token.name}>
                <Td className="font-medium text-slate-900 dark:text-white">{token.name}</Td>
                <Td data-testid="token-role">
                  {token.role}
                  {token.grantedRole !== token.role && (
                    <span className="block text-xs text-slate-500">
                      granted {token.grantedRole}; capped by {token.createdBy}'s role
                    </span>
                  )}
                </Td>
                <Td>
                  <Badge tone={state.tone} data-testid="token-status">
                    {state.label}
                  </Badge>
                </Td>
                <Td className="whitespace-nowrap">
                  {formatDateTime(token.createdAt)}
                  <span className="block text-xs text-slate-500">by {token.createdBy}</span>
                </Td>
                <Td className="whitespace-nowrap">
                  {token.expiresAt ? formatDateTime(token.expiresAt) : "never"}
                </Td>
                <Td className="whitespace-nowrap">{formatRelative(token.lastUsedAt)}</Td>
                <Td className="text-right">
                  {token.revokedAt ? null : (
                    <Button size="sm" data-testid="token-revoke" onClick={() => setRevoking(token)}>
                      Revoke
                    </Button>
                  )}
                </Td>
              </tr>
            );
          })}
        </tbody>
      </Table>
      <ConfirmDialog
        open={revoking !== undefined}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke token"
        pending={revoke.isPending}
        error={revoke.error ? describeError(revoke.error).message : undefined}
        onConfirm={() => revoking && revoke.mutate({ id: revoking.id })}
        onClose={() => {
          setRevoking(undefined);
          revoke.reset();
        }}
      >
        Scripts using this token are refused from now on. This cannot be undone.
      </ConfirmDialog>
    </>
  );
}
