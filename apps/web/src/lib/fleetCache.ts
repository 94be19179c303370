import type { TFleetEvent } from "@restic-manager/contracts";
import type { InfiniteData, QueryClient, QueryKey } from "@tanstack/react-query";
import { isActiveState, laterState } from "./jobStates";

/** A list page as the API returns it; queries hold one page, or several for "Load more". */
interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
type ListData<T> = Page<T> | InfiniteData<Page<T>>;

function pagesOf<T>(data: ListData<T>): Page<T>[] {
  return "pages" in data ? data.pages : [data];
}

/** The same list with `update` applied to its items; the same object when nothing changed. */
function mapItems<T>(data: ListData<T>, update: (item: T) => T): ListData<T> {
  let changed = false;
  const mapPage = (page: Page<T>): Page<T> => {
    const items = page.items.map((item) => {
      const next = update(item);
      if (next !== item) changed = true;
      return next;
    });
    return { ...page, items };
  };
  const next = "pages" in data ? { ...data, pages: data.pages.map(mapPage) } : mapPage(data);
  return changed ? next : data;
}

interface HostRow {
  id: string;
  online: boolean;
  lastSeenAt: Date | null;
}

interface JobRow {
  id: string;
  state: string;
  hostId?: string;
  kind?: string;
}

type HostEvent = Extract<TFleetEvent, { type: "host" }>;
type JobEvent = Extract<TFleetEvent, { type: "job" }>;

/**
 * Sets a host's online flag (and last seen) in every hosts list and its detail. Returns false
 * when a list that holds every host (no further page) does not have it: a new host.
 */
export function patchHost(
  queryClient: QueryClient,
  keys: { list: QueryKey; detail: QueryKey },
  event: HostEvent,
): boolean {
  const update = <T extends HostRow>(host: T): T =>
    host.id === event.hostId && host.online !== event.online
      ? { ...host, online: event.online, lastSeenAt: event.at }
      : host;
  let missing = false;
  for (const [key, data] of queryClient.getQueriesData<ListData<HostRow>>({
    queryKey: keys.list,
  })) {
    if (!data) continue;
    const pages = pagesOf(data);
    const complete = !pages.at(-1)?.nextCursor;
    if (complete && !pages.some((page) => page.items.some((host) => host.id === event.hostId))) {
      missing = true;
    }
    queryClient.setQueryData(key, mapItems(data, update));
  }
  queryClient.setQueryData<HostRow>(keys.detail, (host) => (host ? update(host) : host));
  return !missing;
}

/**
 * Moves a job's row to its new state in every jobs list. Returns the row as a list held it
 * (its host and kind), or undefined: a job nobody lists yet is new to this page.
 */
export function patchJob(
  queryClient: QueryClient,
  listKey: QueryKey,
  event: JobEvent,
): JobRow | undefined {
  let found: JobRow | undefined;
  const update = <T extends JobRow>(job: T): T => {
    if (job.id !== event.jobId) return job;
    found = job;
    const state = laterState(job.state, event.state);
    return state === job.state ? job : { ...job, state };
  };
  for (const [key, data] of queryClient.getQueriesData<ListData<JobRow>>({ queryKey: listKey })) {
    if (data) queryClient.setQueryData(key, mapItems(data, update));
  }
  return found;
}

/** A job event that changes what lists and counts hold, not only a row's badge. */
export function changesJobLists(event: JobEvent, listed: boolean): boolean {
  return event.created || !isActiveState(event.state) || !listed;
}

/** A finished backup changes its host's last backup, shown in hosts lists and on its page. */
export function endsBackup(event: JobEvent, row: JobRow | undefined): boolean {
  return !isActiveState(event.state) && row?.kind === "backup";
}

/**
 * Invalidations gathered and run at most once per `intervalMs`: the first at once, the rest
 * together when the interval ends. A burst of finished jobs costs each shown list one refetch
 * a second, not one per job.
 */
export class ThrottledInvalidation {
  private readonly waiting = new Map<string, QueryKey>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly queryClient: QueryClient,
    private readonly intervalMs: number,
  ) {}

  add(...keys: QueryKey[]): void {
    for (const key of keys) this.waiting.set(JSON.stringify(key), key);
    if (this.timer === undefined) this.flush();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }

  private flush(): void {
    const keys = [...this.waiting.values()];
    this.waiting.clear();
    if (keys.length === 0) {
      this.timer = undefined;
      return;
    }
    for (const queryKey of keys) void this.queryClient.invalidateQueries({ queryKey });
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }
}
