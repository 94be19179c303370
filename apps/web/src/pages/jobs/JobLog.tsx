import { useEffect, useRef } from "react";
import { Card } from "../../components/ui/Card";
import { formatClock, formatCount } from "../../lib/format";

interface LogLine {
  at: Date;
  stream: string;
  line: string;
}

const STREAM_STYLE: Record<string, string> = {
  stderr: "bg-red-50 text-red-800 dark:bg-red-950/40 dark:text-red-300",
  agent: "text-teal-800 dark:text-teal-300",
};

/** The job's output; follows new lines while the reader is at the bottom. */
export function JobLog({
  lines,
  totalLines,
  live,
}: {
  lines: LogLine[];
  totalLines: number;
  live: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  useEffect(() => {
    const element = box.current;
    if (element && following.current && lines.length > 0) {
      element.scrollTop = element.scrollHeight;
    }
  }, [lines.length]);

  const dropped = totalLines - lines.length;
  return (
    <Card
      title="Log"
      description={
        dropped > 0
          ? `${formatCount(dropped)} lines from the middle were not kept; the start and the end are shown.`
          : live
            ? "Streamed live while the job runs. restic's error output is highlighted."
            : undefined
      }
      data-testid="job-log-card"
    >
      {lines.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">No output yet.</p>
      ) : (
        <div
          ref={box}
          onScroll={(event) => {
            const element = event.currentTarget;
            following.current =
              element.scrollHeight - element.scrollTop - element.clientHeight < 24;
          }}
          data-testid="job-log"
          className="max-h-96 overflow-auto rounded-md border border-slate-200 bg-slate-50 py-2 font-mono text-xs leading-5 dark:border-slate-800 dark:bg-slate-950"
        >
          {lines.map((line, index) => (
            <div
              // Lines have no identity of their own; their order never changes.
              key={index}
              data-testid="log-line"
              data-stream={line.stream}
              className={`flex gap-3 px-3 whitespace-pre-wrap ${STREAM_STYLE[line.stream] ?? "text-slate-800 dark:text-slate-200"}`}
            >
              <span className="shrink-0 text-slate-400 select-none dark:text-slate-500">
                {formatClock(line.at)}
              </span>
              <span className="min-w-0 break-words">{line.line}</span>
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}
