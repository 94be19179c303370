import { ZRole } from "@restic-manager/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "../../components/ui/Badge";
import { Button } from "../../components/ui/Button";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import { Td } from "../../components/ui/Table";
import type { UserListItem } from "../../lib/api-types";
import { describeError } from "../../lib/errors";
import { formatRelative } from "../../lib/format";
import { ROLE_OPTIONS } from "../../lib/roles";
import { useSession } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { ResetPasswordDialog } from "./ResetPasswordDialog";

type OpenDialog = "reset" | "delete" | undefined;

/** What a row tells the page after an action: shown above the table. */
export interface Notice {
  tone: "success" | "error";
  text: string;
}

export function UserRow({ user, onNotice }: { user: UserListItem; onNotice: (n: Notice) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useSession();
  const isMe = user.id === me.id;
  const [dialog, setDialog] = useState<OpenDialog>();

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const fail = (error: unknown) => onNotice({ tone: "error", text: describeError(error).message });

  const update = useMutation(
    trpc.users.update.mutationOptions({ onSettled: refresh, onError: fail }),
  );
  const revoke = useMutation(
    trpc.users.revokeSessions.mutationOptions({
      onSettled: refresh,
      onError: fail,
      onSuccess: ({ revoked }) =>
        onNotice({
          tone: "success",
          text: `Signed ${user.username} out of ${revoked} session(s).`,
        }),
    }),
  );
  const remove = useMutation(
    trpc.users.remove.mutationOptions({
      onSuccess: () => {
        setDialog(undefined);
        onNotice({ tone: "success", text: `Deleted ${user.username}.` });
        void refresh();
      },
    }),
  );

  return (
    <tr data-testid="user-row" data-username={user.username}>
      <Td className="font-medium text-slate-900 dark:text-white">
        <span className="flex items-center gap-2">
          {user.username}
          {isMe ? <Badge>you</Badge> : null}
        </span>
      </Td>
      <Td>
        <select
          aria-label={`Role of ${user.username}`}
          data-testid="user-role"
          value={user.role}
          disabled={update.isPending}
          onChange={(event) => {
            const role = ZRole.safeParse(event.target.value);
            if (role.success) update.mutate({ id: user.id, role: role.data });
          }}
          className="rounded-md border border-slate-300 bg-white py-1 pr-7 pl-2 text-sm dark:border-slate-700 dark:bg-slate-900"
        >
          {ROLE_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </Td>
      <Td>
        <Badge tone={user.disabled ? "danger" : "success"} data-testid="user-status">
          {user.disabled ? "Disabled" : "Active"}
        </Badge>
      </Td>
      <Td data-testid="user-sessions">{user.activeSessions}</Td>
      <Td className="whitespace-nowrap">{formatRelative(user.lastSeenAt)}</Td>
      <Td>
        <div className="flex justify-end gap-1.5">
          {isMe ? (
            <span className="py-1.5 text-xs text-slate-500 dark:text-slate-400">
              Manage yourself under “Your account”
            </span>
          ) : (
            <>
              <Button
                size="sm"
                data-testid="user-toggle-disabled"
                disabled={update.isPending}
                onClick={() => update.mutate({ id: user.id, disabled: !user.disabled })}
              >
                {user.disabled ? "Enable" : "Disable"}
              </Button>
              <Button
                size="sm"
                data-testid="user-reset-password"
                onClick={() => setDialog("reset")}
              >
                Reset password
              </Button>
              <Button
                size="sm"
                data-testid="user-revoke-sessions"
                disabled={revoke.isPending}
                onClick={() => revoke.mutate({ id: user.id })}
              >
                Sign out everywhere
              </Button>
              <Button
                size="sm"
                variant="ghost"
                className="text-red-600 hover:text-red-700 dark:text-red-400"
                data-testid="user-delete"
                onClick={() => setDialog("delete")}
              >
                Delete
              </Button>
            </>
          )}
        </div>
        <ResetPasswordDialog
          open={dialog === "reset"}
          user={user}
          onClose={() => setDialog(undefined)}
          onDone={() => {
            setDialog(undefined);
            onNotice({ tone: "success", text: `New password set for ${user.username}.` });
            void refresh();
          }}
        />
        <ConfirmDialog
          open={dialog === "delete"}
          title={`Delete ${user.username}?`}
          confirmLabel="Delete user"
          pending={remove.isPending}
          error={remove.error ? describeError(remove.error).message : undefined}
          onConfirm={() => remove.mutate({ id: user.id })}
          onClose={() => {
            setDialog(undefined);
            remove.reset();
          }}
        >
          Their sessions and API tokens stop working at once. The audit log keeps what they did.
        </ConfirmDialog>
      </Td>
    </tr>
  );
}
