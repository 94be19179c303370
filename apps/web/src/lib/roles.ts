import { ROLES, type TRole } from "@restic-manager/contracts";

const ROLE_LABELS: Record<TRole, string> = {
  viewer: "Viewer",
  operator: "Operator",
  admin: "Admin",
};

export const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }));

/** What each role may do, in one line, for the forms that pick one. */
export const ROLE_HINT =
  "Viewers see everything; operators also run jobs and restores; admins also manage users and tokens.";
