const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timestamp = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["day", 86_400],
  ["hour", 3600],
  ["minute", 60],
];

export function formatDateTime(date: Date | null | undefined): string {
  return date ? dateTime.format(date) : "—";
}

const zoned = new Map<string, Intl.DateTimeFormat>();

/**
 * Date and time as a clock in `timeZone` shows it, with the zone's short name: a schedule's
 * runs are read in the zone they are planned in, not the browser's.
 */
export function formatDateTimeIn(date: Date | null | undefined, timeZone: string): string {
  if (!date) return "—";
  let format = zoned.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat(undefined, {
        weekday: "short",
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        // Schedules say their times in 24-hour form ("Every day at 02:00"): so do their runs.
        hourCycle: "h23",
        timeZone,
        timeZoneName: "short",
      });
    } catch {
      return formatDateTime(date);
    }
    zoned.set(timeZone, format);
  }
  return format.format(date);
}

/** Date and time to the second, for logs. */
export function formatTimestamp(date: Date): string {
  return timestamp.format(date);
}

/** The time of day to the second, for log lines. */
export function formatClock(date: Date): string {
  return clock.format(date);
}

/** "3 minutes ago", "in 2 days"; "just now" under a minute. */
export function formatRelative(date: Date | null | undefined, now = Date.now()): string {
  if (!date) return "never";
  const seconds = Math.round((date.getTime() - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, "Edge"],
  [/Firefox\//, "Firefox"],
  [/Chrom(e|ium)\//, "Chrome"],
  [/Safari\//, "Safari"],
  [/curl\//, "curl"],
];
const SYSTEMS: [RegExp, string][] = [
  [/Windows/, "Windows"],
  [/Android/, "Android"],
  [/iPhone|iPad/, "iOS"],
  [/Mac OS X/, "macOS"],
  [/Linux/, "Linux"],
];

function firstMatch(text: string, patterns: [RegExp, string][]): string | undefined {
  return patterns.find(([pattern]) => pattern.test(text))?.[1];
}

/** A short description of a browser from its user agent, for the sessions list. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const browser = firstMatch(userAgent, BROWSERS);
  const os = firstMatch(userAgent, SYSTEMS);
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? userAgent.slice(0, 60);
}

const count = new Intl.NumberFormat(undefined);
const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** A whole number with the locale's digit grouping. */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : count.format(value);
}

/** "1 snapshot", "3 snapshots": a count with its noun. */
export function formatCountOf(value: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(value)} ${value === 1 ? singular : plural}`;
}

/** Sizes in binary units, as restic prints them: "512 B", "1.5 KiB", "3.20 GiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${bytes < 0 ? "-" : ""}${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number | null | undefined): string {
  if (bytesPerSecond === null || bytesPerSecond === undefined) return "—";
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** "45 s", "3 min 12 s", "2 h 5 min", "3 d 4 h": the two largest units. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const parts: [number, string][] = [
    [Math.floor(total / 86_400), "d"],
    [Math.floor((total % 86_400) / 3600), "h"],
    [Math.floor((total % 3600) / 60), "min"],
    [total % 60, "s"],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value} ${unit}`)
    .join(" ");
}

/** Seconds between two dates, the second defaulting to now. */
export function secondsBetween(start: Date, end: Date | null | undefined, now = Date.now()) {
  return ((end?.getTime() ?? now) - start.getTime()) / 1000;
}

/** A compact age for tables: "just now", "12 min ago", "3 h ago", "5 d ago". */
export function formatAge(date: Date | null | undefined, now = Date.now()): string {
  if (!date) return "never";
  const seconds = (now - date.getTime()) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** A fraction 0..1 as a whole percentage 0..100. */
export function toPercent(fraction: number): number {
  return Math.round(Math.min(1, Math.max(0, fraction)) * 100);
}

const TYPE_LETTERS: Record<string, string> = { dir: "d", symlink: "l", file: "-", other: "?" };
/** Go's os.FileMode bits, as restic reports a node's mode. */
const SETUID = 1 << 23;
const SETGID = 1 << 22;
const STICKY = 1 << 20;

/** "drwxr-xr-x": a node's type and permission bits as `ls -l` prints them. */
export function formatMode(type: string, mode: number | null | undefined): string {
  if (mode === null || mode === undefined) return "—";
  const bits = "rwxrwxrwx".split("").map((letter, i) => ((mode >> (8 - i)) & 1 ? letter : "-"));
  const special = (index: number, on: boolean, letter: string) => {
    if (on) bits[index] = bits[index] === "x" ? letter : letter.toUpperCase();
  };
  special(2, (mode & SETUID) !== 0, "s");
  special(5, (mode & SETGID) !== 0, "s");
  special(8, (mode & STICKY) !== 0, "t");
  return `${TYPE_LETTERS[type] ?? "?"}${bits.join("")}`;
}
