import { checkbox, lines, type OperationField, snapshotFilters, text } from "./fields";

/** The options of the two kinds with the most of them: backup and forget. */

const KEEP_HINT = "A number or “unlimited”.";

function keep(period: string, label: string): OperationField {
  return {
    name: `policy.keep${period}`,
    label,
    control: "keep",
    hint: KEEP_HINT,
    section: "Retention",
  };
}

const GROUP_BY_OPTIONS = [
  { value: "", label: "Host and paths (restic's default)" },
  { value: "host", label: "Host" },
  { value: "host,tags", label: "Host and tags" },
  { value: "host,paths,tags", label: "Host, paths and tags" },
  { value: "paths", label: "Paths" },
  { value: "tags", label: "Tags" },
  { value: "none", label: "No grouping" },
];

export const BACKUP_FIELDS: OperationField[] = [
  lines("paths", "Paths to back up", {
    placeholder: "/home\n/etc",
    hint: "Files or directories on the host, one per line.",
  }),
  lines("excludes", "Exclude patterns", { placeholder: "*.tmp\n/home/*/.cache" }),
  lines("tags", "Tags", { placeholder: "daily" }),
  lines("excludeIfPresent", "Skip directories containing", {
    placeholder: ".nobackup",
    hint: "A file name per line: directories holding it are left out.",
  }),
  {
    name: "limitUpload",
    label: "Limit upload (KiB/s)",
    control: "number",
    placeholder: "no limit",
  },
  checkbox("oneFileSystem", "Stay on one file system", { hint: "Do not cross into other mounts." }),
  checkbox("dryRun", "Dry run", { hint: "Show what would be saved; store nothing." }),
  lines("iexcludes", "Exclude patterns, ignoring case", { advanced: true }),
  text("excludeLargerThan", "Skip files larger than", { advanced: true, placeholder: "2G" }),
  text("host", "Host name in the snapshot", {
    advanced: true,
    placeholder: "the host's own name",
  }),
  text("parent", "Parent snapshot", { advanced: true, hint: "Empty: restic chooses." }),
  {
    name: "compression",
    label: "Compression",
    control: "select",
    advanced: true,
    options: [
      { value: "", label: "Repository default" },
      { value: "auto", label: "auto" },
      { value: "off", label: "off" },
      { value: "max", label: "max" },
    ],
  },
  checkbox("excludeCaches", "Skip cache directories", {
    advanced: true,
    hint: "Directories with a CACHEDIR.TAG file.",
  }),
  checkbox("skipIfUnchanged", "No snapshot when nothing changed", { advanced: true }),
  checkbox("useFsSnapshot", "Use a VSS snapshot", {
    advanced: true,
    hint: "Windows only: reads open files consistently.",
  }),
];

export const FORGET_FIELDS: OperationField[] = [
  keep("Last", "Keep last"),
  keep("Hourly", "Keep hourly"),
  keep("Daily", "Keep daily"),
  keep("Weekly", "Keep weekly"),
  keep("Monthly", "Keep monthly"),
  keep("Yearly", "Keep yearly"),
  text("policy.keepWithin", "Keep within", {
    section: "Retention",
    placeholder: "30d",
    hint: "Everything newer than this, e.g. 7d, 2m, 1y6m.",
  }),
  checkbox("dryRun", "Dry run", { section: "Retention", hint: "Only show what would be removed." }),
  checkbox("prune", "Prune afterwards", {
    section: "Retention",
    hint: "Free the space right away.",
  }),
  lines("policy.keepTags", "Keep snapshots tagged", { section: "Retention", advanced: true }),
  ...snapshotFilters("Which snapshots", true),
  {
    name: "groupBy",
    label: "Group by",
    control: "groupBy",
    section: "Which snapshots",
    advanced: true,
    options: GROUP_BY_OPTIONS,
    hint: "The policy applies to each group separately.",
  },
  lines("snapshotIds", "Also forget these snapshots", {
    section: "Which snapshots",
    advanced: true,
    hint: "Snapshot ids, one per line.",
  }),
];
