import type { RouterInputs, RouterOutputs } from "@restic-manager/api/router";

/** What the API returns, by the names the pages use. One place, so no page derives its own. */

export type { RouterInputs, RouterOutputs };

export type JobListItem = RouterOutputs["jobs"]["list"]["items"][number];
export type JobDetail = RouterOutputs["jobs"]["get"];
export type AuditEntry = RouterOutputs["audit"]["list"]["items"][number];
export type RepositorySummary = RouterOutputs["repositories"]["list"]["items"][number];
export type RepositoryDetail = RouterOutputs["repositories"]["get"];
export type HostListItem = RouterOutputs["hosts"]["list"]["items"][number];
export type HostDetail = RouterOutputs["hosts"]["get"];
export type DashboardSummary = RouterOutputs["dashboard"]["summary"];
export type CreatedEnrollment = RouterOutputs["hosts"]["createEnrollment"];
export type UserListItem = RouterOutputs["users"]["list"][number];
export type TokenListItem = RouterOutputs["apiTokens"]["list"][number];
export type CreatedToken = RouterOutputs["apiTokens"]["create"];
export type BackupSet = RouterOutputs["backupSets"]["list"]["items"][number];
export type SignedInUser = NonNullable<RouterOutputs["auth"]["status"]["user"]>;
export type ScheduleListItem = RouterOutputs["schedules"]["list"]["items"][number];
export type CheckCoverage = RouterOutputs["schedules"]["checkCoverage"][number];
export type ScheduleMiss = RouterOutputs["schedules"]["misses"]["items"][number];
export type SnapshotList = RouterOutputs["snapshots"]["list"];
export type SnapshotListItem = SnapshotList["snapshots"][number];
export type SnapshotReader = SnapshotList["reader"];
export type BrowseAnswer = RouterOutputs["snapshots"]["browse"];
export type BrowseEntry = BrowseAnswer["entries"][number];
export type FindMatch = RouterOutputs["snapshots"]["find"]["matches"][number];
export type SnapshotDiff = RouterOutputs["snapshots"]["diff"];
export type RestoreRequest = RouterInputs["restores"]["start"];
export type AlertListItem = RouterOutputs["alerts"]["list"]["items"][number];
export type AlertDetail = RouterOutputs["alerts"]["get"];
export type AlertEvent = AlertDetail["events"][number];
export type AlertDelivery = AlertDetail["deliveries"][number];
export type AlertRule = RouterOutputs["alerts"]["rules"][number];
export type HostAlertSettings = RouterOutputs["alerts"]["hostSettings"];
export type ChannelListItem = RouterOutputs["channels"]["list"][number];
export type ChannelPreview = RouterOutputs["channels"]["preview"];
export type ChannelTestOutcome = RouterOutputs["channels"]["test"];
