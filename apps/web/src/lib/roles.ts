import { ROLES, type TRole } from "@restic-manager/contracts";

const ROLE_LABELS: Record<TRole, string> = {
  viewer: "Viewer — sees everything, changes nothing",
  operator: "Operator — also runs jobs and restores",
  admin: "Admin — also manages users, tokens and settings",
};

export const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }));
export const ROLE_SHORT_OPTIONS = ROLES.map((role) => ({ value: role, label: role }));
