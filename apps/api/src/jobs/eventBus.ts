import { EventEmitter } from "node:events";
import {
  TERMINAL_JOB_STATES,
  type TJobState,
  type TLogLine,
  type TResticProgress,
} from "@restic-manager/contracts";
import { AsyncQueue } from "../asyncQueue.js";

export type JobState = TJobState;
export const TERMINAL_STATES = TERMINAL_JOB_STATES;

export type JobEvent =
  | { type: "state"; state: JobState; exitCode: number | null; error: string | null; at: Date }
  | { type: "progress"; progress: TResticProgress }
  | { type: "log"; lines: TLogLine[] };

export type JobStateEvent = Extract<JobEvent, { type: "state" }>;

export interface SequencedJobEvent {
  id: string;
  event: JobEvent;
}

const BUFFER_EVENTS = 500;
/** A finished job's events stay replayable this long for late or reconnecting watchers. */
const KEEP_AFTER_END_MS = 10 * 60_000;

interface JobChannel {
  seq: number;
  buffer: SequencedJobEvent[];
  endedAt: number | undefined;
}

/**
 * Live job events for browsers. Each job has a sequence; a watcher that reconnects with the
 * last id it saw gets what it missed from a bounded buffer, or is told to reload (gap).
 */
export class JobEventBus {
  private readonly channels = new Map<string, JobChannel>();
  private readonly emitter = new EventEmitter();
  /**
   * Every job's state changes, for the fleet event stream: one listener per browser however
   * many jobs run. Progress and log lines are not emitted here.
   */
  readonly states = new EventEmitter<{ state: [jobId: string, event: JobStateEvent] }>();

  /** Told of every event published here, to pass on to other API replicas' watchers. */
  relay: ((jobId: string, event: JobEvent) => void) | undefined;

  constructor(private readonly now: () => number = Date.now) {
    this.emitter.setMaxListeners(0);
    this.states.setMaxListeners(0);
  }

  publish(jobId: string, event: JobEvent): void {
    this.deliver(jobId, event);
    this.relay?.(jobId, event);
  }

  /** An event another replica published: for this process's watchers, not relayed again. */
  receive(jobId: string, event: JobEvent): void {
    this.deliver(jobId, event);
  }

  private deliver(jobId: string, event: JobEvent): void {
    const channel = this.channel(jobId);
    channel.seq += 1;
    const sequenced = { id: String(channel.seq), event };
    channel.buffer.push(sequenced);
    if (channel.buffer.length > BUFFER_EVENTS) channel.buffer.shift();
    this.emitter.emit(jobId, sequenced);
    if (event.type !== "state") return;
    this.states.emit("state", jobId, event);
    if (TERMINAL_STATES.includes(event.state)) {
      channel.endedAt = this.now();
      this.sweep();
    }
  }

  /**
   * Events after `lastEventId`, then live ones until `signal` aborts. Yields
   * `{ gap: true }` first when the buffer no longer reaches back that far.
   */
  async *watch(
    jobId: string,
    lastEventId: string | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<SequencedJobEvent | { gap: true }> {
    // Listen before reading the buffer, so nothing published in between is missed.
    const live = new AsyncQueue<SequencedJobEvent>();
    const listener = (sequenced: SequencedJobEvent) => live.push(sequenced);
    this.emitter.on(jobId, listener);
    try {
      const channel = this.channels.get(jobId);
      let last = lastEventId === undefined ? 0 : Number(lastEventId);
      if (channel && lastEventId !== undefined) {
        const oldest = Number(channel.buffer[0]?.id ?? channel.seq + 1);
        if (last + 1 < oldest) yield { gap: true };
        for (const sequenced of channel.buffer) {
          if (Number(sequenced.id) > last) {
            last = Number(sequenced.id);
            yield sequenced;
          }
        }
      } else if (channel) {
        last = channel.seq;
      }
      for await (const event of live.drain(signal)) {
        if (Number(event.id) <= last) continue;
        last = Number(event.id);
        yield event;
      }
    } finally {
      this.emitter.off(jobId, listener);
    }
  }

  /** How many watchers a job has right now. */
  watcherCount(jobId: string): number {
    return this.emitter.listenerCount(jobId);
  }

  /** The last sequence number published for a job ("0" when none). */
  lastId(jobId: string): string {
    return String(this.channels.get(jobId)?.seq ?? 0);
  }

  private channel(jobId: string): JobChannel {
    let channel = this.channels.get(jobId);
    if (!channel) {
      channel = { seq: 0, buffer: [], endedAt: undefined };
      this.channels.set(jobId, channel);
    }
    return channel;
  }

  private sweep(): void {
    const now = this.now();
    for (const [jobId, channel] of this.channels) {
      if (channel.endedAt !== undefined && now - channel.endedAt > KEEP_AFTER_END_MS) {
        this.channels.delete(jobId);
      }
    }
  }
}
