import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Alert } from "../../components/ui/Alert";
import { describeError } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { CreateUserCard } from "./CreateUserCard";
import type { Notice } from "./UserRow";
import { UsersTable } from "./UsersTable";

export function UsersPage() {
  const trpc = useTRPC();
  const users = useQuery(trpc.users.list.queryOptions());
  const [notice, setNotice] = useState<Notice>();

  return (
    <div className="space-y-6" data-testid="page-users">
      <CreateUserCard
        onCreated={(name) => setNotice({ tone: "success", text: `Created ${name}.` })}
      />
      {notice ? (
        <Alert tone={notice.tone} data-testid="users-notice">
          {notice.text}
        </Alert>
      ) : null}
      {users.error ? <Alert tone="error">{describeError(users.error).message}</Alert> : null}
      {users.isPending ? <p className="text-sm text-slate-500">Loading users…</p> : null}
      {users.data ? <UsersTable users={users.data} onNotice={setNotice} /> : null}
    </div>
  );
}
