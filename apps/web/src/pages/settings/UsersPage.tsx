import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { QueryStatus } from "../../components/QueryStatus";
import { Alert } from "../../components/ui/Alert";
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
      <QueryStatus query={users} loading="Loading users…" />
      {users.data ? <UsersTable users={users.data} onNotice={setNotice} /> : null}
    </div>
  );
}
