import { Table, Th } from "../../components/ui/Table";
import type { UserListItem } from "../../lib/api-types";
import { type Notice, UserRow } from "./UserRow";

export function UsersTable({
  users,
  onNotice,
}: {
  users: UserListItem[];
  onNotice: (notice: Notice) => void;
}) {
  return (
    <Table data-testid="users-table">
      <thead>
        <tr>
          <Th>User</Th>
          <Th>Role</Th>
          <Th>Status</Th>
          <Th>Sessions</Th>
          <Th>Last seen</Th>
          <Th className="text-right">Actions</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
        {users.map((user) => (
          <UserRow key={user.id} user={user} onNotice={onNotice} />
        ))}
      </tbody>
    </Table>
  );
}
